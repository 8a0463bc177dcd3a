/* SPDX-License-Identifier: BSD-2-Clause */
/* The scripted person at the PAM prompt, and the prompt's QR code read
 * back with zbarimg. */
#include "autoconf.h"

#include <fcntl.h>
#include <libpamtest.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pamutil.h"

char *pu_link(const char *prompt)
{
    const char *link = strstr(prompt, "https://");
    assert_non_null(link);
    return strndup(link, strcspn(link, "\n "));
}

char *pu_query(const char *url, const char *name)
{
    char *key = tu_printf("%s=", name);
    const char *at = strstr(url, key);
    while (at != NULL && at != url && at[-1] != '?' && at[-1] != '&')
        at = strstr(at + 1, key);
    assert_non_null(at);
    at += strlen(key);
    free(key);
    return strndup(at, strcspn(at, "&\n#"));
}

static char *answer_for(struct script *s, const char *prompt)
{
    if (s->prompts == 1 && s->phone != NULL && s->phone_on_info == 0)
        s->phone(s, prompt);
    switch (s->kind) {
    case ANSWER_TEXT:
        return strdup(s->text);
    case ANSWER_ENTER:
        return strdup("");
    case ANSWER_SAME_CODE:
        if (s->code != NULL && strchr(s->code, ':') != NULL)
            return strdup(s->code);
        if (s->code != NULL) {
            /* Tagged for this attempt, so that haobtc is what refuses it. */
            char *link = pu_link(prompt);
            char *state = pu_query(link, "state");
            char *answer = tu_paste_answer(state, strdup(s->code));
            free(state);
            free(link);
            return answer;
        }
        /* The first run gets a fresh code. */
        __attribute__((fallthrough));
    default: {
        char *link = pu_link(prompt);
        char *state = pu_query(link, "state");
        free(s->code);
        s->code = tu_approve_link(s->approver, link);
        char *answer = tu_paste_answer(state, strdup(s->code));
        free(state);
        free(link);
        return answer;
    }
    }
}

int pu_converse(int n, const struct pam_message **msg,
                struct pam_response **resp, void *data)
{
    struct script *s = data;
    struct pam_response *out = calloc((size_t)n, sizeof(*out));
    if (out == NULL)
        return PAM_BUF_ERR;
    for (int i = 0; i < n; i++) {
        switch (msg[i]->msg_style) {
        case PAM_PROMPT_ECHO_ON:
        case PAM_PROMPT_ECHO_OFF:
            s->prompts++;
            if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF)
                s->hidden_prompts++;
            free(s->prompt);
            s->prompt = strdup(msg[i]->msg);
            if (s->first_prompt == NULL)
                s->first_prompt = strdup(msg[i]->msg);
            if (s->kind == ANSWER_FAIL || s->prompts == s->fail_on_prompt) {
                for (int k = 0; k < i; k++)
                    free(out[k].resp);
                free(out);
                return PAM_CONV_ERR;
            }
            out[i].resp = answer_for(s, msg[i]->msg);
            break;
        case PAM_TEXT_INFO:
            s->infos++;
            if (s->infos <= 2)
                s->info[s->infos - 1] = strdup(msg[i]->msg);
            if (s->infos == s->fail_on_info) {
                for (int k = 0; k < i; k++)
                    free(out[k].resp);
                free(out);
                return PAM_CONV_ERR;
            }
            if (s->infos == s->phone_on_info && s->phone != NULL)
                s->phone(s, s->info[0]);
            __attribute__((fallthrough));
        default:
            strncat(s->messages, msg[i]->msg,
                    sizeof(s->messages) - strlen(s->messages) - 2);
            strcat(s->messages, "\n");
            break;
        }
    }
    *resp = out;
    return PAM_SUCCESS;
}

/* The services exist before the process starts (pam_wrapper copies them
 * then, see tests/run-tests); each names HB_MODULE_CONF, which tests
 * rewrite. */
const char *pu_module_conf(void)
{
    return tu_env("HB_MODULE_CONF");
}

