/* SPDX-License-Identifier: BSD-2-Clause */
/* The module's end of the helper: start it the way pam_unix starts
 * unix_chkpwd (fixed path, execve, nothing of the caller's environment or
 * descriptors), speak the frames of wire.h, and reap it. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helper_client.h"
#include "relay_protocol.h"
#include "sudo_command.h"
#include "text.h"
#include "lang.h"

/* How long a helper may take to exit by itself once the module is done. */
#define HELPER_EXIT_GRACE_MS 1000
#include "secure.h"
#include "wire.h"

/* How long past the login's deadline the helper may take to say that the
 * deadline passed, before it counts as hung. */
#define ANSWER_GRACE 5
#define FD_CLOSE_FALLBACK 65536
/* Descriptors the module may need to start the helper. */
#define FD_FOR_START 64

/* Root-owned (or owned by whoever runs us, for an unprivileged
 * haobtc-login) and writable by no one else: the helper runs with our
 * privileges, so whoever can change it owns every login. */
enum hb_status hb_helper_check_file(const char *path, struct hb_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return hb_fail(err, HB_ERR_CONFIG, "the haobtc helper %s: %s", path,
                       strerror(errno));
    if (!S_ISREG(st.st_mode) || (st.st_mode & S_IXUSR) == 0)
        return hb_fail(err, HB_ERR_CONFIG,
                       "the haobtc helper %s is not an executable file", path);
    if (st.st_uid != 0 && st.st_uid != geteuid())
        return hb_fail(err, HB_ERR_CONFIG,
                       "the haobtc helper %s is owned by uid %u, not root",
                       path, (unsigned)st.st_uid);
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return hb_fail(err, HB_ERR_CONFIG,
                       "the haobtc helper %s is writable by group or others",
                       path);
    return HB_OK;
}

/* The caller of su or sudo chose this process's limits, niceness and
 * scheduling. Under them the helper could fail to start or run, and a
 * login must not depend on that: the child takes ordinary ones before
 * execve (the stack's size is fixed there). System calls only. */
static void set_helper_limits(void)
{
    static const struct {
        int resource;
        rlim_t soft;
    } wanted[] = {
        {RLIMIT_CORE, 0},
        {RLIMIT_STACK, 8 * 1024 * 1024},
        {RLIMIT_NOFILE, 1024},
        {RLIMIT_NPROC, RLIM_INFINITY},
        {RLIMIT_AS, RLIM_INFINITY},
        {RLIMIT_DATA, RLIM_INFINITY},
        {RLIMIT_FSIZE, RLIM_INFINITY},
        {RLIMIT_CPU, RLIM_INFINITY},
        {RLIMIT_MEMLOCK, 8 * 1024 * 1024},
        {RLIMIT_SIGPENDING, 1024},
    };
    bool root = geteuid() == 0;
    for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
        struct rlimit now, lim;
        if (getrlimit(wanted[i].resource, &now) != 0)
            continue;
        lim.rlim_cur = wanted[i].soft;
        lim.rlim_max = now.rlim_max;
        /* Only root may raise a hard limit; others get what it allows. */
        if (root && lim.rlim_max != RLIM_INFINITY &&
            (lim.rlim_cur == RLIM_INFINITY || lim.rlim_max < lim.rlim_cur))
            lim.rlim_max = lim.rlim_cur;
        if (lim.rlim_max != RLIM_INFINITY &&
            (lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur > lim.rlim_max))
            lim.rlim_cur = lim.rlim_max;
        setrlimit(wanted[i].resource, &lim);
    }
    if (root) {
        setpriority(PRIO_PROCESS, 0, 0);
        struct sched_param normal = {0};
        sched_setscheduler(0, SCHED_OTHER, &normal);
    }
    prctl(PR_SET_TIMERSLACK, 0UL, 0UL, 0UL, 0UL);
}

/* In the child between fork and execve: system calls only (the parent
 * may be threaded), and any failure ends the child, which the parent sees
 * as a helper that never answered. */
