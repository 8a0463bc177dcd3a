/* SPDX-License-Identifier: BSD-2-Clause */
/* The helper's sandbox, in OpenSSH's shape for its network-facing child:
 * root is dropped for a user of its own, then a seccomp allow-list. What
 * parses network input (libcurl, OpenSSL, glibc's resolver, json-c) then
 * runs unprivileged and can neither start a program nor open a file for
 * writing. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <seccomp.h>

#include "sandbox.h"

/* Every call a login makes once it is confined: found by tracing the test
 * suite's helpers (strace -f), plus what libcurl with OpenSSL and its
 * threaded resolver, glibc's getaddrinfo (nss files and dns) and json-c
 * make on paths the suite does not take (a host name to resolve, the
 * system's CAs). Calls whose arguments are worth narrowing come below. */
static const int allowed[] = {
    /* memory (malloc, thread stacks) */
    SCMP_SYS(brk),
    SCMP_SYS(mmap),
    SCMP_SYS(munmap),
    SCMP_SYS(mremap),
    SCMP_SYS(mprotect),
    SCMP_SYS(madvise),
    /* descriptors already open, and files opened as below */
    SCMP_SYS(read),
    SCMP_SYS(readv),
    SCMP_SYS(pread64),
    SCMP_SYS(write),
    SCMP_SYS(writev),
    SCMP_SYS(close),
    SCMP_SYS(lseek),
    SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),
    SCMP_SYS(statx),
    SCMP_SYS(access),
    SCMP_SYS(faccessat),
    SCMP_SYS(faccessat2),
    SCMP_SYS(fcntl),
    /* waiting on the module's socket and the connections; the resolver
     * thread's wake-up (a socketpair in curl 7, an eventfd or a pipe in
     * curl 8) */
    SCMP_SYS(poll),
    SCMP_SYS(ppoll),
    SCMP_SYS(socketpair),
    SCMP_SYS(eventfd2),
    SCMP_SYS(pipe2),
    /* the network, on sockets of the families allowed below; bind and
     * recvmsg for getaddrinfo's netlink query */
    SCMP_SYS(connect),
    SCMP_SYS(bind),
    SCMP_SYS(getsockname),
    SCMP_SYS(getpeername),
    SCMP_SYS(setsockopt),
    SCMP_SYS(getsockopt),
    SCMP_SYS(sendto),
    SCMP_SYS(recvfrom),
    SCMP_SYS(sendmsg),
    SCMP_SYS(recvmsg),
    SCMP_SYS(sendmmsg),
    SCMP_SYS(shutdown),
    /* threads (libcurl's resolver), signals, time, the relay's pauses */
    SCMP_SYS(futex),
    SCMP_SYS(set_robust_list),
    SCMP_SYS(rseq),
    SCMP_SYS(sched_yield),
    SCMP_SYS(gettid),
    SCMP_SYS(getpid),
    SCMP_SYS(getppid),
    SCMP_SYS(rt_sigaction),
    SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(rt_sigreturn),
    SCMP_SYS(sigaltstack),
    SCMP_SYS(restart_syscall),
    SCMP_SYS(clock_gettime),
    SCMP_SYS(gettimeofday),
    SCMP_SYS(time),
    SCMP_SYS(nanosleep),
    SCMP_SYS(clock_nanosleep),
    /* who we are and what we may use (glibc, OpenSSL), randomness */
    SCMP_SYS(getuid),
    SCMP_SYS(geteuid),
    SCMP_SYS(getgid),
    SCMP_SYS(getegid),
    SCMP_SYS(getresuid),
    SCMP_SYS(getresgid),
    SCMP_SYS(getgroups),
    SCMP_SYS(uname),
    SCMP_SYS(getrandom),
    SCMP_SYS(getrlimit),
    SCMP_SYS(prlimit64),
    SCMP_SYS(sched_getaffinity),
    SCMP_SYS(exit),
    SCMP_SYS(exit_group),
};

#ifdef HB_SANITIZERS
/* AddressSanitizer's runtime: its leak check at exit stops the threads
 * from a tracer process (clone, ptrace, wait4, prctl) and lists them in
 * /proc/self/task (open, read-only below, and getdents). Test builds only:
 * the shipped helper has none of these. */
static const int sanitizer_allowed[] = {
    SCMP_SYS(clone),    SCMP_SYS(ptrace),   SCMP_SYS(wait4),
    SCMP_SYS(prctl),    SCMP_SYS(getdents), SCMP_SYS(getdents64),
    SCMP_SYS(readlink),
};
#endif

/* The families a login uses: TCP to the provider and the relay, UDP and
 * TCP to DNS servers, AF_UNIX for nscd and the resolver's wake-ups,
 * netlink for getaddrinfo's AI_ADDRCONFIG. */
static const int families[] = {AF_UNIX, AF_INET, AF_INET6, AF_NETLINK};

/* A thread shares the process's memory and is one of its threads; a clone
 * without these would be a new process. */
#define THREAD_FLAGS (CLONE_VM | CLONE_THREAD)

