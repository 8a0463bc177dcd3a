/* SPDX-License-Identifier: BSD-2-Clause */
/* The relay's memory store (tools/relay/store.c) on a clock the tests turn:
 * a code goes to one poll only, sessions end at their exact millisecond,
 * the cap and the rate limits hold, and nothing the store frees still holds
 * a code or a session's keys. */
#include "autoconf.h"

#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "relay.h"

#define TTL_S 300
#define TTL_MS (TTL_S * 1000LL)

/* Anything but 0, which would hide a store that never reads the clock. */
static long long now = 5000000;

static long long test_clock(void)
{
    return now;
}

/* Linked with -Wl,--wrap=free: every block the store (or this file) frees
 * is searched for the secrets being watched before it goes back. */
void __real_free(void *p);
void __wrap_free(void *p);
static const char *watched[4];
static int dirty_frees;

void __wrap_free(void *p)
{
    if (p != NULL) {
        size_t n = malloc_usable_size(p);
        for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); i++) {
            if (watched[i] != NULL &&
                memmem(p, n, watched[i], strlen(watched[i])) != NULL)
                dirty_frees++;
        }
    }
    __real_free(p);
}

static void watch(const char *a, const char *b, const char *c)
{
    watched[0] = a;
    watched[1] = b;
    watched[2] = c;
    dirty_frees = 0;
}

static void unwatch(void)
{
    memset(watched, 0, sizeof(watched));
}

static struct {
    int calls;
    char state[RELAY_STATE_LEN + 1];
    uint64_t gen;
} notice;

static void note(void *cls, const char *state, uint64_t gen)
{
    (void)cls;
    notice.calls++;
    snprintf(notice.state, sizeof(notice.state), "%s", state);
    notice.gen = gen;
}

static struct relay_store *store_with(long max_sessions, double rate,
                                      double burst)
{
    struct relay_limits limits = {
        .max_sessions = max_sessions,
        .session_ttl = TTL_S,
        .rate = rate,
        .burst = burst,
        .module_rate = rate,
        .module_burst = burst,
        .unsigned_rate = rate,
        .unsigned_burst = burst,
        .clock_ms = test_clock,
    };
    struct relay_store *st = relay_store_memory(&limits, note, NULL);

    assert_non_null(st);
    memset(&notice, 0, sizeof(notice));
    return st;
}

static struct relay_store *new_store(void)
{
    return store_with(100, 10, 20);
}

/* A distinct 43-character base64url value for each letter. */
static void value_of(char c, char out[RELAY_STATE_LEN + 1])
{
    memset(out, c, RELAY_STATE_LEN);
    out[RELAY_STATE_LEN] = '\0';
}

static const char tag_key[] = "TagKeyTagKeyTagKeyTagKeyTagKeyTagKeyTagKeyT";
/* RFC 7636 appendix B's challenge. */
static const char challenge[] = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

static const struct relay_login alice = {
    "web01", "alice", "203.0.113.7", "sudo", "systemctl restart x", 0};
static const struct relay_login plain = {"web01", "alice", "", "", "", 0};
static const struct relay_login mallory = {"web02", "mallory", "", "", "", 0};

static void add(struct relay_store *st, const char *state,
                char id[RELAY_ID_LEN + 1])
{
    assert_int_equal(relay_store_add(st, state, challenge, tag_key, &alice, id),
                     RELAY_OK);
    assert_true(relay_is_id(id));
}

/* The browser that passed the context page: cls is its cookie. */
static const char *cookie_is(void *cls, const char *id)
{
    (void)id;
    return cls;
}

/* The session's own cookie, as the context page's Continue set it. */
static void cookie_of(struct relay_store *st, const char *id,
                      char cookie[RELAY_TOKEN_LEN + 1])
{
    struct relay_view v;

    assert_int_equal(relay_store_view(st, id, &v), RELAY_OK);
    memcpy(cookie, v.cookie, RELAY_TOKEN_LEN + 1);
    relay_view_clear(&v);
}