static void become_helper(int sock, const char *path)
{
    set_helper_limits();
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    /* Out of the way of 0-3 first, so the dup2 calls below cannot clobber
     * one another whatever numbers the caller left us; the lowest free
     * numbers, as "ulimit -n" may leave few (root without
     * CAP_SYS_RESOURCE cannot raise it). */
    int s = sock > 3 ? sock : fcntl(sock, F_DUPFD_CLOEXEC, 4);
    int n = null > 3 || null < 0 ? null : fcntl(null, F_DUPFD_CLOEXEC, 4);
    if (s < 0 || n < 0 || dup2(n, 0) < 0 || dup2(n, 1) < 0 || dup2(n, 2) < 0 ||
        dup2(s, 3) < 0)
        _exit(127);
    if (close_range(4, ~0U, 0) != 0) {
        struct rlimit lim;
        long top = FD_CLOSE_FALLBACK;
        if (getrlimit(RLIMIT_NOFILE, &lim) == 0 &&
            lim.rlim_max != RLIM_INFINITY && (long)lim.rlim_max > top)
            top = (long)lim.rlim_max;
        for (long fd = 4; fd < top; fd++)
            close((int)fd);
    }
    /* Under su and sudo the real ids are the caller's; the helper runs
     * wholly as root so that caller cannot signal or trace it (pam_unix
     * does the same for unix_chkpwd). */
    if (geteuid() == 0 && (setgroups(0, NULL) != 0 || setresgid(0, 0, 0) != 0 ||
                           setresuid(0, 0, 0) != 0))
        _exit(126);
    /* Its own session: no controlling terminal, so the caller's terminal
     * cannot signal it; the module ends it instead. */
    setsid();
    umask(077);
    if (chdir("/") != 0)
        _exit(125);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++)
        sigaction(sig, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    static char name[] = "haobtc-helper";
    char *const argv[] = {name, NULL};
    char *const envp[] = {NULL};
    execve(path, argv, envp);
    _exit(127);
}

enum hb_status hb_helper_start(struct hb_helper *h, time_t deadline,
                               bool watch_presence, struct hb_error *err)
{
    memset(h, 0, sizeof(*h));
    h->pid = -1;
    h->fd = -1;
    h->deadline = deadline;
    h->timeout = deadline - time(NULL);
    h->watch_presence = watch_presence;
    if (watch_presence)
        hb_presence_note(&h->presence);
    const char *path = hb_helper_path();
    enum hb_status status = hb_helper_check_file(path, err);
    if (status != HB_OK)
        return status;

    /* "ulimit -n" may have left no descriptor for the socketpair: the
     * limit is raised for it (when allowed) and put back after the fork. */
    struct rlimit files;
    bool files_saved = getrlimit(RLIMIT_NOFILE, &files) == 0;
    if (files_saved && files.rlim_cur < FD_FOR_START) {
        struct rlimit more = {FD_FOR_START, files.rlim_max};
        if (more.rlim_max != RLIM_INFINITY && more.rlim_max < FD_FOR_START)
            more.rlim_max = geteuid() == 0 ? FD_FOR_START : files.rlim_max;
        if (more.rlim_cur > more.rlim_max)
            more.rlim_cur = more.rlim_max;
        setrlimit(RLIMIT_NOFILE, &more);
    } else {
        files_saved = false;
    }
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
        int pair_errno = errno;
        if (files_saved)
            setrlimit(RLIMIT_NOFILE, &files);
        return hb_fail(err, HB_ERR_SYSTEM, "cannot make a socketpair: %s",
                       strerror(pair_errno));
    }
    /* The application's own SIGCHLD handler must not reap our child before
     * waitpid does; the old disposition comes back in hb_helper_stop. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    h->chld_saved = sigaction(SIGCHLD, &dfl, &h->old_chld) == 0;

    pid_t pid = fork();
    if (pid == 0) {
        close(pair[0]);
        become_helper(pair[1], path);
    }
    int fork_errno = errno;
    if (files_saved)
        setrlimit(RLIMIT_NOFILE, &files);
    close(pair[1]);
    if (pid < 0) {
        close(pair[0]);
        return hb_fail(err, HB_ERR_SYSTEM, "cannot start the haobtc helper: %s",
                       strerror(fork_errno));
    }
    h->started = true;
    h->pid = pid;
    h->fd = pair[0];
    return HB_OK;
}

/* The watch of every wait on the helper: the person leaving, and what
 * the caller of hb_helper_wait_approval watches besides. */