static enum hb_status filter_failed(struct hb_error *err, int rc)
{
    return hb_fail(err, HB_ERR_CONFIG,
                   "cannot set up the helper's system call filter: %s",
                   strerror(-rc));
}

static enum hb_status load_filter(struct hb_error *err)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (ctx == NULL)
        return hb_fail(err, HB_ERR_CONFIG,
                       "cannot set up the helper's system call filter");
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof(allowed) / sizeof(allowed[0]); i++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
#ifdef HB_SANITIZERS
    for (size_t i = 0; rc == 0 && i < sizeof(sanitizer_allowed) /
                                          sizeof(sanitizer_allowed[0]);
         i++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, sanitizer_allowed[i], 0);
#endif
    for (size_t i = 0; rc == 0 && i < sizeof(families) / sizeof(families[0]);
         i++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
                              SCMP_A0_32(SCMP_CMP_EQ, (uint32_t)families[i]));
    /* Files are opened to be read (/etc/hosts, /etc/resolv.conf, the
     * system's CAs): never created, truncated or written. */
    if (rc == 0)
        rc = seccomp_rule_add(
            ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
            SCMP_A2_32(SCMP_CMP_MASKED_EQ,
                       (uint32_t)(O_ACCMODE | O_CREAT | O_TRUNC), 0));
#ifdef HB_SANITIZERS
    if (rc == 0)
        rc = seccomp_rule_add(
            ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 1,
            SCMP_A1_32(SCMP_CMP_MASKED_EQ,
                       (uint32_t)(O_ACCMODE | O_CREAT | O_TRUNC), 0));
#else
    /* Threads only; glibc asks clone3 first and takes ENOSYS for "use
     * clone", whose flags, unlike clone3's, the filter can read. */
    if (rc == 0)
        rc = seccomp_rule_add(
            ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
            SCMP_A0_64(SCMP_CMP_MASKED_EQ, THREAD_FLAGS, THREAD_FLAGS));
#endif
    /* raise() and abort() signal this process only. */
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
                              SCMP_A0_32(SCMP_CMP_EQ, (uint32_t)getpid()));
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    /* isatty (TCGETS) and the bytes waiting on a socket. */
    static const unsigned long requests[] = {TCGETS, FIONREAD, FIONBIO};
    for (size_t i = 0; rc == 0 && i < sizeof(requests) / sizeof(requests[0]);
         i++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                              SCMP_A1_64(SCMP_CMP_EQ, requests[i]));
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    return rc == 0 ? HB_OK : filter_failed(err, rc);
}

/* Root to HB_HELPER_USER for good: no supplementary groups, all three ids
 * of each kind, checked afterwards rather than trusted. */
static enum hb_status drop_root(struct hb_error *err)
{
    errno = 0;
    const struct passwd *pw = getpwnam(HB_HELPER_USER);
    if (pw == NULL)
        return hb_fail(err, HB_ERR_CONFIG,
                       "haobtc-helper's system user %s does not exist: "
                       "create the system user %s (the package does)",
                       HB_HELPER_USER, HB_HELPER_USER);
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    if (uid == 0 || gid == 0)
        return hb_fail(err, HB_ERR_CONFIG,
                       "haobtc-helper's system user %s has uid or gid 0: "
                       "make it an unprivileged system user",
                       HB_HELPER_USER);
    pid_t parent = getppid();
    if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 ||
        setresuid(uid, uid, uid) != 0)
        return hb_fail(err, HB_ERR_CONFIG, "cannot switch to the user %s: %s",
                       HB_HELPER_USER, strerror(errno));
    uid_t ruid, euid, suid;
    gid_t rgid, egid, sgid;
    if (getresuid(&ruid, &euid, &suid) != 0 ||
        getresgid(&rgid, &egid, &sgid) != 0 || ruid != uid || euid != uid ||
        suid != uid || rgid != gid || egid != gid || sgid != gid ||
        getgroups(0, NULL) != 0 || setuid(0) != -1 || setgid(0) != -1)
        return hb_fail(err, HB_ERR_CONFIG,
                       "the switch to the user %s did not hold",
                       HB_HELPER_USER);
    /* The kernel resets both when the ids change: the helper stays out of
     * reach of the user's other processes (ptrace, core files), and still
     * dies with the module. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 ||
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
        return hb_fail(err, HB_ERR_CONFIG, "prctl after the switch: %s",
                       strerror(errno));
    if (getppid() != parent)
        return hb_fail(err, HB_ERR_UNAVAIL, "the module went away");
    return HB_OK;
}

enum hb_status hb_sandbox_enter(struct hb_error *err)
{
    /* haobtc-login run by an administrator who is not root keeps that
     * administrator's ids; the filter holds all the same. */
    if (geteuid() == 0 || getuid() == 0) {
        enum hb_status status = drop_root(err);
        if (status != HB_OK)
            return status;
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return hb_fail(err, HB_ERR_CONFIG, "cannot set no_new_privs: %s",
                       strerror(errno));
    return load_filter(err);
}
