/* SPDX-License-Identifier: BSD-2-Clause */
/* A minimal PAM application for measuring the module from the outside: it
 * links libpam alone (no libcurl, no json-c), so whatever secret is found in
 * its memory was put there by the module, and it times logins.
 *
 *   pam-app [--loops N] [--wait] SERVICE USER -- APPROVE_CMD...
 *
 * Each login: pam_start, pam_authenticate, pam_end. The prompt's link
 * carries the state and the PKCE code_challenge; APPROVE_CMD runs with the
 * two as its last arguments (the challenge empty when the link has none)
 * and prints the code, which is pasted as the answer. --wait: after the
 * last login print "ready PID RC" and block until stdin ends (a scanner
 * reads the memory meanwhile). Otherwise print a timing summary. */
#include "autoconf.h"

#include <security/pam_appl.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CODE_MAX 512

struct app {
    char **approve; /* APPROVE_CMD, with free slots: state, challenge */
    int approve_argc;
    double conv_ms; /* time spent in APPROVE_CMD so far */
};

static void wipe(void *p, size_t n)
{
#ifdef HAVE_EXPLICIT_BZERO
    explicit_bzero(p, n);
#else
    /* A call through a volatile pointer the compiler cannot drop. */
    static void *(*volatile set)(void *, int, size_t) = memset;
    set(p, 0, n);
#endif
}

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* The name= value of the prompt's line that starts with https://; NULL
 * when there is none. The caller frees it. */
static char *query_from_prompt(const char *prompt, const char *name)
{
    size_t name_len = strlen(name);

    const char *line = prompt;

    while (line != NULL && *line != '\0') {
        size_t len = strcspn(line, "\n");
        if (strncmp(line, "https://", 8) == 0) {
            const char *q = line;
            const char *end = line + len;
            while (q < end) {
                const char *at = strstr(q, name);
                if (at == NULL || at >= end)
                    break;
                if (at > line && (at[-1] == '?' || at[-1] == '&') &&
                    at[name_len] == '=') {
                    at += name_len + 1;
                    size_t n = strcspn(at, "&\n #");
                    if (at + n > end)
                        n = (size_t)(end - at);
                    return n > 0 ? strndup(at, n) : NULL;
                }
                q = at + 1;
            }
        }
        line = line[len] == '\n' ? line + len + 1 : NULL;
    }
    return NULL;
}

/* Runs APPROVE_CMD STATE CHALLENGE and reads what it prints into buf
 * (NUL-ended, trailing whitespace removed). 0 on success with a non-empty
 * code. */
static int run_approve(struct app *app, char *state, char *challenge, char *buf,
                       size_t size)
{
    int fds[2];
    pid_t pid;
    size_t got = 0;
    int status = 0;
    int rc = -1;

    if (pipe2(fds, O_CLOEXEC) != 0) {
        perror("pam-app: pipe");
        return -1;
    }
    app->approve[app->approve_argc] = state;
    app->approve[app->approve_argc + 1] = challenge;
    pid = fork();
    if (pid < 0) {
        perror("pam-app: fork");
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0 || dup2(null, STDIN_FILENO) < 0 ||
            dup2(fds[1], STDOUT_FILENO) < 0)
            _exit(127);
        execvp(app->approve[0], app->approve);
        _exit(127);
    }
    close(fds[1]);
    for (;;) {
        ssize_t n = read(fds[0], buf + got, size - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
        if (got == size - 1)
            break;
    }
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        continue;
    while (got > 0 && strchr(" \t\r\n", buf[got - 1]) != NULL)
        got--;
    buf[got] = '\0';
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && got > 0)
        rc = 0;
    else
        fprintf(stderr, "pam-app: %s failed (status %d, %zu bytes)\n",
                app->approve[0], status, got);
    return rc;
}