static enum relay_result answer(struct relay_store *st, const char *state,
                                const char *id, const char *code)
{
    char cookie[RELAY_TOKEN_LEN + 1];

    cookie_of(st, id, cookie);
    return relay_store_answer(st, state, code, cookie_is, cookie, NULL);
}

static enum relay_result poll_once(struct relay_store *st, const char *state,
                                   char **code, long long *left_ms)
{
    uint64_t gen = 0;

    return relay_store_poll_start(st, state, &gen, code, left_ms);
}

static void free_code(char *code)
{
    if (code != NULL)
        hb_wipe(code, strlen(code));
    free(code);
}

static size_t sessions(struct relay_store *st)
{
    size_t n = 99;
    char why[64];

    assert_int_equal(relay_store_health(st, &n, why, sizeof(why)), RELAY_OK);
    return n;
}

static void added_session_shows_its_context_and_whole_ttl(void **unused)
{
    struct relay_store *st = new_store();
    char state[RELAY_STATE_LEN + 1], id[RELAY_ID_LEN + 1];
    struct relay_view v;

    (void)unused;
    value_of('A', state);
    add(st, state, id);
    assert_int_equal(relay_store_view(st, id, &v), RELAY_OK);
    assert_string_equal(v.state, state);
    assert_string_equal(v.tag_key, tag_key);
    assert_string_equal(v.code_challenge, challenge);
    assert_string_equal(v.host, "web01");
    assert_string_equal(v.user, "alice");
    assert_string_equal(v.rhost, "203.0.113.7");
    assert_string_equal(v.service, "sudo");
    assert_string_equal(v.command, "systemctl restart x");
    assert_int_equal(v.seconds_left, TTL_S);
    assert_int_equal(strlen(v.csrf), RELAY_TOKEN_LEN);
    assert_int_equal(strlen(v.cookie), RELAY_TOKEN_LEN);
    /* Two random values: the form's field must not open the callback. */
    assert_string_not_equal(v.csrf, v.cookie);
    relay_view_clear(&v);
    assert_int_equal(sessions(st), 1);
    relay_store_free(st);
}

static void unknown_or_malformed_id_has_no_view(void **unused)
{
    struct relay_store *st = new_store();
    char state[RELAY_STATE_LEN + 1], id[RELAY_ID_LEN + 1];
    struct relay_view v;

    (void)unused;
    value_of('A', state);
    add(st, state, id);
    /* 0 is not in the alphabet; the wrong lengths are never looked up. */
    assert_int_equal(relay_store_view(st, "00000000", &v), RELAY_UNKNOWN);
    assert_int_equal(relay_store_view(st, "", &v), RELAY_UNKNOWN);
    id[RELAY_ID_LEN - 1] = '\0';
    assert_int_equal(relay_store_view(st, id, &v), RELAY_UNKNOWN);
    relay_store_free(st);
}

static void second_registration_of_a_state_is_a_duplicate(void **unused)
{
    struct relay_store *st = new_store();
    char state[RELAY_STATE_LEN + 1], id[RELAY_ID_LEN + 1];
    char id2[RELAY_ID_LEN + 1] = "";

    (void)unused;
    value_of('A', state);
    add(st, state, id);
    assert_int_equal(relay_store_add(st, state, "", tag_key, &mallory, id2),
                     RELAY_DUPLICATE);
    assert_string_equal(id2, "");
    assert_int_equal(sessions(st), 1);
    relay_store_free(st);
}

static void code_is_handed_to_exactly_one_poll(void **unused)
{
    struct relay_store *st = new_store();
    char state[RELAY_STATE_LEN + 1], id[RELAY_ID_LEN + 1];
    struct relay_view v;
    char *code = NULL;
    uint64_t gen = 0;

    (void)unused;
    value_of('A', state);
    add(st, state, id);
    assert_int_equal(answer(st, state, id, "the-code.1~x"), RELAY_OK);
    /* The waiting polls are told (gen 0: an answer). */
    assert_int_equal(notice.calls, 1);
    assert_string_equal(notice.state, state);
    assert_int_equal(notice.gen, 0);
    /* An answered login has nothing left to approve. */
    assert_int_equal(relay_store_view(st, id, &v), RELAY_UNKNOWN);

    assert_int_equal(relay_store_poll_start(st, state, &gen, &code, NULL),
                     RELAY_CODE);
    assert_int_equal(gen, 1);
    assert_string_equal(code, "the-code.1~x");
    free_code(code);
    code = NULL;
    assert_int_equal(sessions(st), 0);
    /* Asked again, by a retry or a replay: nothing is there. */
    assert_int_equal(poll_once(st, state, &code, NULL), RELAY_UNKNOWN);
    assert_null(code);
    assert_int_equal(relay_store_take(st, state, gen, &code), RELAY_UNKNOWN);
    assert_null(code);
    relay_store_free(st);
}