static enum hb_status keep_waiting(void *arg, struct hb_error *err)
{
    struct hb_helper *h = arg;
    if (h->watch_presence && hb_presence_lost(&h->presence))
        return hb_fail(err, HB_ERR_CONV,
                       "the login was abandoned: the person's connection "
                       "went away");
    if (h->also != NULL)
        return h->also->check(h->also->arg, err);
    return HB_OK;
}

enum hb_status hb_helper_in_time(const struct hb_helper *h,
                                 struct hb_error *err)
{
    if (time(NULL) < h->deadline)
        return HB_OK;
    return hb_fail(err, HB_ERR_EXPIRED,
                   "the login's deadline passed (timeout %lld s after it "
                   "started)",
                   (long long)h->timeout);
}

static enum hb_status parse_long_field(const char *s, long min, long max,
                                       long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return HB_ERR_HELPER;
    *out = v;
    return HB_OK;
}

/* The helper's refusal, as if the library had failed here: its status
 * and message keep their meaning (the message is logged through the
 * module's filter). */
static enum hb_status helper_error(const struct hb_wire *w,
                                   struct hb_error *err)
{
    long status = 0, code = 0;
    if (w->n_fields != 3 ||
        parse_long_field(hb_wire_field(w, 0), HB_ERR_CONFIG, HB_ERR_LAST,
                         &status) != HB_OK ||
        parse_long_field(hb_wire_field(w, 1), 0, 99999999, &code) != HB_OK)
        return hb_fail(err, HB_ERR_HELPER,
                       "the haobtc helper sent a malformed error");
    hb_fail(err, (enum hb_status)status, "%s", hb_wire_field(w, 2));
    err->haobtc_code = code;
    return err->status;
}

/* Sends out and receives the answer into in; an ERROR frame becomes the
 * helper's status, any other type must be one of expect. */
static enum hb_status converse(struct hb_helper *h, const struct hb_wire *out,
                               struct hb_wire *in, const int *expect,
                               size_t n_expect, struct hb_error *err)
{
    if (!h->started || h->fd < 0)
        return hb_fail(err, HB_ERR_HELPER, "the haobtc helper is not running");
    enum hb_status status = hb_helper_in_time(h, err);
    if (status == HB_OK)
        status = hb_wire_send(h->fd, out, err);
    for (;;) {
        struct hb_wire_watch watch = {keep_waiting, h,
                                      h->also != NULL ? h->also->fd : -1};
        if (status == HB_OK)
            status = hb_wire_recv(h->fd, h->deadline + ANSWER_GRACE, &watch, in,
                                  err);
        if (status != HB_OK)
            return status;
        if (in->type != HB_WIRE_NOTE)
            break;
        if (h->on_note != NULL && in->n_fields == 1)
            h->on_note(h->note_cls, hb_wire_field(in, 0));
        hb_wire_clear(in);
    }
    if (in->type == HB_WIRE_ERROR) {
        status = helper_error(in, err);
        /* Unreachable counts only as found before the deadline: past it,
         * whatever the helper met is the login's lateness. */
        if (status == HB_ERR_UNAVAIL && hb_helper_in_time(h, err) != HB_OK)
            return HB_ERR_EXPIRED;
        return status;
    }
    for (size_t i = 0; i < n_expect; i++)
        if (in->type == expect[i])
            return hb_helper_in_time(h, err);
    return hb_fail(err, HB_ERR_HELPER,
                   "the haobtc helper answered out of turn (frame %d)",
                   in->type);
}

