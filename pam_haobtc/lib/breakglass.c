/* SPDX-License-Identifier: BSD-2-Clause */
/* Break-glass codes in their root-only file; see breakglass.h. */
#include "autoconf.h"

#include <crypt.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "breakglass.h"
#include "safefile.h"
#include "secure.h"
#include "text.h"

#define HEADER                                                                 \
    "# pam_haobtc break-glass codes, written by haobtc-login breakglass:\n"    \
    "# ID USER EXPIRES USED HASH (Unix seconds; USED 0 while unused)\n"
#define CODE_CHARS 20
#define CODE_BYTES 13 /* 100 of their bits make the 20 characters */
#define MAX_ENTRIES 1024
/* Crockford's base32: no I, L, O or U to misread. */
static const char ALPHABET[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

struct row {
    struct hb_bg_entry e;
    char *hash;
};

struct table {
    struct row rows[MAX_ENTRIES];
    size_t n;
};

static void table_free(struct table *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->rows[i].hash);
    t->n = 0;
}

static bool plain_user(const char *user)
{
    size_t n = strlen(user);
    if (n == 0 || n > 64 || user[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)user[i]) && strchr("._-", user[i]) == NULL)
            return false;
    return true;
}

/* The code as typed ("bg-k7p2q-..." too) into its 20 characters, with
 * the letters people confuse read as the digits they look like. */
static bool normalize(const char *in, char out[CODE_CHARS + 1])
{
    while (*in == ' ' || *in == '\t')
        in++;
    if (toupper((unsigned char)in[0]) != 'B' ||
        toupper((unsigned char)in[1]) != 'G')
        return false;
    size_t n = 0;
    for (const char *p = in + 2; *p != '\0'; p++) {
        int c = toupper((unsigned char)*p);
        if (c == '-' || c == ' ' || c == '\t')
            continue;
        if (c == 'O')
            c = '0';
        else if (c == 'I' || c == 'L')
            c = '1';
        if (c == '\0' || strchr(ALPHABET, c) == NULL || n == CODE_CHARS)
            return false;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return n == CODE_CHARS;
}

bool hb_breakglass_looks_like(const char *answer)
{
    char norm[CODE_CHARS + 1];
    bool yes = normalize(answer, norm);
    hb_wipe(norm, sizeof(norm));
    return yes;
}

bool hb_breakglass_parse_ttl(const char *s, long *out)
{
    return hb_parse_duration(s, 60, HB_BG_TTL_MAX, out);
}

static bool parse_ll(const char *s, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 0)
        return false;
    *out = v;
    return true;
}

static enum hb_status parse_row(char *line, struct row *r)
{
    char *save = NULL;
    char *f[6];
    size_t n = 0;
    for (char *tok = strtok_r(line, " \t", &save); tok != NULL && n < 6;
         tok = strtok_r(NULL, " \t", &save))
        f[n++] = tok;
    if (n != 5 || strlen(f[0]) != HB_BG_ID_LEN ||
        strspn(f[0], "0123456789abcdef") != HB_BG_ID_LEN || !plain_user(f[1]) ||
        !parse_ll(f[2], &r->e.expires) || !parse_ll(f[3], &r->e.used) ||
        f[4][0] != '$')
        return HB_ERR_CONFIG;
    memcpy(r->e.id, f[0], HB_BG_ID_LEN + 1);
    snprintf(r->e.user, sizeof(r->e.user), "%s", f[1]);
    r->hash = strdup(f[4]);
    return r->hash != NULL ? HB_OK : HB_ERR_NOMEM;
}

/* The file's codes; a file that is not there has none. */
static enum hb_status load(const char *path, struct table *t,
                           struct hb_error *err)
{
    t->n = 0;
    struct stat st;
    if (lstat(path, &st) != 0 && errno == ENOENT)
        return HB_OK;
    char *text = NULL;
    size_t len = 0;
    enum hb_status status =
        hb_read_safe_file(path, 0, true, &text, &len, NULL, err);
    if (status != HB_OK)
        return status;
    unsigned lineno = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save);
         status == HB_OK && line != NULL; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        line += strspn(line, " \t");
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (t->n == MAX_ENTRIES) {
            status = hb_fail(err, HB_ERR_CONFIG, "%s holds more than %d codes",
                             path, MAX_ENTRIES);
            break;
        }
        status = parse_row(line, &t->rows[t->n]);
        if (status == HB_OK)
            t->n++;
        else if (status == HB_ERR_CONFIG)
            hb_fail(err, status,
                    "%s: line %u is not \"ID USER EXPIRES USED HASH\"", path,
                    lineno);
        else
            hb_fail(err, status, "out of memory");
    }
    hb_wipe(text, len);
    free(text);
    if (status != HB_OK)
        table_free(t);
    return status;
}