/* The code from APPROVE_CMD for a prompt; NULL on failure. */
static char *answer(struct app *app, const char *prompt)
{
    char buf[CODE_MAX];
    char *state = query_from_prompt(prompt, "state");
    char *challenge = query_from_prompt(prompt, "code_challenge");
    char *code = NULL;
    double t0 = now_ms();

    if (state == NULL) {
        fputs("pam-app: no https:// line with state= in the prompt\n", stderr);
        free(challenge);
        return NULL;
    }
    static char none[] = "";
    if (run_approve(app, state, challenge != NULL ? challenge : none, buf,
                    sizeof(buf)) == 0)
        code = strdup(buf);
    wipe(buf, sizeof(buf));
    free(state);
    free(challenge);
    app->conv_ms += now_ms() - t0;
    return code;
}

static int converse(int n, const struct pam_message **msg,
                    struct pam_response **resp, void *data)
{
    struct app *app = data;
    struct pam_response *out;

    if (n <= 0 || n > PAM_MAX_NUM_MSG)
        return PAM_CONV_ERR;
    out = calloc((size_t)n, sizeof(*out));
    if (out == NULL)
        return PAM_BUF_ERR;
    for (int i = 0; i < n; i++) {
        switch (msg[i]->msg_style) {
        case PAM_PROMPT_ECHO_ON:
            out[i].resp = answer(app, msg[i]->msg);
            if (out[i].resp != NULL)
                break;
            goto fail;
        case PAM_TEXT_INFO:
        case PAM_ERROR_MSG:
            fprintf(stderr, "%s\n", msg[i]->msg);
            break;
        default:
            fprintf(stderr, "pam-app: unexpected message style %d\n",
                    msg[i]->msg_style);
            goto fail;
        }
    }
    *resp = out;
    return PAM_SUCCESS;
fail:
    for (int i = 0; i < n; i++) {
        if (out[i].resp != NULL) {
            wipe(out[i].resp, strlen(out[i].resp));
            free(out[i].resp);
        }
    }
    free(out);
    return PAM_CONV_ERR;
}

/* A failed login costs the module's fail delay (2 s); the tests that fail
 * logins on purpose, hundreds of times, wait for none. */
static void no_fail_delay(int retval, unsigned usec_delay, void *appdata)
{
    (void)retval;
    (void)usec_delay;
    (void)appdata;
}

static int login(struct app *app, const char *service, const char *user)
{
    struct pam_conv conv = {converse, app};
    pam_handle_t *pamh = NULL;
    int rc = pam_start(service, user, &conv, &pamh);

    if (rc != PAM_SUCCESS) {
        fprintf(stderr, "pam-app: pam_start: %d\n", rc);
        return rc;
    }
    /* PAM_FAIL_DELAY takes a function through a data pointer. */
    void (*delay_fn)(int, unsigned, void *) = no_fail_delay;
    const void *delay_item;
    memcpy(&delay_item, &delay_fn, sizeof(delay_item));
    pam_set_item(pamh, PAM_FAIL_DELAY, delay_item);
    rc = pam_authenticate(pamh, 0);
    if (rc != PAM_SUCCESS)
        fprintf(stderr, "pam-app: pam_authenticate: %s\n",
                pam_strerror(pamh, rc));
    pam_end(pamh, rc);
    return rc;
}