enum hb_status hb_helper_challenge(struct hb_helper *h, int argc,
                                   const char **argv, const char *user,
                                   const char *rhost, const char *service,
                                   struct hb_offer *offer, struct hb_error *err)
{
    memset(offer, 0, sizeof(*offer));
    struct hb_wire out, in;
    char deadline[32];
    snprintf(deadline, sizeof(deadline), "%lld", (long long)h->deadline);
    /* Under sudo, what the phone is asked to approve (sudo_command.h). */
    char *command = hb_sudo_command();
    hb_wire_init(&out, HB_WIRE_START);
    bool fits = hb_wire_add(&out, HB_WIRE_VERSION) &&
                hb_wire_add(&out, deadline) &&
                hb_wire_add(&out, user != NULL ? user : "") &&
                hb_wire_add(&out, rhost != NULL ? rhost : "") &&
                hb_wire_add(&out, service != NULL ? service : "") &&
                hb_wire_add(&out, command != NULL ? command : "");
    free(command);
    for (int i = 0; fits && i < argc; i++)
        fits = hb_wire_add(&out, argv[i]);
    if (!fits)
        return hb_fail(err, HB_ERR_CONFIG,
                       "the module arguments and user name are too long");
    static const int expect[] = {HB_WIRE_CHALLENGE};
    enum hb_status status = converse(h, &out, &in, expect, 1, err);
    if (status == HB_OK) {
        const char *link = hb_wire_field(&in, 0);
        const char *how = hb_wire_field(&in, 1);
        const char *number = hb_wire_field(&in, 3);
        long n = 0;
        if (in.n_fields != 4 || strncmp(link, "https://", 8) != 0 ||
            (number[0] != '\0' && !hb_parse_long(number, HB_RELAY_NUMBER_MIN,
                                                 HB_RELAY_NUMBER_MAX, &n)) ||
            strcspn(link, " \t\r\n\x1b\x7f") != strlen(link) ||
            (strcmp(how, "poll") != 0 && strcmp(how, "paste") != 0)) {
            status = hb_fail(err, HB_ERR_HELPER,
                             "the haobtc helper sent a malformed challenge");
        } else {
            offer->link = strdup(link);
            offer->can_poll = strcmp(how, "poll") == 0;
            offer->number = (int)n;
            snprintf(offer->relay_error, sizeof(offer->relay_error), "%s",
                     hb_wire_field(&in, 2));
            if (offer->link == NULL)
                status = hb_fail(err, HB_ERR_NOMEM, "out of memory");
        }
    }
    hb_wire_clear(&out);
    hb_wire_clear(&in);
    return status;
}

enum hb_status hb_helper_reach(struct hb_helper *h, int argc, const char **argv,
                               bool *reachable, struct hb_error *err)
{
    *reachable = true;
    struct hb_wire out, in;
    char deadline[32];
    snprintf(deadline, sizeof(deadline), "%lld", (long long)h->deadline);
    hb_wire_init(&out, HB_WIRE_PROBE);
    bool fits =
        hb_wire_add(&out, HB_WIRE_VERSION) && hb_wire_add(&out, deadline);
    for (int i = 0; fits && i < argc; i++)
        fits = hb_wire_add(&out, argv[i]);
    if (!fits)
        return hb_fail(err, HB_ERR_CONFIG, "the module arguments are too long");
    static const int expect[] = {HB_WIRE_REACH};
    enum hb_status status = converse(h, &out, &in, expect, 1, err);
    if (status == HB_OK) {
        const char *word = hb_wire_field(&in, 0);
        if (in.n_fields != 2 || (strcmp(word, "reachable") != 0 &&
                                 strcmp(word, "unreachable") != 0))
            status = hb_fail(err, HB_ERR_HELPER,
                             "the haobtc helper sent a malformed answer");
        else if (strcmp(word, "unreachable") == 0)
            /* The helper's own words: what it found unreachable. */
            hb_fail(err, HB_ERR_UNAVAIL, "%s", hb_wire_field(&in, 1));
        *reachable = status != HB_OK || strcmp(word, "unreachable") != 0;
    }
    hb_wire_clear(&out);
    hb_wire_clear(&in);
    return status;
}

enum hb_status hb_helper_wait(struct hb_helper *h, struct hb_error *err)
{
    struct hb_wire out, in;
    hb_wire_init(&out, HB_WIRE_WAIT);
    static const int expect[] = {HB_WIRE_APPROVED, HB_WIRE_PENDING};
    enum hb_status status = converse(h, &out, &in, expect, 2, err);
    if (status == HB_OK && in.type == HB_WIRE_PENDING)
        status = hb_fail(err, HB_ERR_PENDING, "not approved yet");
    hb_wire_clear(&in);
    return status;
}