static void first_answer_wins(void **unused)
{
    struct relay_store *st = new_store();
    char state[RELAY_STATE_LEN + 1], id[RELAY_ID_LEN + 1];
    char cookie[RELAY_TOKEN_LEN + 1];
    char *code = NULL;

    (void)unused;
    value_of('A', state);
    add(st, state, id);
    cookie_of(st, id, cookie);
    assert_int_equal(
        relay_store_answer(st, state, "first", cookie_is, cookie, NULL),
        RELAY_OK);
    assert_int_equal(
        relay_store_answer(st, state, "second", cookie_is, cookie, NULL),
        RELAY_ANSWERED);
    assert_int_equal(
        relay_store_answer(st, state, NULL, cookie_is, cookie, NULL),
        RELAY_ANSWERED);
    assert_int_equal(notice.calls, 1);
    assert_int_equal(poll_once(st, state, &code, NULL), RELAY_CODE);
    assert_string_equal(code, "first");
    free_code(code);
    relay_store_free(st);
}

static void answer_without_the_session_cookie_stores_nothing(void **unused)
{
    struct relay_store *st = new_store();
    char state[RELAY_STATE_LEN + 1], id[RELAY_ID_LEN + 1];
    char cookie[RELAY_TOKEN_LEN + 1], other[RELAY_TOKEN_LEN + 1];
    struct relay_view ctx;
    char *code = NULL;
    long long left = -1;

    (void)unused;
    value_of('A', state);
    add(st, state, id);
    cookie_of(st, id, cookie);
    memcpy(other, cookie, sizeof(other));
    other[0] = other[0] == 'A' ? 'B' : 'A';
    assert_int_equal(relay_store_answer(st, state, "c", cookie_is, NULL, NULL),
                     RELAY_NO_COOKIE);
    assert_int_equal(relay_store_answer(st, state, "c", cookie_is, other, NULL),
                     RELAY_NO_COOKIE);
    /* A prefix of the right cookie is not the cookie. */
    cookie[RELAY_TOKEN_LEN - 1] = '\0';
    assert_int_equal(
        relay_store_answer(st, state, "c", cookie_is, cookie, NULL),
        RELAY_NO_COOKIE);
    assert_int_equal(
        relay_store_answer(st, state, NULL, cookie_is, other, NULL),
        RELAY_NO_COOKIE);
    assert_int_equal(notice.calls, 0);
    assert_int_equal(poll_once(st, state, &code, &left), RELAY_PENDING);
    assert_null(code);
    assert_int_equal(left, TTL_MS);

    /* The right browser then answers, and gets the context back. */
    cookie_of(st, id, cookie);
    assert_int_equal(
        relay_store_answer(st, state, "c", cookie_is, cookie, &ctx), RELAY_OK);
    assert_string_equal(ctx.user, "alice");
    assert_string_equal(ctx.host, "web01");
    assert_string_equal(ctx.tag_key, tag_key);
    relay_view_clear(&ctx);
    relay_store_free(st);
}

