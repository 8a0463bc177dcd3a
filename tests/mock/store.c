/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-mock's state: users, issued codes and tokens (and their test-only
 * log), counters and faults. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include "mock.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* Bounds memory whatever a test (or a stuck client) throws at the mock. */
#define STORE_MAX 10000
#define USERS_MAX 10000
#define FIELD_SEP " \t\r\n\v\f"

struct entry {
    int live;
    char key[MOCK_SECRET_LEN];
    char *client_id;
    const struct mock_user *user;
    char challenge[MOCK_CHALLENGE_LEN + 1]; /* codes: PKCE S256, "" none */
    time_t expires;
};

struct table {
    struct entry slot[STORE_MAX];
    size_t used;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct mock_user *users;
static size_t n_users;
static long code_ttl_s;
static long token_ttl_s;
static struct table codes;
static struct table tokens;
static unsigned long counters[MOCK_COUNT_MAX];
static unsigned long connection_serial;
static unsigned long seen[MOCK_SEEN_MAX];
static unsigned idle_seconds = MOCK_IDLE_DEFAULT;
static struct mock_fault fault;
static unsigned fault_targets;
static long fault_left;
static int layout_nested;
static int secrets_fd = -1;

static void user_free(struct mock_user *u)
{
    free(u->uuid);
    free(u->username);
    free(u->address);
}

static int user_add(const char *uuid, const char *name, const char *address,
                    enum mock_user_status status)
{
    struct mock_user *grown;
    struct mock_user *u;

    if (n_users >= USERS_MAX)
        return -1;
    grown = realloc(users, (n_users + 1) * sizeof(*users));
    if (grown == NULL)
        return -1;
    users = grown;
    u = &users[n_users];
    u->uuid = strdup(uuid);
    u->username = strdup(name);
    u->address = strdup(address);
    u->status = status;
    if (u->uuid == NULL || u->username == NULL || u->address == NULL) {
        user_free(u);
        return -1;
    }
    n_users++;
    return 0;
}

static int parse_status(const char *word, enum mock_user_status *status)
{
    if (word == NULL || word[0] == '#' || strcmp(word, "active") == 0)
        *status = MOCK_USER_ACTIVE;
    else if (strcmp(word, "deleted") == 0)
        *status = MOCK_USER_DELETED;
    else if (strcmp(word, "unauthorized") == 0)
        *status = MOCK_USER_UNAUTHORIZED;
    else
        return -1;
    return 0;
}

/* One line of the users file; a '#' word after the fields starts a comment,
 * so usernames may still contain '#' inside. */
static int parse_user_line(char *line, const char *path, unsigned long lineno)
{
    char *save = NULL;
    char *uuid = strtok_r(line, FIELD_SEP, &save);
    char *name;
    char *address;
    char *word;
    char *extra;
    enum mock_user_status status;

    if (uuid == NULL || uuid[0] == '#')
        return 0;
    name = strtok_r(NULL, FIELD_SEP, &save);
    address = strtok_r(NULL, FIELD_SEP, &save);
    word = strtok_r(NULL, FIELD_SEP, &save);
    extra = word != NULL && word[0] != '#' ? strtok_r(NULL, FIELD_SEP, &save)
                                           : NULL;
    if (name == NULL || address == NULL) {
        fprintf(stderr, "haobtc-mock: %s:%lu: want UUID USERNAME ADDRESS\n",
                path, lineno);
        return -1;
    }
    if (parse_status(word, &status) != 0) {
        fprintf(stderr,
                "haobtc-mock: %s:%lu: status must be active, deleted or "
                "unauthorized\n",
                path, lineno);
        return -1;
    }
    if (extra != NULL && extra[0] != '#') {
        fprintf(stderr, "haobtc-mock: %s:%lu: too many fields\n", path, lineno);
        return -1;
    }
    if (mock_user_find(name) != NULL) {
        fprintf(stderr, "haobtc-mock: %s:%lu: duplicate username\n", path,
                lineno);
        return -1;
    }
    if (user_add(uuid, name, address, status) != 0) {
        fprintf(stderr, "haobtc-mock: %s:%lu: too many users or no memory\n",
                path, lineno);
        return -1;
    }
    return 0;
}

static int load_users(const char *path)
{
    FILE *f = fopen(path, "re");
    char *line = NULL;
    size_t cap = 0;
    unsigned long lineno = 0;
    int rc = 0;

    if (f == NULL) {
        fprintf(stderr, "haobtc-mock: cannot open users file %s: %s\n", path,
                strerror(errno));
        return -1;
    }
    while (rc == 0 && getline(&line, &cap, f) >= 0) {
        lineno++;
        rc = parse_user_line(line, path, lineno);
    }
    if (rc == 0 && ferror(f)) {
        fprintf(stderr, "haobtc-mock: error reading %s\n", path);
        rc = -1;
    }
    free(line);
    fclose(f);
    return rc;
}

int mock_store_init(const char *users_file, long code_ttl, long token_ttl)
{
    code_ttl_s = code_ttl;
    token_ttl_s = token_ttl;
    if (users_file != NULL)
        return load_users(users_file);
    if (user_add("5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60", "alice",
                 "alice@haobtc.test", MOCK_USER_ACTIVE) != 0 ||
        user_add("0a1b2c3d4e5f60718293a4b5c6d7e8f9", "bob", "bob@haobtc.test",
                 MOCK_USER_ACTIVE) != 0)
        return -1;
    return 0;
}

static void entry_clear(struct table *t, struct entry *e)
{
    hb_wipe(e->key, sizeof(e->key));
    free(e->client_id);
    e->client_id = NULL;
    e->user = NULL;
    e->challenge[0] = '\0';
    e->live = 0;
    t->used--;
}

static void table_clear(struct table *t)
{
    for (size_t i = 0; i < STORE_MAX; i++) {
        if (t->slot[i].live)
            entry_clear(t, &t->slot[i]);
    }
}

void mock_store_free(void)
{
    pthread_mutex_lock(&lock);
    table_clear(&codes);
    table_clear(&tokens);
    if (secrets_fd >= 0)
        close(secrets_fd);
    secrets_fd = -1;
    pthread_mutex_unlock(&lock);
    for (size_t i = 0; i < n_users; i++)
        user_free(&users[i]);
    free(users);
    users = NULL;
    n_users = 0;
}

size_t mock_user_count(void)
{
    return n_users;
}

const struct mock_user *mock_user_at(size_t i)
{
    return i < n_users ? &users[i] : NULL;
}

const struct mock_user *mock_user_find(const char *username)
{
    for (size_t i = 0; i < n_users; i++) {
        if (strcmp(users[i].username, username) == 0)
            return &users[i];
    }
    return NULL;
}

static time_t now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

int mock_random_hex(char *out)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[(MOCK_SECRET_LEN - 1) / 2];
    ssize_t got;

