/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-helper: the network half of a login, started by pam_haobtc.so and
 * haobtc-login with execve from a fixed path. It trusts nothing it
 * inherited: the environment is emptied, extra descriptors closed, core
 * dumps and tracing off, before any library reads anything; once it has
 * read its root-only files it drops root and confines itself (sandbox.c). */
#include "autoconf.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper.h"

/* The caller of su chose our limits. Low ones could only make the login
 * fail, but a login should not depend on them: root raises them back
 * (RLIMIT_NPROC counts once the helper is its own user: sandbox.c). */
static void reset_limits(void)
{
    struct rlimit zero = {0, 0};
    setrlimit(RLIMIT_CORE, &zero);
    static const int raised[] = {RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA,
                                 RLIMIT_AS, RLIMIT_NPROC};
    for (size_t i = 0; i < sizeof(raised) / sizeof(raised[0]); i++) {
        struct rlimit lim = {RLIM_INFINITY, RLIM_INFINITY};
        if (geteuid() != 0 && getrlimit(raised[i], &lim) == 0)
            lim.rlim_cur = lim.rlim_max;
        setrlimit(raised[i], &lim);
    }
    struct rlimit files = {1024, 1024};
    struct rlimit now;
    if (getrlimit(RLIMIT_NOFILE, &now) == 0 && now.rlim_max > files.rlim_max)
        files.rlim_max = now.rlim_max;
    if (geteuid() != 0 && now.rlim_max < files.rlim_max)
        files.rlim_cur = files.rlim_max = now.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
}

static int is_stream_socket(int fd)
{
    int type = 0;
    socklen_t len = sizeof(type);
    return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
           type == SOCK_STREAM;
}

int main(int argc, char **argv)
{
    (void)argv;
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    /* The module's process dying ends the login: so does this one. */
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    clearenv();
    umask(077);
    reset_limits();
    signal(SIGPIPE, SIG_IGN);
    if (argc != 1 || !is_stream_socket(HB_HELPER_FD)) {
        fprintf(stderr, "haobtc-helper: started by pam_haobtc.so and "
                        "haobtc-login, not by hand\n");
        return 2;
    }
    close_range(HB_HELPER_FD + 1, ~0U, 0);
    return hb_helper_serve(HB_HELPER_FD);
}