static void denial_is_told_to_one_poll_and_ends_the_session(void **unused)
{
    struct relay_store *st = new_store();
    char state[RELAY_STATE_LEN + 1], id[RELAY_ID_LEN + 1];
    struct relay_view v;
    char *code = NULL;

    (void)unused;
    value_of('A', state);
    add(st, state, id);
    assert_int_equal(answer(st, state, id, NULL), RELAY_OK);
    assert_int_equal(notice.calls, 1);
    assert_int_equal(notice.gen, 0);
    assert_int_equal(relay_store_view(st, id, &v), RELAY_UNKNOWN);
    assert_int_equal(poll_once(st, state, &code, NULL), RELAY_DENIED);
    assert_null(code);
    assert_int_equal(sessions(st), 0);
    assert_int_equal(poll_once(st, state, &code, NULL), RELAY_UNKNOWN);
    relay_store_free(st);
}

static void newer_poll_takes_over_from_an_older_one(void **unused)
{
    struct relay_store *st = new_store();
    char state[RELAY_STATE_LEN + 1], id[RELAY_ID_LEN + 1];
    char *code = NULL;
    uint64_t first = 0, second = 0;
    long long left = -1;

    (void)unused;
    value_of('A', state);
    add(st, state, id);
    assert_int_equal(relay_store_poll_start(st, state, &first, &code, &left),
                     RELAY_PENDING);
    assert_int_equal(first, 1);
    assert_int_equal(notice.calls, 0);
    now += 1500;
    assert_int_equal(relay_store_poll_start(st, state, &second, &code, &left),
                     RELAY_PENDING);
    assert_int_equal(second, 2);
    assert_int_equal(left, TTL_MS - 1500);
    /* The older waiter is told to step aside. */
    assert_int_equal(notice.calls, 1);
    assert_int_equal(notice.gen, 2);
    assert_int_equal(relay_store_take(st, state, first, &code),
                     RELAY_SUPERSEDED);
    assert_int_equal(relay_store_take(st, state, second, &code), RELAY_PENDING);
    assert_int_equal(answer(st, state, id, "late"), RELAY_OK);
    /* Only the live poll may take it. */
    assert_int_equal(relay_store_take(st, state, first, &code),
                     RELAY_SUPERSEDED);
    assert_null(code);
    assert_int_equal(relay_store_take(st, state, second, &code), RELAY_CODE);
    assert_string_equal(code, "late");
    free_code(code);
    relay_store_free(st);
}

static void session_lives_until_the_last_millisecond_of_its_ttl(void **unused)
{
    struct relay_store *st = new_store();
    char pending[RELAY_STATE_LEN + 1], answered[RELAY_STATE_LEN + 1];
    char id[RELAY_ID_LEN + 1], id2[RELAY_ID_LEN + 1];
    char cookie[RELAY_TOKEN_LEN + 1];
    long long born = now;
    struct relay_view v;
    char *code = NULL;
    long long left = -1;

    (void)unused;
    value_of('P', pending);
    value_of('Q', answered);
    add(st, pending, id);
    add(st, answered, id2);
    assert_int_equal(answer(st, answered, id2, "unfetched"), RELAY_OK);
    cookie_of(st, id, cookie);

    now = born + TTL_MS - 1;
    assert_int_equal(relay_store_view(st, id, &v), RELAY_OK);
    /* Rounded up: the page never says 0 s while the link still works. */
    assert_int_equal(v.seconds_left, 1);
    relay_view_clear(&v);
    assert_int_equal(poll_once(st, pending, &code, &left), RELAY_PENDING);
    assert_int_equal(left, 1);
    assert_int_equal(sessions(st), 2);

    now = born + TTL_MS;
    assert_int_equal(relay_store_view(st, id, &v), RELAY_UNKNOWN);
    assert_int_equal(poll_once(st, pending, &code, &left), RELAY_UNKNOWN);
    assert_int_equal(
        relay_store_answer(st, pending, "late", cookie_is, cookie, NULL),
        RELAY_UNKNOWN);
    /* A code that came but was never fetched goes with its session. */
    assert_int_equal(poll_once(st, answered, &code, NULL), RELAY_UNKNOWN);
    assert_null(code);
    assert_int_equal(sessions(st), 0);
    /* The state may be registered afresh, as a new login. */
    add(st, pending, id);
    relay_store_free(st);
}