static long vmhwm_kb(void)
{
    char buf[4096];
    ssize_t got = -1;
    long kb = -1;
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

    if (fd >= 0) {
        got = read(fd, buf, sizeof(buf) - 1);
        close(fd);
    }
    if (got > 0) {
        buf[got] = '\0';
        const char *at = strstr(buf, "\nVmHWM:");
        if (at != NULL) {
            char *end;
            errno = 0;
            kb = strtol(at + 7, &end, 10);
            if (errno != 0 || end == at + 7)
                kb = -1;
        }
    }
    return kb;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least q of the samples at or
 * below it. */
static double percentile(const double *sorted, int n, double q)
{
    int rank = (int)((double)n * q + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

/* Sorts both series. net_ms is each login less the time APPROVE_CMD took:
 * the module's own cost. */
static void summary(double *ms, double *net_ms, int n, int ok)
{
    double sum = 0, net_sum = 0;

    for (int i = 0; i < n; i++) {
        sum += ms[i];
        net_sum += net_ms[i];
    }
    qsort(ms, (size_t)n, sizeof(*ms), by_value);
    qsort(net_ms, (size_t)n, sizeof(*net_ms), by_value);
    printf("logins=%d ok=%d mean_ms=%.2f p50_ms=%.2f p99_ms=%.2f "
           "max_ms=%.2f vmhwm_kb=%ld approve_mean_ms=%.2f net_mean_ms=%.2f "
           "net_p50_ms=%.2f net_p99_ms=%.2f\n",
           n, ok, sum / n, percentile(ms, n, 0.50), percentile(ms, n, 0.99),
           ms[n - 1], vmhwm_kb(), (sum - net_sum) / n, net_sum / n,
           percentile(net_ms, n, 0.50), percentile(net_ms, n, 0.99));
    fflush(stdout);
}

/* Blocks until stdin ends, so an outside scanner reads an idle process. */
static void wait_for_eof(void)
{
    char buf[256];
    ssize_t n;

    do {
        n = read(STDIN_FILENO, buf, sizeof(buf));
    } while (n > 0 || (n < 0 && errno == EINTR));
}

static void usage(void)
{
    fputs("usage: pam-app [--loops N] [--wait] SERVICE USER -- "
          "APPROVE_CMD...\n",
          stderr);
}

int main(int argc, char **argv)
{
    struct app app = {NULL, 0, 0};
    long loops = 1;
    int wait_at_end = 0;
    int i = 1;
    int ok = 0;
    int rc = PAM_SYSTEM_ERR;
    double *ms;
    double *net_ms;

    for (; i < argc && strncmp(argv[i], "--", 2) == 0 && argv[i][2]; i++) {
        if (strcmp(argv[i], "--wait") == 0) {
            wait_at_end = 1;
        } else if (strcmp(argv[i], "--loops") == 0 && i + 1 < argc) {
            char *end;
            errno = 0;
            loops = strtol(argv[++i], &end, 10);
            if (errno != 0 || *end != '\0' || loops < 1 || loops > 1000000) {
                fputs("pam-app: --loops takes 1 to 1000000\n", stderr);
                return 2;
            }
        } else {
            usage();
            return 2;
        }
    }
    if (argc - i < 4 || strcmp(argv[i + 2], "--") != 0) {
        usage();
        return 2;
    }
    const char *service = argv[i];
    const char *user = argv[i + 1];
    app.approve_argc = argc - (i + 3);
    app.approve = calloc((size_t)app.approve_argc + 3, sizeof(char *));
    ms = calloc((size_t)loops, sizeof(*ms));
    net_ms = calloc((size_t)loops, sizeof(*net_ms));
    if (app.approve == NULL || ms == NULL || net_ms == NULL) {
        fputs("pam-app: out of memory\n", stderr);
        return 2;
    }
    memcpy(app.approve, argv + i + 3,
           (size_t)app.approve_argc * sizeof(char *));

    for (long n = 0; n < loops; n++) {
        double t0 = now_ms();
        double conv0 = app.conv_ms;
        rc = login(&app, service, user);
        ms[n] = now_ms() - t0;
        net_ms[n] = ms[n] - (app.conv_ms - conv0);
        ok += rc == PAM_SUCCESS;
    }
    if (wait_at_end) {
        printf("ready %ld %d\n", (long)getpid(), rc);
        fflush(stdout);
        wait_for_eof();
    } else {
        summary(ms, net_ms, (int)loops, ok);
    }
    free(ms);
    free(net_ms);
    free(app.approve);
    return ok == loops ? 0 : 1;
}