int pu_run(const char *svc, const char *user, struct script *s, int flags)
{
    struct pam_testcase tests[] = {
        pam_test_flags(PAMTEST_AUTHENTICATE, PAM_SUCCESS, flags),
    };
    enum pamtest_err perr =
        _pamtest_conv(svc, user, pu_converse, s, tests, 1, NULL);
    if (perr != PAMTEST_ERR_OK && perr != PAMTEST_ERR_CASE)
        fail_msg("pamtest: %s", pamtest_strerror(perr));
    return tests[0].op_rv;
}

int pu_run_on_terminal(const char *svc, const char *user, struct script *s,
                       int flags)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    assert_true(slave >= 0);
    fflush(stdout);
    int saved = dup(1);
    assert_true(saved >= 0);
    assert_int_equal(dup2(slave, 1), 1);
    close(slave);
    int rc = pu_run(svc, user, s, flags);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    close(master);
    return rc;
}

int pu_authenticate(const char *user, const char *extra, struct script *s,
                    int flags)
{
    free(tu_conf_at(pu_module_conf(), extra));
    return pu_run("haobtc", user, s, flags);
}

int pu_run_logged(const char *user, const char *rhost, struct script *s,
                  char **log)
{
    char *path = tu_printf("%s/stderr", tu_dir());
    fflush(stderr);
    int saved = dup(2);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    assert_int_equal(dup2(fd, 2), 2);
    close(fd);

    struct pam_conv conv = {pu_converse, s};
    pam_handle_t *pamh = NULL;
    int rc = pam_start("haobtc", user, &conv, &pamh);
    if (rc == PAM_SUCCESS && rhost != NULL)
        rc = pam_set_item(pamh, PAM_RHOST, rhost);
    if (rc == PAM_SUCCESS)
        rc = pam_authenticate(pamh, 0);
    pam_end(pamh, rc);

    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t cap = 1 << 16, n = 0;
    *log = calloc(1, cap);
    n = fread(*log, 1, cap - 1, f);
    (*log)[n] = '\0';
    fclose(f);
    /* Show it too, so the driver's log check still reads it. */
    fputs(*log, stderr);
    free(path);
    return rc;
}

void pu_release(struct script *s)
{
    free(s->code);
    free(s->prompt);
    free(s->first_prompt);
    s->code = s->prompt = s->first_prompt = NULL;
    for (int i = 0; i < 2; i++) {
        free(s->info[i]);
        s->info[i] = NULL;
    }
}

/* The prompt through tests/bin/qr-decode, which renders it as a terminal of
 * that background would show it and asks zbarimg for the text. */
char *pu_decode_qr(const char *prompt, const char *on)
{
    char *path = tu_printf("%s/prompt", tu_dir());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(prompt, f);
    assert_int_equal(fclose(f), 0);
    /* Not under this process's preloads (a sanitizer runtime,
     * pam_wrapper): python3 and zbarimg are not built for them. */
    char *cmd = tu_printf(
        "env -u LD_PRELOAD python3 '%s/tests/bin/qr-decode' --on %s <'%s'",
        tu_env("HB_SRC"), on, path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char text[2048] = "";
    size_t got = fread(text, 1, sizeof(text) - 1, p);
    text[got] = '\0';
    pclose(p);
    text[strcspn(text, "\n")] = '\0';
    free(cmd);
    free(path);
    return strdup(text);
}

static size_t keep_body(char *data, size_t size, size_t n, void *user)
{
    char **body = user;
    size_t old = strlen(*body);
    char *grown = realloc(*body, old + size * n + 1);
    if (grown == NULL)
        return 0;
    memcpy(grown + old, data, size * n);
    grown[old + size * n] = '\0';
    *body = grown;
    return size * n;
}

char *pu_browse(CURL *curl, const char *url, const char *form, long *status,
                char **location)
{
    char *body = calloc(1, 1);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CAINFO, tu_env("HB_CA_FILE"));
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_COOKIEFILE, "");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    if (form != NULL)
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form);
    else
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    CURLcode rc = curl_easy_perform(curl);
    if (rc != CURLE_OK || body == NULL) {
        fprintf(stderr, "request to %s failed: %s\n", url,
                curl_easy_strerror(rc));
        free(body);
        return NULL;
    }
    if (status != NULL)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    if (location != NULL) {
        char *to = NULL;
        curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &to);
        *location = to != NULL ? strdup(to) : NULL;
    }
    return body;
}