/* Replaces the file whole (a new file renamed over it), so that a crash
 * leaves the old list or the new one, never half of one. */
static enum hb_status save(const char *path, const struct table *t,
                           struct hb_error *err)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 8);
    if (tmp == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".XXXXXX", 8);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        enum hb_status s = hb_fail(err, HB_ERR_SYSTEM, "cannot write %s: %s",
                                   path, strerror(errno));
        free(tmp);
        return s;
    }
    FILE *f = fdopen(fd, "w");
    bool ok = f != NULL && fchmod(fd, 0600) == 0 && fputs(HEADER, f) >= 0;
    for (size_t i = 0; ok && i < t->n; i++) {
        const struct row *r = &t->rows[i];
        ok = fprintf(f, "%s %s %lld %lld %s\n", r->e.id, r->e.user,
                     r->e.expires, r->e.used, r->hash) > 0;
    }
    ok = ok && fflush(f) == 0 && fsync(fd) == 0;
    if (f != NULL)
        ok = fclose(f) == 0 && ok;
    else
        close(fd);
    ok = ok && rename(tmp, path) == 0;
    int saved = errno;
    if (!ok)
        unlink(tmp);
    free(tmp);
    if (!ok)
        return hb_fail(err, HB_ERR_SYSTEM, "cannot write %s: %s", path,
                       strerror(saved));
    return HB_OK;
}

/* Readers and writers of the file take turns on its directory: a lock on
 * the file itself would be lost with the file each rename replaces. */
