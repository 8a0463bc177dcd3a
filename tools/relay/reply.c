/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-relay's answers: HTML pages (every value escaped, nothing
 * external) and JSON, each with the security headers, in buffers that are
 * wiped when MHD lets go of them. */
#include "autoconf.h"

#include "relay.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include <json-c/json.h>

#include "lang.h"
#include "secure.h"

#define HTML_TYPE "text/html; charset=utf-8"

/* Inline because the CSP forbids anything fetched; sized for a phone. */
static const char page_style[] =
    "body{font:17px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;"
    "color:#1c1e21}main{max-width:26em;margin:2em auto;padding:1.5em;"
    "background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.12)}"
    "h1{font-size:1.4em;margin:0 0 .6em}b{word-break:break-all}"
    ".muted{color:#5f6368}.warn{background:#fff4e5;"
    "border-left:4px solid #f29900;padding:.6em}.button{display:block;"
    "width:100%;box-sizing:border-box;border:0;font-size:1em;"
    "text-align:center;padding:.9em;margin-top:1em;background:#1a73e8;"
    "color:#fff;text-decoration:none;border-radius:8px;font-weight:600}"
    "code{display:block;padding:.8em;background:#eef0f3;border-radius:6px;"
    "font-size:1.1em;word-break:break-all;user-select:all}"
    "pre{padding:.6em;background:#eef0f3;border-radius:6px;margin:0;"
    "white-space:pre-wrap;word-break:break-all;font-weight:600}"
    ".picks{display:flex;gap:.6em}.pick{font-size:1.5em;padding:.5em}"
    ".lang{text-align:right;margin:0 0 .4em;font-size:.9em}"
    ".alt{display:none}.alt:target{display:block}.alt:target~.pri"
    "{display:none}";

static struct hb_texts zh_cn;
static pthread_once_t zh_cn_once = PTHREAD_ONCE_INIT;

/* Read once, then only read: every thread may share it. */
static void zh_cn_load(void)
{
    hb_texts_open_memory(&zh_cn, HB_LANG_ZH_CN, hb_catalog_zh_CN,
                         hb_catalog_zh_CN_len);
}

static const struct hb_texts *texts_of(enum hb_lang lang)
{
    if (lang == HB_LANG_EN)
        return NULL;
    pthread_once(&zh_cn_once, zh_cn_load);
    return zh_cn.lang == lang ? &zh_cn : NULL;
}