    do {
        got = getrandom(raw, sizeof(raw), 0);
    } while (got < 0 && errno == EINTR);
    if (got != (ssize_t)sizeof(raw))
        return -1;
    for (size_t i = 0; i < sizeof(raw); i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 0xf];
    }
    out[MOCK_SECRET_LEN - 1] = '\0';
    hb_wipe(raw, sizeof(raw));
    return 0;
}

int mock_secrets_log_open(const char *path)
{
    int fd;

    if (path == NULL)
        return 0;
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0) {
        fprintf(stderr, "haobtc-mock: cannot open secrets log %s: %s\n", path,
                strerror(errno));
        return -1;
    }
    pthread_mutex_lock(&lock);
    if (secrets_fd >= 0)
        close(secrets_fd);
    secrets_fd = fd;
    pthread_mutex_unlock(&lock);
    return 0;
}

/* Caller holds the lock. One write(2) per line, unbuffered, so the line is
 * in the file before the secret leaves the mock and lines never interleave.
 * A secret that cannot be recorded is not issued: the leak check that reads
 * the file would otherwise pass without looking for it. */
static int secret_log_locked(const char *secret)
{
    char line[MOCK_SECRET_LEN + 1];
    size_t len = strlen(secret);
    ssize_t put;
    int err;

    if (secrets_fd < 0)
        return 0;
    if (len == 0 || len >= MOCK_SECRET_LEN)
        return -1;
    memcpy(line, secret, len);
    line[len] = '\n';
    do {
        put = write(secrets_fd, line, len + 1);
    } while (put < 0 && errno == EINTR);
    err = put < 0 ? errno : EIO;
    hb_wipe(line, sizeof(line));
    if (put != (ssize_t)(len + 1)) {
        fprintf(stderr, "haobtc-mock: cannot append to the secrets log: %s\n",
                strerror(err));
        return -1;
    }
    return 0;
}

int mock_secret_log(const char *secret)
{
    int rc;

    pthread_mutex_lock(&lock);
    rc = secret_log_locked(secret);
    pthread_mutex_unlock(&lock);
    return rc;
}

/* Caller holds the lock. Expired entries are only dropped when space runs
 * out, which keeps issuing cheap in the common case. */