static void cap_refuses_until_a_session_expires(void **unused)
{
    struct relay_store *st = store_with(2, 10, 20);
    char a[RELAY_STATE_LEN + 1], b[RELAY_STATE_LEN + 1];
    char c[RELAY_STATE_LEN + 1], id[RELAY_ID_LEN + 1];
    long long born = now;

    (void)unused;
    value_of('A', a);
    value_of('B', b);
    value_of('C', c);
    add(st, a, id);
    now += 1;
    add(st, b, id);
    assert_int_equal(relay_store_add(st, c, "", tag_key, &plain, id),
                     RELAY_FULL);
    now = born + TTL_MS - 1;
    assert_int_equal(relay_store_add(st, c, "", tag_key, &plain, id),
                     RELAY_FULL);
    /* The oldest has just expired: adding makes room without a purge. */
    now = born + TTL_MS;
    add(st, c, id);
    assert_int_equal(sessions(st), 2);
    relay_store_free(st);
}

/* The table of sessions starts small and doubles as they come: every
 * session is still found by its id and by its state after each growth,
 * and an expired one is still dropped. */
static void sessions_past_the_first_table_are_all_found(void **unused)
{
    enum { N = 5000 };
    struct relay_store *st = store_with(100000, 10, 20);
    static char ids[N][RELAY_ID_LEN + 1];
    char state[RELAY_STATE_LEN + 1];
    struct relay_view v;
    char *code = NULL;

    (void)unused;
    for (int i = 0; i < N; i++) {
        snprintf(state, sizeof(state), "%043d", i);
        add(st, state, ids[i]);
    }
    assert_int_equal(sessions(st), N);
    for (int i = 0; i < N; i++) {
        snprintf(state, sizeof(state), "%043d", i);
        assert_int_equal(relay_store_view(st, ids[i], &v), RELAY_OK);
        assert_memory_equal(v.state, state, RELAY_STATE_LEN);
        relay_view_clear(&v);
        assert_int_equal(poll_once(st, state, &code, NULL), RELAY_PENDING);
    }
    now += TTL_MS;
    relay_store_purge(st);
    assert_int_equal(sessions(st), 0);
    assert_int_equal(relay_store_view(st, ids[N - 1], &v), RELAY_UNKNOWN);
    relay_store_free(st);
}

static void purge_drops_the_oldest_first_and_only_the_expired(void **unused)
{
    struct relay_store *st = new_store();
    char state[4][RELAY_STATE_LEN + 1], id[4][RELAY_ID_LEN + 1];
    long long born = now;
    struct relay_view v;
    char *code = NULL;

    (void)unused;
    for (int i = 0; i < 4; i++) {
        value_of((char)('A' + i), state[i]);
        add(st, state[i], id[i]);
        now += 1000;
    }
    /* A taken session leaves the middle of the age list. */
    assert_int_equal(answer(st, state[1], id[1], NULL), RELAY_OK);
    assert_int_equal(poll_once(st, state[1], &code, NULL), RELAY_DENIED);

    now = born + TTL_MS + 2000;
    relay_store_purge(st);
    assert_int_equal(sessions(st), 1);
    for (int i = 0; i < 3; i++)
        assert_int_equal(relay_store_view(st, id[i], &v), RELAY_UNKNOWN);
    assert_int_equal(relay_store_view(st, id[3], &v), RELAY_OK);
    assert_int_equal(v.seconds_left, 1);
    relay_view_clear(&v);
    now += 999;
    relay_store_purge(st);
    assert_int_equal(sessions(st), 1);
    now += 1;
    relay_store_purge(st);
    assert_int_equal(sessions(st), 0);
    relay_store_free(st);
}