const struct hb_texts *relay_texts(struct MHD_Connection *c)
{
    const char *asked =
        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");

    if (asked == NULL)
        asked = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, RELAY_LANG);
    if (asked != NULL)
        return texts_of(hb_lang_of_accept(asked));
    return texts_of(hb_lang_of_accept(
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Language")));
}

static const char *html_lang(const struct hb_texts *t)
{
    return t != NULL && t->lang == HB_LANG_ZH_CN ? "zh-CN" : "en";
}

void relay_page_start(struct hb_buf *p, const struct hb_texts *t,
                      const char *title)
{
    hb_buf_add(p, "<!DOCTYPE html>\n<html lang=\"");
    hb_buf_add(p, html_lang(t));
    hb_buf_add(p, "\"><head><meta charset=\"utf-8\">"
                  "<meta name=\"viewport\" content=\"width=device-width, "
                  "initial-scale=1\"><meta name=\"robots\" content=\"noindex\">"
                  "<title>");
    hb_buf_add_html(p, hb_tr(t, title));
    hb_buf_add(p, "</title><style>");
    hb_buf_add(p, page_style);
    hb_buf_add(p, "</style></head><body><main>");
}

/* The heap body of a response and its size, wiped when MHD lets go:
 * pages and JSON may carry a code. */
struct owned {
    char *data;
    size_t len;
};

/* Every page the phone sees: not cached, not framed, no referrer, nothing
 * loaded from anywhere. */
static void add_page_headers(struct MHD_Response *resp, const char *type)
{
    MHD_add_response_header(resp, "Content-Type", type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'none'; style-src 'unsafe-inline'");
}

static void owned_free(void *cls)
{
    struct owned *ob = cls;

    hb_wipe(ob->data, ob->len);
    free(ob->data);
    free(ob);
}

/* Takes data; hname/hval add a header when not NULL. */
static enum MHD_Result send_body(struct MHD_Connection *c, unsigned status,
                                 char *data, size_t len, const char *type,
                                 const char *hname, const char *hval)
{
    struct owned *ob = data != NULL ? malloc(sizeof(*ob)) : NULL;
    struct MHD_Response *resp;
    enum MHD_Result ret;

    if (ob == NULL) {
        hb_wipe(data, len);
        free(data);
        return MHD_NO;
    }
    ob->data = data;
    ob->len = len;
    resp = MHD_create_response_from_buffer_with_free_callback_cls(
        len, data, owned_free, ob);
    if (resp == NULL) {
        owned_free(ob);
        return MHD_NO;
    }
    add_page_headers(resp, type);
    if (hname != NULL)
        MHD_add_response_header(resp, hname, hval);
    ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result send_page(struct MHD_Connection *c, unsigned status,
                                 struct hb_buf *p, const char *cookie)
{
    hb_buf_add(p, "</main></body></html>\n");
    if (p->failed) {
        hb_buf_wipe(p);
        return MHD_NO;
    }
    return send_body(c, status, p->data, p->len, HTML_TYPE,
                     cookie != NULL ? MHD_HTTP_HEADER_SET_COOKIE : NULL,
                     cookie);
}

enum MHD_Result relay_send_page(struct MHD_Connection *c, unsigned status,
                                struct hb_buf *p)
{
    return send_page(c, status, p, NULL);
}

/* The provider sends the phone back to /cb with nothing of ours in the
 * URL, so a language picked with the switch link rides in a cookie: Lax
 * still sends it on that top-level GET, and Path=/ reaches /cb. It names
 * a language and nothing else, so it may outlive the session. */
enum MHD_Result relay_send_page_lang(struct MHD_Connection *c, unsigned status,
                                     struct hb_buf *p, const struct hb_texts *t,
                                     bool secure)
{
    char cookie[128];

    if (MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang") == NULL)
        return send_page(c, status, p, NULL);
    snprintf(cookie, sizeof(cookie),
             RELAY_LANG "=%s; Max-Age=31536000; Path=/; %sHttpOnly; "
                        "SameSite=Lax",
             html_lang(t), secure ? "Secure; " : "");
    return send_page(c, status, p, cookie);
}

static void put_message(struct hb_buf *p, const struct hb_texts *t,
                        const char *title, const char *message, bool code)
{
    hb_buf_add(p, "<h1>");
    hb_buf_add_html(p, hb_tr(t, title));
    hb_buf_add(p, "</h1><p>");
    hb_buf_add_html(p, hb_tr(t, message));
    hb_buf_add(p, "</p>");
    if (code) {
        hb_buf_add(p, "<p class=\"muted\">");
        hb_buf_add_html(
            p, hb_tr(t, "If your terminal asks for a code, paste this one:"));
        hb_buf_add(p, "</p>");
    }
}

/* code (may be NULL) is shown in <code id="code"> for pasting. These
 * pages answer /cb, which must not be asked twice, so the switch link
 * shows the message in the other language from this same page (CSS
 * :target; the CSP allows no script). */
enum MHD_Result relay_send_message(struct MHD_Connection *c, unsigned status,
                                   const struct hb_texts *t, const char *title,
                                   const char *message, const char *code)
{
    struct hb_buf p = {0};
    const struct hb_texts *other = t != NULL ? NULL : texts_of(HB_LANG_ZH_CN);

    relay_page_start(&p, t, title);
    if (t != NULL || other != NULL) {
        hb_buf_add(&p, "<p class=\"lang\"><a href=\"#other\" lang=\"");
        hb_buf_add(&p, html_lang(other));
        hb_buf_add(&p, "\">");
        hb_buf_add(&p, t != NULL ? "English" : "\xe4\xb8\xad\xe6\x96\x87");
        hb_buf_add(&p, "</a></p><div id=\"other\" class=\"alt\" lang=\"");
        hb_buf_add(&p, html_lang(other));
        hb_buf_add(&p, "\">");
        put_message(&p, other, title, message, code != NULL);
        hb_buf_add(&p, "</div>");
    }
    hb_buf_add(&p, "<div class=\"pri\">");
    put_message(&p, t, title, message, code != NULL);
    hb_buf_add(&p, "</div>");
    if (code != NULL) {
        hb_buf_add(&p, "<code id=\"code\">");
        hb_buf_add_html(&p, code);
        hb_buf_add(&p, "</code>");
    }
    return relay_send_page(c, status, &p);
}

enum MHD_Result relay_send_redirect(struct MHD_Connection *c,
                                    const char *location, const char *cookie)
{
    struct hb_buf p = {0};
    struct MHD_Response *resp;
    enum MHD_Result ret;

    /* A body for the rare client that does not follow 303 by itself. */
    relay_page_start(&p, NULL, "Continue");
    hb_buf_add(&p, "<h1>Continue</h1><p><a class=\"button\" href=\"");
    hb_buf_add_html(&p, location);
    hb_buf_add(&p, "\">Continue to haobtc</a></p></main></body></html>\n");
    if (p.failed) {
        hb_buf_wipe(&p);
        return MHD_NO;
    }
    resp =
        MHD_create_response_from_buffer_with_free_callback(p.len, p.data, free);
    if (resp == NULL) {
        hb_buf_wipe(&p);
        return MHD_NO;
    }
    add_page_headers(resp, HTML_TYPE);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, cookie);
    ret = MHD_queue_response(c, MHD_HTTP_SEE_OTHER, resp);
    MHD_destroy_response(resp);
    return ret;
}

struct json_object *relay_reply_new(bool ok)
{
    struct json_object *o = json_object_new_object();

    if (o != NULL)
        json_object_object_add(o, "ok", json_object_new_boolean(ok));
    return o;
}

void relay_reply_add(struct json_object *o, const char *k,
                     struct json_object *v)
{
    if (o != NULL)
        json_object_object_add(o, k, v);
    else
        json_object_put(v);
}

/* Consumes o; secret wipes json-c's own copies (of a code) first. */
enum MHD_Result relay_send_json(struct MHD_Connection *c, unsigned status,
                                struct json_object *o, bool secret,
                                const char *hname, const char *hval)
{
    const char *text = NULL;
    char *copy = NULL;
    size_t len = 0;

    if (o != NULL)
        text = json_object_to_json_string_length(
            o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    if (text != NULL)
        copy = strndup(text, len);
    if (secret && text != NULL) {
        hb_wipe(hb_drop_const(text), len);
        json_object_object_foreach(o, k, v)
        {
            (void)k;
            if (json_object_is_type(v, json_type_string))
                hb_wipe(hb_drop_const(json_object_get_string(v)),
                        (size_t)json_object_get_string_len(v));
        }
    }
    json_object_put(o);
    return send_body(c, status, copy, len, "application/json", hname, hval);
}

enum MHD_Result relay_send_error(struct MHD_Connection *c, unsigned status,
                                 const char *reason, const char *hname,
                                 const char *hval)
{
    struct json_object *o = relay_reply_new(false);

    relay_reply_add(o, HB_RELAY_ANSWER_ERROR, json_object_new_string(reason));
    return relay_send_json(c, status, o, false, hname, hval);
}

enum MHD_Result relay_fail(struct MHD_Connection *c, unsigned status,
                           const char *reason)
{
    return relay_send_error(c, status, reason, NULL, NULL);
}