static struct entry *table_free_slot(struct table *t)
{
    time_t now = now_s();

    if (t->used >= STORE_MAX) {
        for (size_t i = 0; i < STORE_MAX; i++) {
            if (t->slot[i].live && t->slot[i].expires <= now)
                entry_clear(t, &t->slot[i]);
        }
    }
    for (size_t i = 0; i < STORE_MAX; i++) {
        if (!t->slot[i].live)
            return &t->slot[i];
    }
    return NULL;
}

static enum mock_status table_add(struct table *t, const char *client_id,
                                  const struct mock_user *user,
                                  const char *challenge, long ttl, char *out)
{
    enum mock_status rc = MOCK_ERROR;
    struct entry *e;
    char *client_copy = NULL;

    if (client_id != NULL) {
        client_copy = strdup(client_id);
        if (client_copy == NULL)
            return MOCK_ERROR;
    }
    if (mock_random_hex(out) != 0) {
        free(client_copy);
        return MOCK_ERROR;
    }
    pthread_mutex_lock(&lock);
    e = table_free_slot(t);
    if (e == NULL) {
        rc = MOCK_FULL;
    } else if (secret_log_locked(out) != 0) {
        rc = MOCK_ERROR;
    } else {
        memcpy(e->key, out, MOCK_SECRET_LEN);
        e->client_id = client_copy;
        client_copy = NULL;
        e->user = user;
        snprintf(e->challenge, sizeof(e->challenge), "%s",
                 challenge != NULL ? challenge : "");
        e->expires = now_s() + ttl;
        e->live = 1;
        t->used++;
        rc = MOCK_OK;
    }
    pthread_mutex_unlock(&lock);
    free(client_copy);
    if (rc != MOCK_OK)
        hb_wipe(out, MOCK_SECRET_LEN);
    return rc;
}

/* Caller holds the lock. Constant time because the project compares every
 * secret that way, and the mock should not be the exception tests copy. */
static struct entry *table_find(struct table *t, const char *key)
{
    if (strlen(key) != MOCK_SECRET_LEN - 1)
        return NULL;
    for (size_t i = 0; i < STORE_MAX; i++) {
        struct entry *e = &t->slot[i];

        if (e->live && hb_ct_equal(e->key, key, MOCK_SECRET_LEN - 1))
            return e;
    }
    return NULL;
}

enum mock_status mock_code_issue(const char *client_id,
                                 const struct mock_user *user,
                                 const char *challenge, char *out)
{
    return table_add(&codes, client_id, user, challenge, code_ttl_s, out);
}