static int lock_dir_of(const char *path, struct hb_error *err)
{
    char *copy = strdup(path);
    if (copy == NULL) {
        hb_fail(err, HB_ERR_NOMEM, "out of memory");
        return -1;
    }
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || flock(fd, LOCK_EX) != 0) {
        hb_fail(err, HB_ERR_SYSTEM, "cannot lock the directory of %s: %s", path,
                strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    free(copy);
    return fd;
}

static void unlock_dir(int fd)
{
    if (fd >= 0)
        close(fd);
}

static bool hash_matches(const char *code, const char *hash)
{
    void *data = NULL;
    int size = 0;
    const char *got = crypt_ra(code, hash, &data, &size);
    bool same = got != NULL && got[0] != '*' && strlen(got) == strlen(hash) &&
                hb_ct_equal(got, hash, strlen(hash));
    if (data != NULL)
        hb_wipe(data, (size_t)size);
    free(data);
    return same;
}

enum hb_status hb_breakglass_issue(const char *path, const char *user, long ttl,
                                   char code[HB_BG_CODE_MAX],
                                   char id[HB_BG_ID_LEN + 1],
                                   struct hb_error *err)
{
    if (!plain_user(user))
        return hb_fail(err, HB_ERR_INPUT,
                       "a local account name is letters, digits, '.', '_' "
                       "and '-', at most 64");
    if (ttl < 60 || ttl > HB_BG_TTL_MAX)
        return hb_fail(err, HB_ERR_INPUT, "a time to live of 1 min to 30 d");
    unsigned char rnd[CODE_BYTES], idb[HB_BG_ID_LEN / 2];
    if (!hb_random_bytes(rnd, sizeof(rnd)) ||
        !hb_random_bytes(idb, sizeof(idb)))
        return hb_fail(err, HB_ERR_SYSTEM, "no randomness from the kernel");
    char norm[CODE_CHARS + 1];
    for (size_t i = 0; i < CODE_CHARS; i++) {
        size_t bit = i * 5;
        unsigned v = ((unsigned)rnd[bit / 8] << 8 |
                      (bit / 8 + 1 < CODE_BYTES ? rnd[bit / 8 + 1] : 0)) >>
                     (11 - bit % 8);
        norm[i] = ALPHABET[v & 31];
    }
    norm[CODE_CHARS] = '\0';
    hb_wipe(rnd, sizeof(rnd));
    snprintf(code, HB_BG_CODE_MAX, "BG-%.5s-%.5s-%.5s-%.5s", norm, norm + 5,
             norm + 10, norm + 15);
    for (size_t i = 0; i < sizeof(idb); i++)
        snprintf(id + 2 * i, 3, "%02x", idb[i]);

    char *setting = crypt_gensalt_ra("$y$", 0, NULL, 0);
    void *data = NULL;
    int size = 0;
    const char *hash =
        setting != NULL ? crypt_ra(norm, setting, &data, &size) : NULL;
    hb_wipe(norm, sizeof(norm));
    free(setting);
    enum hb_status status = HB_OK;
    struct table *t = calloc(1, sizeof(*t));
    if (hash == NULL || hash[0] != '$')
        status = hb_fail(err, HB_ERR_SYSTEM, "crypt(3) has no yescrypt");
    else if (t == NULL)
        status = hb_fail(err, HB_ERR_NOMEM, "out of memory");
    int lock = status == HB_OK ? lock_dir_of(path, err) : -1;
    if (status == HB_OK && lock < 0)
        status = err->status;
    if (status == HB_OK)
        status = load(path, t, err);
    if (status == HB_OK && t->n == MAX_ENTRIES)
        status = hb_fail(err, HB_ERR_CONFIG, "%s is full", path);
    if (status == HB_OK) {
        struct row *r = &t->rows[t->n];
        memset(r, 0, sizeof(*r));
        memcpy(r->e.id, id, HB_BG_ID_LEN + 1);
        snprintf(r->e.user, sizeof(r->e.user), "%s", user);
        r->e.expires = (long long)time(NULL) + ttl;
        r->hash = strdup(hash);
        if (r->hash == NULL)
            status = hb_fail(err, HB_ERR_NOMEM, "out of memory");
        else
            t->n++;
    }
    if (status == HB_OK)
        status = save(path, t, err);
    unlock_dir(lock);
    if (t != NULL)
        table_free(t);
    free(t);
    if (data != NULL)
        hb_wipe(data, (size_t)size);
    free(data);
    if (status != HB_OK)
        hb_wipe(code, HB_BG_CODE_MAX);
    return status;
}

enum hb_status hb_breakglass_use(const char *path, const char *user,
                                 const char *code, char id[HB_BG_ID_LEN + 1],
                                 struct hb_error *err)
{
    char norm[CODE_CHARS + 1];
    id[0] = '\0';
    if (!normalize(code, norm))
        return hb_fail(err, HB_ERR_DENIED, "not a break-glass code");
    struct table *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        hb_wipe(norm, sizeof(norm));
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    }
    int lock = lock_dir_of(path, err);
    enum hb_status status = lock >= 0 ? load(path, t, err) : err->status;
    long long now = (long long)time(NULL);
    struct row *match = NULL;
    /* Every candidate is tried, so the time taken says nothing of which. */
    for (size_t i = 0; status == HB_OK && i < t->n; i++) {
        struct row *r = &t->rows[i];
        if (strcmp(r->e.user, user) == 0 && r->e.used == 0 &&
            r->e.expires > now && hash_matches(norm, r->hash) && match == NULL)
            match = r;
    }
    hb_wipe(norm, sizeof(norm));
    if (status == HB_OK && match == NULL)
        status =
            hb_fail(err, HB_ERR_DENIED,
                    "not an unused, unexpired break-glass code of %s's", user);
    if (status == HB_OK) {
        /* Spent before it lets anyone in: a crash after this costs the
         * code, never lets it work twice. */
        match->e.used = now;
        status = save(path, t, err);
        if (status == HB_OK)
            memcpy(id, match->e.id, HB_BG_ID_LEN + 1);
    }
    unlock_dir(lock);
    table_free(t);
    free(t);
    return status;
}

enum hb_status hb_breakglass_revoke(const char *path, const char *id,
                                    struct hb_error *err)
{
    struct table *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    int lock = lock_dir_of(path, err);
    enum hb_status status = lock >= 0 ? load(path, t, err) : err->status;
    size_t kept = 0;
    bool found = false;
    for (size_t i = 0; status == HB_OK && i < t->n; i++) {
        if (strcmp(t->rows[i].e.id, id) == 0) {
            free(t->rows[i].hash);
            found = true;
        } else {
            t->rows[kept++] = t->rows[i];
        }
    }
    if (status == HB_OK)
        t->n = kept;
    if (status == HB_OK && !found)
        status = hb_fail(err, HB_ERR_DENIED, "no break-glass code %s in %s", id,
                         path);
    else if (status == HB_OK)
        status = save(path, t, err);
    unlock_dir(lock);
    table_free(t);
    free(t);
    return status;
}

enum hb_status hb_breakglass_list(const char *path,
                                  void (*each)(void *arg,
                                               const struct hb_bg_entry *e),
                                  void *arg, struct hb_error *err)
{
    struct table *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    enum hb_status status = load(path, t, err);
    for (size_t i = 0; status == HB_OK && i < t->n; i++)
        each(arg, &t->rows[i].e);
    table_free(t);
    free(t);
    return status;
}
