/* SPDX-License-Identifier: BSD-2-Clause */
/* Driving the module through the real libpam in tests: a scripted person
 * at the prompt, the service files, and reading the prompt's QR code. */
#ifndef HB_PAMUTIL_H
#define HB_PAMUTIL_H

#include <curl/curl.h>
#include <security/pam_appl.h>

#include "testutil.h"

enum answer_kind {
    ANSWER_CODE,      /* the phone approves, the person pastes CODE:TAG */
    ANSWER_TEXT,      /* the person types text */
    ANSWER_FAIL,      /* the conversation fails */
    ANSWER_SAME_CODE, /* the code from the previous run, again (tagged for
                       * this attempt unless it came tagged from a page) */
    ANSWER_ENTER,     /* the person presses Enter (relay) */
};

struct script {
    enum answer_kind kind;
    const char *approver; /* haobtc user the simulated phone approves as */
    const char *text;     /* ANSWER_TEXT */
    /* Run on the first prompt before answering, as the person's phone
     * would (may be NULL: nobody approves). */
    void (*phone)(struct script *s, const char *prompt);
    int fail_on_prompt; /* fail the conversation at this prompt (1-based) */
    char *code;   /* the code handed over (bare, or CODE:TAG as a page showed
                   * it), kept for reuse tests */
    char *prompt; /* the last prompt, whole */
    char *first_prompt;
    char messages[4096]; /* info and error messages, concatenated */
    int prompts;
    int hidden_prompts; /* of those, PAM_PROMPT_ECHO_OFF */
    /* Info messages (PAM_TEXT_INFO) alone: how many, the first two whole. */
    int infos;
    char *info[2];
    /* Run phone at this info message (1-based) with the first one, which
     * holds the link, instead of at the first prompt; 0: never. */
    int phone_on_info;
    int fail_on_info; /* fail the conversation at this info message */
};

int pu_converse(int n, const struct pam_message **msg,
                struct pam_response **resp, void *data);
/* The config file every service in tests/run-tests names. */
const char *pu_module_conf(void);
/* pam_authenticate through service svc; returns the PAM value. */
int pu_run(const char *svc, const char *user, struct script *s, int flags);
/* pu_run with standard output on a terminal (a pseudo-terminal of its
 * own), as su, sudo and login have it. */
int pu_run_on_terminal(const char *svc, const char *user, struct script *s,
                       int flags);
/* Writes the module config (tu_conf_at + extra), then pu_run("haobtc"). */
int pu_authenticate(const char *user, const char *extra, struct script *s,
                    int flags);
void pu_release(struct script *s);
/* pam_authenticate through service "haobtc" with PAM_RHOST set (NULL:
 * unset); *log gets everything the module and libpam logged meanwhile
 * (pam_wrapper's SYSLOG lines; caller frees). */
int pu_run_logged(const char *user, const char *rhost, struct script *s,
                  char **log);
/* The https:// line of a prompt (caller frees). */
char *pu_link(const char *prompt);
/* The value of name= in url's query (caller frees). */
char *pu_query(const char *url, const char *name);
/* The text of the prompt's QR code as zbarimg reads it on a terminal with
 * a "dark" or "light" background, or "both" (the same text on each, else
 * ""); caller frees. */
char *pu_decode_qr(const char *prompt, const char *on);

/* One request of the phone's browser (a handle that keeps the relay's
 * cookie): GET url, or POST form when not NULL. Its body (caller frees),
 * or NULL when the request failed (the reason on stderr); the HTTP status
 * in *status and a redirect's target in *location (caller frees) when not
 * NULL. Fails no test itself: it also runs off the test's thread. */
char *pu_browse(CURL *curl, const char *url, const char *form, long *status,
                char **location);

#endif