static void no_freed_memory_holds_a_code_or_a_session_key(void **unused)
{
    struct relay_store *st = new_store();
    char state[RELAY_STATE_LEN + 1], id[RELAY_ID_LEN + 1];
    char cookie[RELAY_TOKEN_LEN + 1];
    char *code = NULL;

    (void)unused;
    /* Taken: the poll gets the only copy, and the session goes. */
    value_of('A', state);
    add(st, state, id);
    cookie_of(st, id, cookie);
    watch("code-taken-once", tag_key, cookie);
    assert_int_equal(answer(st, state, id, "code-taken-once"), RELAY_OK);
    assert_int_equal(relay_store_answer(st, state, "code-taken-once", cookie_is,
                                        cookie, NULL),
                     RELAY_ANSWERED);
    assert_int_equal(poll_once(st, state, &code, NULL), RELAY_CODE);
    assert_int_equal(dirty_frees, 0);
    free_code(code);
    code = NULL;
    assert_int_equal(dirty_frees, 0);

    /* Expired before anyone polled. */
    value_of('B', state);
    add(st, state, id);
    cookie_of(st, id, cookie);
    watch("code-never-fetched", tag_key, cookie);
    assert_int_equal(answer(st, state, id, "code-never-fetched"), RELAY_OK);
    now += TTL_MS;
    relay_store_purge(st);
    assert_int_equal(sessions(st), 0);
    assert_int_equal(dirty_frees, 0);

    /* Still waiting when the relay stops. */
    value_of('C', state);
    add(st, state, id);
    cookie_of(st, id, cookie);
    watch("code-at-shutdown", tag_key, cookie);
    assert_int_equal(answer(st, state, id, "code-at-shutdown"), RELAY_OK);
    relay_store_free(st);
    assert_int_equal(dirty_frees, 0);
    unwatch();
}

static void rate_limit_refills_with_the_clock(void **unused)
{
    struct relay_store *st = store_with(100, 1, 2);
    long retry = 0;

    (void)unused;
    assert_true(
        relay_store_rate_allow(st, RELAY_BUDGET_PHONE, "c0000201", &retry));
    assert_true(
        relay_store_rate_allow(st, RELAY_BUDGET_PHONE, "c0000201", &retry));
    assert_false(
        relay_store_rate_allow(st, RELAY_BUDGET_PHONE, "c0000201", &retry));
    /* Another address has a bucket of its own. */
    assert_true(
        relay_store_rate_allow(st, RELAY_BUDGET_PHONE, "c0000202", &retry));
    /* An empty bucket at 1/s: one second brings a token, not two. */
    assert_false(
        relay_store_rate_allow(st, RELAY_BUDGET_PHONE, "c0000201", &retry));
    assert_int_equal(retry, 1);
    /* Half a token back: Retry-After is the rest, in whole seconds. */
    now += 500;
    assert_false(
        relay_store_rate_allow(st, RELAY_BUDGET_PHONE, "c0000201", &retry));
    assert_int_equal(retry, 1);
    now += 500;
    assert_true(
        relay_store_rate_allow(st, RELAY_BUDGET_PHONE, "c0000201", &retry));
    assert_false(
        relay_store_rate_allow(st, RELAY_BUDGET_PHONE, "c0000201", &retry));
    /* A long quiet spell refills no more than the burst. */
    now += 3600 * 1000LL;
    assert_true(
        relay_store_rate_allow(st, RELAY_BUDGET_PHONE, "c0000201", &retry));
    assert_true(
        relay_store_rate_allow(st, RELAY_BUDGET_PHONE, "c0000201", &retry));
    assert_false(
        relay_store_rate_allow(st, RELAY_BUDGET_PHONE, "c0000201", &retry));
    relay_store_free(st);
}

/* Spends who's bucket of budget until refused: the requests let through. */
static int spend(struct relay_store *st, enum relay_budget budget,
                 const char *who)
{
    long retry = 0;
    int n = 0;

    while (n < 1000 && relay_store_rate_allow(st, budget, who, &retry))
        n++;
    return n;
}

static void each_budget_of_one_name_is_counted_apart(void **unused)
{
    struct relay_store *st = store_with(100, 1, 3);

    (void)unused;
    /* Unsigned requests from the module's address spend their own
     * bucket: the module's, and the phones' there, are still whole. */
    assert_int_equal(spend(st, RELAY_BUDGET_UNSIGNED, "7f000001"), 3);
    assert_int_equal(spend(st, RELAY_BUDGET_MODULE, "7f000001"), 3);
    assert_int_equal(spend(st, RELAY_BUDGET_PHONE, "7f000001"), 3);
    assert_int_equal(spend(st, RELAY_BUDGET_UNSIGNED, "7f000001"), 0);
    relay_store_free(st);
}