enum mock_status mock_code_take(const char *code, const char *client_id,
                                const struct mock_user **user,
                                char challenge[MOCK_CHALLENGE_LEN + 1])
{
    enum mock_status rc = MOCK_NOT_FOUND;
    struct entry *e;

    pthread_mutex_lock(&lock);
    e = table_find(&codes, code);
    if (e != NULL) {
        if (e->expires > now_s() && strcmp(e->client_id, client_id) == 0) {
            *user = e->user;
            memcpy(challenge, e->challenge, sizeof(e->challenge));
            rc = MOCK_OK;
        }
        entry_clear(&codes, e);
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

enum mock_status mock_token_issue(const struct mock_user *user, char *token)
{
    return table_add(&tokens, NULL, user, NULL, token_ttl_s, token);
}

enum mock_status mock_token_find(const char *token,
                                 const struct mock_user **user)
{
    enum mock_status rc = MOCK_NOT_FOUND;
    struct entry *e;

    pthread_mutex_lock(&lock);
    e = table_find(&tokens, token);
    if (e != NULL && e->expires > now_s()) {
        *user = e->user;
        rc = MOCK_OK;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

void mock_count(enum mock_counter which)
{
    pthread_mutex_lock(&lock);
    counters[which]++;
    pthread_mutex_unlock(&lock);
}

void mock_counts_get(unsigned long out[MOCK_COUNT_MAX])
{
    pthread_mutex_lock(&lock);
    memcpy(out, counters, sizeof(counters));
    pthread_mutex_unlock(&lock);
}

void mock_counts_reset(void)
{
    pthread_mutex_lock(&lock);
    memset(counters, 0, sizeof(counters));
    pthread_mutex_unlock(&lock);
}

unsigned long mock_connection_opened(void)
{
    unsigned long n;

    pthread_mutex_lock(&lock);
    counters[MOCK_COUNT_CONNECTIONS]++;
    n = ++connection_serial;
    pthread_mutex_unlock(&lock);
    return n;
}

unsigned long mock_connection_last(void)
{
    unsigned long n;

    pthread_mutex_lock(&lock);
    n = connection_serial;
    pthread_mutex_unlock(&lock);
    return n;
}

void mock_seen_set(enum mock_seen which, unsigned long connection)
{
    pthread_mutex_lock(&lock);
    seen[which] = connection;
    pthread_mutex_unlock(&lock);
}

unsigned long mock_seen_get(enum mock_seen which)
{
    unsigned long n;

    pthread_mutex_lock(&lock);
    n = seen[which];
    pthread_mutex_unlock(&lock);
    return n;
}

void mock_idle_set(unsigned seconds)
{
    pthread_mutex_lock(&lock);
    idle_seconds = seconds != 0 ? seconds : MOCK_IDLE_DEFAULT;
    pthread_mutex_unlock(&lock);
}

unsigned mock_idle_get(void)
{
    unsigned n;

    pthread_mutex_lock(&lock);
    n = idle_seconds;
    pthread_mutex_unlock(&lock);
    return n;
}

static const char *const fault_names[] = {
    [MOCK_FAULT_NONE] = "none",
    [MOCK_FAULT_DELAY] = "delay",
    [MOCK_FAULT_STALL] = "stall",
    [MOCK_FAULT_RESET] = "reset",
    [MOCK_FAULT_HTML] = "html",
    [MOCK_FAULT_MALFORMED] = "malformed",
    [MOCK_FAULT_HUGE] = "huge",
    [MOCK_FAULT_HUGE_CHUNKED] = "huge_chunked",
    [MOCK_FAULT_DEEP] = "deep",
    [MOCK_FAULT_HTTP500] = "http500",
    [MOCK_FAULT_CODE] = "code",
    [MOCK_FAULT_NO_TOKEN] = "no_token",
    [MOCK_FAULT_EMPTY_TOKEN] = "empty_token",
    [MOCK_FAULT_NUMBER_TOKEN] = "number_token",
    [MOCK_FAULT_NUL_TOKEN] = "nul_token",
    [MOCK_FAULT_OK_FALSE_NO_CODE] = "ok_false_no_code",
    [MOCK_FAULT_NESTED] = "nested",
    [MOCK_FAULT_HTTP429] = "http429",
    [MOCK_FAULT_HTTP502] = "http502",
    [MOCK_FAULT_HTTP503] = "http503",
};

int mock_fault_parse(const char *name, enum mock_fault_mode *mode)
{
    for (size_t i = 0; i < sizeof(fault_names) / sizeof(fault_names[0]); i++) {
        if (strcmp(fault_names[i], name) == 0) {
            *mode = (enum mock_fault_mode)i;
            return 0;
        }
    }
    return -1;
}

void mock_fault_set(const struct mock_fault *f, unsigned targets, long count)
{
    pthread_mutex_lock(&lock);
    fault = *f;
    fault_targets = targets;
    fault_left = count;
    pthread_mutex_unlock(&lock);
}

/* Modes that only make sense for one endpoint leave the other alone, so a
 * counted fault is not used up by the request it cannot affect. */
static unsigned mode_targets(enum mock_fault_mode mode)
{
    switch (mode) {
    case MOCK_FAULT_NO_TOKEN:
    case MOCK_FAULT_EMPTY_TOKEN:
    case MOCK_FAULT_NUMBER_TOKEN:
    case MOCK_FAULT_NUL_TOKEN:
        return MOCK_TARGET_TOKEN;
    case MOCK_FAULT_NESTED:
        return MOCK_TARGET_PROFILE;
    default:
        return MOCK_TARGET_TOKEN | MOCK_TARGET_PROFILE;
    }
}

struct mock_fault mock_fault_take(unsigned target)
{
    struct mock_fault out = {MOCK_FAULT_NONE, 0, 0};

    pthread_mutex_lock(&lock);
    if (fault.mode != MOCK_FAULT_NONE && (fault_targets & target) != 0 &&
        (mode_targets(fault.mode) & target) != 0) {
        out = fault;
        if (fault_left > 0 && --fault_left == 0)
            fault.mode = MOCK_FAULT_NONE;
    }
    pthread_mutex_unlock(&lock);
    return out;
}

void mock_layout_set(int nested)
{
    pthread_mutex_lock(&lock);
    layout_nested = nested;
    pthread_mutex_unlock(&lock);
}

int mock_layout_nested(void)
{
    int nested;

    pthread_mutex_lock(&lock);
    nested = layout_nested;
    pthread_mutex_unlock(&lock);
    return nested;
}