enum hb_status hb_helper_wait_approval(struct hb_helper *h,
                                       const struct hb_wire_watch *also,
                                       struct hb_error *err)
{
    enum hb_status status;
    h->also = also;
    do {
        time_t asked = time(NULL);
        status = hb_helper_wait(h, err);
        /* A relay that says "pending" at once is not asked again at once;
         * the deadline still ends the loop (HB_ERR_EXPIRED). */
        if (status == HB_ERR_PENDING && time(NULL) - asked < 1) {
            struct timespec pause = {1, 0};
            nanosleep(&pause, NULL);
        }
    } while (status == HB_ERR_PENDING);
    h->also = NULL;
    return status;
}

static enum hb_status copy_profile_field(const char *value, char **slot,
                                         struct hb_error *err)
{
    if (value[0] == '\0')
        return HB_OK;
    *slot = strdup(value);
    if (*slot == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    return HB_OK;
}

enum hb_status hb_helper_exchange(struct hb_helper *h, const char *code,
                                  struct hb_profile *profile,
                                  struct hb_error *err)
{
    memset(profile, 0, sizeof(*profile));
    struct hb_wire out, in;
    hb_wire_init(&out, HB_WIRE_EXCHANGE);
    if (!hb_wire_add(&out, code != NULL ? code : ""))
        return hb_fail(err, HB_ERR_INPUT, "%s",
                       N_("the pasted code is too long"));
    static const int expect[] = {HB_WIRE_PROFILE};
    enum hb_status status = converse(h, &out, &in, expect, 1, err);
    hb_wire_clear(&out);
    if (status == HB_OK &&
        (in.n_fields != 4 || hb_wire_field(&in, 0)[0] == '\0'))
        status = hb_fail(err, HB_ERR_HELPER,
                         "the haobtc helper sent a malformed profile");
    char **slots[] = {&profile->uuid, &profile->username, &profile->address,
                      &profile->provider};
    for (int i = 0; status == HB_OK && i < 4; i++)
        status = copy_profile_field(hb_wire_field(&in, i), slots[i], err);
    if (status != HB_OK)
        hb_profile_free(profile);
    hb_wire_clear(&in);
    return status;
}

enum hb_status hb_helper_probe_pkce(struct hb_helper *h, const char *code,
                                    struct hb_error *err)
{
    struct hb_wire out, in;
    hb_wire_init(&out, HB_WIRE_PROBE_PKCE);
    if (!hb_wire_add(&out, code != NULL ? code : ""))
        return hb_fail(err, HB_ERR_INPUT, "%s",
                       N_("the pasted code is too long"));
    static const int expect[] = {HB_WIRE_PKCE_IGNORED};
    enum hb_status status = converse(h, &out, &in, expect, 1, err);
    hb_wire_clear(&out);
    if (status == HB_OK && in.n_fields != 0)
        status = hb_fail(err, HB_ERR_HELPER,
                         "the haobtc helper sent a malformed PKCE verdict");
    hb_wire_clear(&in);
    return status;
}

void hb_helper_abandon(struct hb_helper *h)
{
    if (h->started && h->pid > 0)
        kill(h->pid, SIGKILL);
}

void hb_helper_stop(struct hb_helper *h)
{
    if (!h->started) {
        /* Started as far as saving SIGCHLD, then failed. */
        if (h->chld_saved)
            sigaction(SIGCHLD, &h->old_chld, NULL);
        h->chld_saved = false;
        return;
    }
    h->started = false;
    if (h->fd >= 0)
        close(h->fd);
    h->fd = -1;
    if (h->pid > 0) {
        /* The closed socket tells it to go: it ends its requests, wipes and
         * exits (and a sanitizer build checks it for leaks). One that has
         * not gone after a moment is killed. */
        bool gone = false;
        for (int waited = 0; !gone && waited < HELPER_EXIT_GRACE_MS;
             waited += 5) {
            pid_t r = waitpid(h->pid, NULL, WNOHANG);
            gone = r == h->pid || (r < 0 && errno != EINTR);
            if (!gone) {
                struct timespec step = {0, 5 * 1000 * 1000};
                nanosleep(&step, NULL);
            }
        }
        if (!gone) {
            kill(h->pid, SIGKILL);
            while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
                ;
        }
    }
    h->pid = -1;
    if (h->chld_saved)
        sigaction(SIGCHLD, &h->old_chld, NULL);
    h->chld_saved = false;
}

void hb_offer_free(struct hb_offer *offer)
{
    free(offer->link);
    memset(offer, 0, sizeof(*offer));
}