static void signed_module_budgets_are_per_name_not_per_address(void **unused)
{
    struct relay_store *st = store_with(100, 1, 5);
    /* Two hosts' names (relay_signed.who), as a module's signature
     * gives them wherever its requests come from. */
    const char *host_a = "Hb0D3sdXz5vR8mWq2kLp1A";
    const char *host_b = "QwErTyUiOpAsDfGhJkLzXc";
    long retry = 0;

    (void)unused;
    assert_int_equal(spend(st, RELAY_BUDGET_MODULE, host_a), 5);
    assert_false(
        relay_store_rate_allow(st, RELAY_BUDGET_MODULE, host_a, &retry));
    assert_int_equal(retry, 1);
    assert_int_equal(spend(st, RELAY_BUDGET_MODULE, host_b), 5);
    /* A flood of unsigned requests spends nothing of either. */
    assert_int_equal(spend(st, RELAY_BUDGET_UNSIGNED, "7f000001"), 5);
    now += 1000;
    assert_int_equal(spend(st, RELAY_BUDGET_MODULE, host_a), 1);
    assert_int_equal(spend(st, RELAY_BUDGET_MODULE, host_b), 1);
    relay_store_free(st);
}

static void client_names_are_ipv4_whole_and_ipv6_by_its_64(void **unused)
{
    /* In storage of a socket address's full size, as the relay keeps
     * them (relay_net_client): the compiler sees both reads fit. */
    struct sockaddr_storage a4_storage = {.ss_family = AF_INET};
    struct sockaddr_in *a4 = (struct sockaddr_in *)(void *)&a4_storage;
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
    struct sockaddr_in6 mapped = {.sin6_family = AF_INET6};
    char who[RELAY_WHO_MAX + 1];

    (void)unused;
    a4->sin_addr.s_addr = htonl(0xc0000201); /* 192.0.2.1 */
    assert_string_equal(
        relay_client_who((const struct sockaddr *)(const void *)a4, who),
        "c0000201");
    assert_int_equal(inet_pton(AF_INET6, "2001:db8:1:2:3:4:5:6", &a6.sin6_addr),
                     1);
    assert_string_equal(
        relay_client_who((const struct sockaddr *)(const void *)&a6, who),
        "20010db800010002");
    assert_int_equal(inet_pton(AF_INET6, "::ffff:192.0.2.1", &mapped.sin6_addr),
                     1);
    assert_string_equal(
        relay_client_who((const struct sockaddr *)(const void *)&mapped, who),
        "c0000201");
    assert_string_equal(relay_client_who(NULL, who), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(added_session_shows_its_context_and_whole_ttl),
        cmocka_unit_test(unknown_or_malformed_id_has_no_view),
        cmocka_unit_test(second_registration_of_a_state_is_a_duplicate),
        cmocka_unit_test(code_is_handed_to_exactly_one_poll),
        cmocka_unit_test(first_answer_wins),
        cmocka_unit_test(answer_without_the_session_cookie_stores_nothing),
        cmocka_unit_test(denial_is_told_to_one_poll_and_ends_the_session),
        cmocka_unit_test(newer_poll_takes_over_from_an_older_one),
        cmocka_unit_test(session_lives_until_the_last_millisecond_of_its_ttl),
        cmocka_unit_test(cap_refuses_until_a_session_expires),
        cmocka_unit_test(sessions_past_the_first_table_are_all_found),
        cmocka_unit_test(purge_drops_the_oldest_first_and_only_the_expired),
        cmocka_unit_test(no_freed_memory_holds_a_code_or_a_session_key),
        cmocka_unit_test(rate_limit_refills_with_the_clock),
        cmocka_unit_test(each_budget_of_one_name_is_counted_apart),
        cmocka_unit_test(signed_module_budgets_are_per_name_not_per_address),
        cmocka_unit_test(client_names_are_ipv4_whole_and_ipv6_by_its_64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
