/* SPDX-License-Identifier: BSD-2-Clause */
/* The helper's setup-check findings as a msgid and its arguments, and
 * their formatting in haobtc-login against the fixed list of msgids. */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "finding.h"

/* Every text the helper may send; haobtc-login formats no other. */
static const char *const listed_texts[] = {
    HB_FT_FILE_ROOT,
    HB_FT_FILE_UID,
    HB_FT_FILE_GONE,
    HB_FT_SECRET_IN_CONF,
    HB_FT_CERT_SYSTEM,
    HB_FT_CERT_CA,
    HB_FT_CERT_SYSTEM_UNTIL,
    HB_FT_CERT_CA_UNTIL,
    HB_FT_CERT_ENDS,
    HB_FT_CERT_ENDS_1,
    HB_FT_FIX_CERT_RENEW,
    HB_FT_DNS_PROXY,
    HB_FT_DNS_ADDRESS,
    HB_FT_DNS_RESOLVED,
    HB_FT_FIX_DNS_PROXY,
    HB_FT_FIX_DNS,
    HB_FT_TCP,
    HB_FT_TCP_PROXY,
    HB_FT_FIX_TCP_PROXY,
    HB_FT_FIX_TCP,
    HB_FT_FIX_TLS_CA,
    HB_FT_FIX_TLS_SYSTEM,
    HB_FT_FIX_HTTP,
    HB_FT_CREDENTIALS_OK,
    HB_FT_CLIENT_ID_WRONG,
    HB_FT_FIX_CLIENT_ID,
    HB_FT_CLIENT_SECRET_WRONG,
    HB_FT_FIX_CLIENT_SECRET,
    HB_FT_REDIRECT_WRONG,
    HB_FT_REDIRECT_UNSET,
    HB_FT_FIX_REDIRECT,
    HB_FT_CLIENT_BLOCKED,
    HB_FT_FIX_CLIENT_BLOCKED,
    HB_FT_TOKEN_FOR_ANY_CODE,
    HB_FT_OTHER_REFUSAL,
    HB_FT_FIX_TOKEN_URL,
    HB_FT_NO_MEMORY,
    HB_FT_FIX_NO_MEMORY,
    HB_FT_NO_RELAY,
    HB_FT_RELAY_UP,
    HB_FT_RELAY_UP_1,
    HB_FT_NOT_A_RELAY,
    HB_FT_FIX_RELAY_URL,
    HB_FT_CLOCK_OFF,
    HB_FT_FIX_CLOCK_OFF,
    HB_FT_FLEET_KEY_OK,
    HB_FT_STALE,
    HB_FT_FIX_STALE,
    HB_FT_FLEET_KEY_WRONG,
    HB_FT_FIX_FLEET_KEY,
    HB_FT_NO_PING,
    HB_FT_FIX_NO_PING,
    HB_FT_FIX_RELAY_LOG,
    HB_FT_VERSIONS,
    HB_FT_FIX_VERSIONS,
    HB_FT_BAD_DEADLINE,
    HB_FT_FIX_BAD_DEADLINE,
    HB_FT_FIX_CA_FILE,
    HB_FT_FIX_LIBCURL,
    HB_FT_FIX_HELPER_USER,
    HB_FT_FIX_FILE_CREATE,
    HB_FT_FIX_FILE_SYMLINK,
    HB_FT_FIX_FILE_REGULAR,
    HB_FT_FIX_FILE_OWNER,
    HB_FT_FIX_FILE_MODE,
    HB_FT_FIX_FILE_CONTENT,
};

/* The number of %s in a listed text, or -1 for anything else in it (the
 * list is ours, so that is a mistake in it). */
static int count_args(const char *msgid)
{
    int n = 0;
    for (const char *p = strchr(msgid, '%'); p != NULL;
         p = strchr(p + 2, '%')) {
        if (p[1] == 's')
            n++;
        else if (p[1] != '%')
            return -1;
    }
    return n <= HB_FINDING_ARGS ? n : -1;
}

int hb_finding_lookup(const char *msgid, const char **listed)
{
    for (size_t i = 0; i < sizeof(listed_texts) / sizeof(listed_texts[0]);
         i++) {
        if (strcmp(msgid, listed_texts[i]) == 0) {
            *listed = listed_texts[i];
            return count_args(listed_texts[i]);
        }
    }
    return -1;
}

