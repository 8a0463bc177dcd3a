/* SPDX-License-Identifier: BSD-2-Clause */
/* Test helpers: scratch files and the mock provider's control API. */
#include "autoconf.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bind.h"
#include "testutil.h"

char *tu_printf(const char *fmt, ...)
{
    va_list ap;
    char *out = NULL;
    va_start(ap, fmt);
    int n = vasprintf(&out, fmt, ap);
    va_end(ap);
    assert_true(n >= 0);
    return out;
}

char *tu_read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        fwrite(chunk, 1, n, out);
    fclose(f);
    fclose(out);
    return text;
}

const char *tu_env(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL || v[0] == '\0')
        fail_msg("%s is not set: run the tests through tests/run-tests", name);
    return v;
}

const char *tu_dir(void)
{
    static char dir[4096];
    const char *base = getenv("HB_TEST_DIR");
    snprintf(dir, sizeof(dir), "%s/t.XXXXXX", base != NULL ? base : "/tmp");
    assert_non_null(mkdtemp(dir));
    assert_int_equal(chmod(dir, 0755), 0);
    return dir;
}

void tu_write(const char *path, const char *content, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(content, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

char *tu_file(const char *name, const char *content, mode_t mode)
{
    char *path = tu_printf("%s/%s", tu_dir(), name);
    tu_write(path, content, mode);
    return path;
}

char *tu_conf(const char *extra)
{
    char *path = tu_printf("%s/pam_haobtc.conf", tu_dir());
    free(tu_conf_at(path, extra));
    return path;
}

char *tu_conf_at(const char *path, const char *extra)
{
    char *map = tu_file("map",
                        "# haobtc identity -> local account\n"
                        "uuid:5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60 alice\n"
                        "uuid:0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9 bob\n"
                        "uuid:1111aaaa2222bbbb3333cccc4444dddd bob\n"
                        "uuid:99999999999999999999999999999999 nosuchuser\n"
                        "username:alice alice\n"
                        "username:carol carol\n",
                        0644);
    char *text = tu_printf("site_url = %s\n"
                           "ca_file = %s\n"
                           "client_id = test-client\n"
                           "client_secret = test-secret\n"
                           "redirect_uri = https://127.0.0.1/cb\n"
                           "map_file = %s\n"
                           "http_timeout = 3\n"
                           "timeout = 20\n"
                           "%s",
                           tu_env("MOCK_URL"), tu_env("HB_CA_FILE"), map,
                           extra != NULL ? extra : "");
    tu_write(path, text, 0600);
    free(map);
    free(text);
    return strdup(path);
}

struct body {
    char *data;
    size_t len;
};

static size_t collect(char *p, size_t size, size_t n, void *user)
{
    struct body *b = user;
    char *bigger = realloc(b->data, b->len + size * n + 1);
    if (bigger == NULL)
        return 0;
    b->data = bigger;
    memcpy(b->data + b->len, p, size * n);
    b->len += size * n;
    b->data[b->len] = '\0';
    return size * n;
}

char *tu_fetch(const char *url, const char *form)
{
    CURL *curl = curl_easy_init();
    assert_non_null(curl);
    struct body b = {calloc(1, 1), 0};
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CAINFO, tu_env("HB_CA_FILE"));
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
    if (form != NULL)
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form);
    CURLcode rc = curl_easy_perform(curl);
    if (rc != CURLE_OK)
        fail_msg("request to %s failed: %s", url, curl_easy_strerror(rc));
    curl_easy_cleanup(curl);
    return b.data;
}

static char *mock_request(const char *path, const char *form)
{
    char *url = tu_printf("%s%s", tu_env("MOCK_URL"), path);
    char *body = tu_fetch(url, form);
    free(url);
    return body;
}

char *tu_mock_post(const char *path, const char *form)
{
    return mock_request(path, form);
}

char *tu_mock_get(const char *path)
{
    return mock_request(path, NULL);
}

char *json_member(const char *body, const char *key)
{
    char *pattern = tu_printf("\"%s\"", key);
    const char *at = strstr(body, pattern);
    free(pattern);
    if (at == NULL)
        return NULL;
    at = strchr(at + strlen(key) + 2, ':');
    if (at == NULL)
        return NULL;
    at++;
    while (*at == ' ')
        at++;
    size_t n = *at == '"' ? strcspn(at + 1, "\"") : strcspn(at, ",}");
    return strndup(*at == '"' ? at + 1 : at, n);
}

char *tu_approve(const char *username, const char *state, const char *challenge)
{
    CURL *curl = curl_easy_init();
    char *u = curl_easy_escape(curl, username, 0);
    char *s = curl_easy_escape(curl, state, 0);
    char *c = challenge != NULL ? curl_easy_escape(curl, challenge, 0) : NULL;
    char *form =
        tu_printf("client_id=test-client&username=%s&state=%s%s%s%s", u, s,
                  c != NULL ? "&code_challenge=" : "", c != NULL ? c : "",
                  c != NULL ? "&code_challenge_method=S256" : "");
    curl_free(u);
    curl_free(s);
    curl_free(c);
    curl_easy_cleanup(curl);
    char *body = tu_mock_post("/mock/approve", form);
    free(form);
    char *code = json_member(body, "auth_code");
    if (code == NULL)
        fail_msg("mock would not approve %s: %s", username, body);
    free(body);
    return code;
}

char *tu_query(const char *url, const char *name)
{
    char *key = tu_printf("%s=", name);
    const char *at = strstr(url, key);
    while (at != NULL && at != url && at[-1] != '?' && at[-1] != '&')
        at = strstr(at + 1, key);
    char *value = NULL;
    if (at != NULL) {
        at += strlen(key);
        value = strndup(at, strcspn(at, "&\n# "));
    }
    free(key);
    return value;
}

char *tu_approve_link(const char *username, const char *link)
{
    char *state = tu_query(link, "state");
    char *challenge = tu_query(link, "code_challenge");
    if (state == NULL)
        fail_msg("no state in %s", link);
    char *code = tu_approve(username, state, challenge);
    free(state);
    free(challenge);
    return code;
}

char *tu_paste_answer(const char *state, char *code)
{
    char tag[HB_TAG_LEN + 1];
    if (!hb_answer_tag(state, code, tag))
        fail_msg("cannot tag the code");
    char *answer = tu_printf("%s:%s", code, tag);
    free(code);
    return answer;
}

int tu_lines_with(const char *path, const char *needle)
{
    FILE *f = fopen(path, "re");
    char line[1024];
    int n = 0;
    if (f == NULL)
        fail_msg("cannot open %s", path);
    while (fgets(line, sizeof(line), f) != NULL)
        n += strstr(line, needle) != NULL;
    fclose(f);
    return n;
}

void tu_fault(const char *mode, const char *target, const char *extra)
{
    char *form = tu_printf(
        "mode=%s&target=%s%s%s", mode, target != NULL ? target : "all",
        extra != NULL ? "&" : "", extra != NULL ? extra : "");
    free(tu_mock_post("/mock/fault", form));
    free(form);
}

long tu_stat(const char *name)
{
    char *body = tu_mock_get("/mock/stats");
    char *v = json_member(body, name);
    assert_non_null(v);
    long n = strtol(v, NULL, 10);
    free(v);
    free(body);
    return n;
}
