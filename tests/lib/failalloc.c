/* SPDX-License-Identifier: BSD-2-Clause */
/* Allocation failures on demand, for tests/pam/test_failalloc.sh. Linked into a
 * test build of the module or of the helper with -Wl,--wrap=malloc,... so
 * that their own allocations count, not libpam's, libcurl's or json-c's.
 *
 * HB_FAILALLOC_FILE (set when building) names a file holding N: the Nth
 * allocation fails (NULL, errno ENOMEM) and every other one succeeds; with
 * 0 nothing fails and the running count goes to the file's ".count". A
 * file, not the environment: the helper starts with an empty one. Only
 * system calls are used here, since malloc cannot be. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_vasprintf(char **out, const char *fmt, va_list ap);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_vasprintf(char **out, const char *fmt, va_list ap);
int __wrap_asprintf(char **out, const char *fmt, ...);
/* What asprintf becomes under _FORTIFY_SOURCE. */
int __real___vasprintf_chk(char **out, int flag, const char *fmt, va_list ap);
int __wrap___vasprintf_chk(char **out, int flag, const char *fmt, va_list ap);
int __wrap___asprintf_chk(char **out, int flag, const char *fmt, ...);

#if defined(HB_FAILALLOC_ASAN_LOG) && defined(HB_SANITIZERS)
#include <sanitizer/common_interface_defs.h>
/* The helper's standard error is /dev/null: its sanitizer reports go to a
 * file the test reads. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "detect_leaks=1";
}

/* Opened at the first allocation: after the helper closed what it
 * inherited, while it is still root and may create files (sandbox.c
 * forbids that later). */
static void open_report_file(void)
{
    int fd = open(HB_FAILALLOC_ASAN_LOG,
                  O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0644);
    if (fd >= 0)
        __sanitizer_set_report_fd((void *)(long)fd);
}
#else
static void open_report_file(void)
{
}
#endif

static long fail_at = -1; /* -1: not read yet */
static long count;

static long read_fail_at(void)
{
    char buf[32];
    int fd = open(HB_FAILALLOC_FILE, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    long v = 0;
    for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
        v = v * 10 + (buf[i] - '0');
    return v;
}

/* Opened once, at the first count: the helper stops being root and may no
 * longer create files soon after it starts (sandbox.c). */
static int count_fd = -1;

static void write_count(void)
{
    char buf[32];
    int len = snprintf(buf, sizeof(buf), "%ld\n", count);
    if (count_fd < 0)
        count_fd = open(HB_FAILALLOC_FILE ".count",
                        O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (count_fd < 0)
        return;
    /* The count only grows, so each one overwrites the last whole. */
    if (lseek(count_fd, 0, SEEK_SET) != 0 ||
        write(count_fd, buf, (size_t)len) < 0) {
        /* Counting is best effort; the test sees a missing count. */
    }
}

/* Whether this allocation is the one to fail. */
static int fails(void)
{
    if (fail_at < 0) {
        fail_at = read_fail_at();
        open_report_file();
    }
    count++;
    if (fail_at == 0) {
        write_count();
        return 0;
    }
    if (count != fail_at)
        return 0;
    errno = ENOMEM;
    return 1;
}

void *__wrap_malloc(size_t size)
{
    return fails() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return fails() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
    return fails() ? NULL : __real_realloc(p, size);
}

char *__wrap_strdup(const char *s)
{
    return fails() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    return fails() ? NULL : __real_strndup(s, n);
}

int __wrap_vasprintf(char **out, const char *fmt, va_list ap)
{
    if (fails())
        return -1;
    return __real_vasprintf(out, fmt, ap);
}

int __wrap_asprintf(char **out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = __wrap_vasprintf(out, fmt, ap);
    va_end(ap);
    return rc;
}

int __wrap___vasprintf_chk(char **out, int flag, const char *fmt, va_list ap)
{
    if (fails())
        return -1;
    return __real___vasprintf_chk(out, flag, fmt, ap);
}

int __wrap___asprintf_chk(char **out, int flag, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = __wrap___vasprintf_chk(out, flag, fmt, ap);
    va_end(ap);
    return rc;
}