void hb_finding_data(struct hb_finding_text *t, const char *data)
{
    t->msgid = "";
    t->n = 0;
    snprintf(t->english, sizeof(t->english), "%s", data);
}

void hb_finding_vtext(struct hb_finding_text *t, const char *msgid, va_list ap)
{
    va_list args;
    va_copy(args, ap);
    vsnprintf(t->english, sizeof(t->english), msgid, ap);
    const char *listed = NULL;
    int n = hb_finding_lookup(msgid, &listed);
    t->msgid = n >= 0 ? listed : "";
    t->n = n >= 0 ? n : 0;
    /* The format attribute made the caller pass one string per %s. */
    for (int i = 0; i < t->n; i++)
        t->arg[i] = va_arg(args, const char *);
    va_end(args);
}

void hb_finding_text(struct hb_finding_text *t, const char *msgid, ...)
{
    va_list ap;
    va_start(ap, msgid);
    hb_finding_vtext(t, msgid, ap);
    va_end(ap);
}

bool hb_finding_add(struct hb_wire *w, const struct hb_finding_text *t)
{
    if (!hb_wire_add(w, t->msgid))
        return false;
    for (int i = 0; i < t->n; i++)
        if (!hb_wire_add(w, t->arg[i]))
            return false;
    return true;
}

/* Copies n bytes of s at *used, as far as size allows; false when out is
 * full. */
static bool put(char *out, size_t size, size_t *used, const char *s, size_t n)
{
    size_t room = size - 1 - *used;
    bool fits = n <= room;
    /* Cut on a character, not inside a UTF-8 sequence. */
    if (!fits)
        for (n = room; n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80; n--)
            ;
    memcpy(out + *used, s, n);
    *used += n;
    return fits;
}

bool hb_finding_format(const char *fmt, const char *const *arg, int n,
                       char *out, size_t size)
{
    size_t used = 0;
    int next = 0;
    bool room = size > 0;
    if (!room)
        return false;
    for (const char *p = fmt; *p != '\0' && room;) {
        if (*p != '%') {
            size_t plain = strcspn(p, "%");
            room = put(out, size, &used, p, plain);
            p += plain;
            continue;
        }
        const char *s;
        if (p[1] == '%') {
            s = "%";
            p += 2;
        } else if (p[1] == 's') {
            if (next >= n)
                return false;
            s = arg[next++];
            p += 2;
        } else if (p[1] >= '1' && p[1] <= '9' && p[2] == '$' && p[3] == 's') {
            int k = p[1] - '1';
            if (k >= n)
                return false;
            s = arg[k];
            p += 4;
        } else {
            return false;
        }
        room = put(out, size, &used, s, strlen(s));
    }
    out[used] = '\0';
    return true;
}

/* A translation that does not fit its msgid's arguments (msgfmt --check
 * refuses one) falls back on the English. */
static bool format_in(const struct hb_texts *lang, const char *listed,
                      const char *const *arg, int n, char *out, size_t size)
{
    return hb_finding_format(hb_tr(lang, listed), arg, n, out, size) ||
           hb_finding_format(listed, arg, n, out, size);
}

bool hb_finding_render(const struct hb_finding_text *t,
                       const struct hb_texts *lang, char *out, size_t size)
{
    if (t->msgid[0] == '\0') {
        snprintf(out, size, "%s", t->english);
        return true;
    }
    return format_in(lang, t->msgid, t->arg, t->n, out, size);
}

bool hb_finding_read(const struct hb_wire *w, int *at,
                     const struct hb_texts *lang, const char *english,
                     char *out, size_t size)
{
    if (*at >= w->n_fields)
        return false;
    const char *msgid = w->field[(*at)++];
    if (msgid[0] == '\0') {
        snprintf(out, size, "%s", english);
        return true;
    }
    const char *listed = NULL;
    int n = hb_finding_lookup(msgid, &listed);
    if (n < 0 || n > w->n_fields - *at)
        return false;
    const char *const *arg = w->field + *at;
    *at += n;
    return format_in(lang, listed, arg, n, out, size);
}
