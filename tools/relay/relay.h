/* SPDX-License-Identifier: BSD-2-Clause */
/* Interface between haobtc-relay's main, its endpoints and pages, and its
 * store. */
#ifndef HB_RELAY_H
#define HB_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "buf.h"
#include "relay_protocol.h"
#include "secure.h"
#include "text.h"

/* Short enough that public-url + "/s/" + id keeps the QR code small. */
#define RELAY_ID_LEN 8
/* base64url(SHA-256(secret)) without padding. */
#define RELAY_STATE_LEN 43
#define RELAY_URL_MAX 2048
/* What a context page shows is printable ASCII within these lengths. */
#define RELAY_HOST_MAX 253
#define RELAY_USER_MAX 128
#define RELAY_SERVICE_MAX HB_RELAY_SERVICE_MAX
#define RELAY_COMMAND_MAX HB_RELAY_COMMAND_MAX
/* A per-session random value (16 bytes, base64url): the Continue form's
 * anti-CSRF field, and the cookie that lets a browser's callback count. */
#define RELAY_TOKEN_LEN 22
/* The key of a session's paste tags: base64url of 32 bytes. */
#define RELAY_TAG_KEY_LEN 43
#define RELAY_TAG_LEN 8
#define RELAY_CODE_MAX 512
#define RELAY_SECRET_MAX 128
/* A live login's page views and Continues that no budget counts: a person
 * reloads, switches the language, presses Continue. Past them each spends
 * its address's phone budget as a failure does, so a link that leaked
 * cannot be used to flood the relay for free. */
#define RELAY_FREE_VIEWS 20

enum relay_result {
    RELAY_OK,
    RELAY_DUPLICATE,  /* a session with this state exists */
    RELAY_FULL,       /* --max-sessions reached */
    RELAY_UNKNOWN,    /* no live session (never was, expired, delivered) */
    RELAY_ANSWERED,   /* the callback already came for this state */
    RELAY_NO_COOKIE,  /* callback: the browser never passed the context page */
    RELAY_CODE,       /* poll: the code is handed out, the session is gone */
    RELAY_DENIED,     /* poll: the person refused, the session is gone */
    RELAY_MISMATCH,   /* poll: a wrong number was picked, the session is gone */
    RELAY_PENDING,    /* poll: no answer yet */
    RELAY_SUPERSEDED, /* poll: a newer poll for this login took over */
    RELAY_STOPPING,   /* the daemon is shutting down */
    RELAY_UNAVAILABLE, /* the shared store cannot be reached */
    RELAY_LIMITED,     /* the client's rate limit is spent */
    RELAY_REPLAYED,    /* a signature seen before, by this relay or another */
    RELAY_FAILED       /* out of memory or no randomness */
};

/* Why a waiting poll was resumed. */
enum relay_wake {
    RELAY_WAKE_NONE,
    RELAY_WAKE_CHECK,      /* an answer may be there: look */
    RELAY_WAKE_SUPERSEDED, /* a newer poll for the login came */
    RELAY_WAKE_DEADLINE,
    RELAY_WAKE_STOPPING
};

/* The store's notice that the login with this state changed: gen 0 when
 * it was answered, else the number of a newer poll. */
typedef void relay_notify_fn(void *cls, const char *state, uint64_t gen);
/* Notices may have been missed (the shared store was away): every
 * waiting poll should look again. */
typedef void relay_notify_all_fn(void *cls);

/* What a rate limit counts, each in buckets of its own, so that nobody
 * can spend a budget that another's requests need. */
enum relay_budget {
    /* Phones' requests that fail (an unknown or expired link, a form or
     * cookie that is not the session's, a callback for no login, ...),
     * per address: a live login's own are never counted (up to
     * RELAY_FREE_VIEWS), so a crowd behind one address (an office's NAT)
     * logs in whatever its number. */
    RELAY_BUDGET_PHONE,
    /* Module routes without a good signature (none, wrong, stale, not a
     * form, too large): per address, and never the module's own. */
    RELAY_BUDGET_UNSIGNED,
    /* Signed module requests: per fleet key and module host, whatever
     * address they come from (relay_signed.who). */
    RELAY_BUDGET_MODULE,
    RELAY_BUDGETS
};

struct relay_limits {
    long max_sessions;
    long session_ttl;   /* seconds */
    double rate;        /* tokens per second per client address */
    double burst;       /* bucket size */
    double module_rate; /* the same per signed module (RELAY_BUDGET_MODULE) */
    double module_burst;
    double unsigned_rate; /* the same for RELAY_BUDGET_UNSIGNED */
    double unsigned_burst;
    /* Milliseconds on a clock that never steps back; NULL is
     * CLOCK_MONOTONIC. The unit tests turn their own to expire sessions at
     * an exact millisecond without waiting. */
    long long (*clock_ms)(void);
};

/* What a registration says the login is, as the context page shows it:
 * validated printable ASCII, "" for a field the module did not send (a
 * module before it, or no command outside sudo). */
struct relay_login {
    const char *host;
    const char *user;
    const char *rhost;
    const char *service;
    const char *command;
    /* The number the terminal shows and the page asks for (number
     * matching), 0 for none. */
    int number;
};

/* A copy of a session's context, owned by the caller (for pages and logs). */
struct relay_view {
    char state[RELAY_STATE_LEN + 1];
    char csrf[RELAY_TOKEN_LEN + 1];
    char cookie[RELAY_TOKEN_LEN + 1];
    char tag_key[RELAY_TAG_KEY_LEN + 1];
    /* The PKCE S256 challenge the provider's link carries; empty when the
     * module registered none (a module before PKCE). */
    char code_challenge[HB_RELAY_CODE_CHALLENGE_LEN + 1];
    char *host;
    char *user;
    char *rhost;
    char *service; /* "" when the module sent none */
    char *command;
    int number; /* 0: no number matching */
    long seconds_left;
    /* The session's page views and Continues, this one included (0 where
     * the store did not count this look: a callback's). */
    unsigned views;
};

struct relay_store;
struct relay_auth;
struct relay_net;

/* net.c: trusted proxies (a comma-separated list, may be NULL), the
 * seconds a request's headers and body may take (counted from the
 * connection or the previous answer, not restarted by each byte), and
 * the connections one address may keep slow to send a request (see
 * net.c; trusted proxies exempt); NULL after a message on stderr. */
struct relay_net *relay_net_new(const char *trusted, long receive_s,
                                long per_client_max);
/* Starts the thread that cuts connections past their deadline, and an
 * address's slow ones past its share. */
bool relay_net_watch(struct relay_net *n);
void relay_net_free(struct relay_net *n);
/* For MHD: connection notices. */
void relay_net_notify(void *cls, struct MHD_Connection *c,
                      void **socket_context,
                      enum MHD_ConnectionNotificationCode toe);
/* A request was received whole and is being answered (no deadline: long
 * polls wait), or its answer is done (the next one has a deadline). */
void relay_net_handling(struct relay_net *n, struct MHD_Connection *c);
void relay_net_answered(struct relay_net *n, struct MHD_Connection *c);
bool relay_net_is_trusted(const struct relay_net *n, const struct sockaddr *sa);
/* Connections open now. */
size_t relay_net_count(struct relay_net *n);
/* The client's address (see net.c) into *out. */
void relay_net_client(const struct relay_net *n, struct MHD_Connection *c,
                      struct sockaddr_storage *out);

/* The longest name of a bucket: a client address in hex (IPv4 whole,
 * IPv6 by its /64, which one host usually holds), or a signed module's
 * name (RELAY_SIGNER_LEN). */
#define RELAY_WHO_MAX 32
/* base64url of 16 bytes. */
#define RELAY_SIGNER_LEN 22

/* The address bytes a rate limit counts (see RELAY_WHO_MAX), pointing
 * into sa; 0 when there is no address (one shared bucket). */
static inline size_t relay_client_bytes(const struct sockaddr *sa,
                                        const unsigned char **bytes)
{
    const struct in6_addr *a6;

    *bytes = NULL;
    if (sa != NULL && sa->sa_family == AF_INET) {
        *bytes = (const unsigned char *)&(
                     (const struct sockaddr_in *)(const void *)sa)
                     ->sin_addr;
        return 4;
    }
    if (sa == NULL || sa->sa_family != AF_INET6)
        return 0;
    a6 = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    *bytes = IN6_IS_ADDR_V4MAPPED(a6) ? a6->s6_addr + 12 : a6->s6_addr;
    return IN6_IS_ADDR_V4MAPPED(a6) ? 4 : 8;
}

/* The name of a client address's buckets: its bytes in hex. */
static inline char *relay_client_who(const struct sockaddr *sa,
                                     char who[RELAY_WHO_MAX + 1])
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *bytes;
    size_t n = relay_client_bytes(sa, &bytes);

    for (size_t i = 0; i < n; i++) {
        who[2 * i] = hex[bytes[i] >> 4];
        who[2 * i + 1] = hex[bytes[i] & 15];
    }
    who[2 * n] = '\0';
    return who;
}

/* auth.c: the fleet key. NULL after a message on stderr. */
struct relay_auth *relay_auth_new(const char *path);
void relay_auth_free(struct relay_auth *a);
/* Whether the request carries the signature headers at all. */
bool relay_auth_present(struct MHD_Connection *c);
/* A module's request whose signature is good, not yet admitted: its
 * client address, the name of its rate limit's bucket, its MAC and until
 * when (Unix seconds) the MAC must be remembered. */
struct relay_signed {
    const struct sockaddr *client;
    /* base64url of the first 16 bytes of HMAC-SHA256(fleet key, the
     * module's host as its signed form names it), so a budget is the
     * fleet key's and the host's, and nobody without the key can name
     * one; a form with no host (a module of the version before) names
     * its client address instead. */
    char who[RELAY_SIGNER_LEN + 1];
    unsigned char mac[32];
    long long expires;
};
/* This process's memory of signatures: remembers mac until expires (Unix
 * seconds); false when it is a replay or, with *full set, when the table
 * is at its largest (refused rather than forgetting). */
bool relay_auth_remember(struct relay_auth *a, const unsigned char mac[32],
                         long long now, long long expires, bool *full);
/* NULL when the request is signed with the fleet key within the window,
 * with *out filled (out->client is the caller's); else the reason. */
const char *relay_auth_verify(const struct relay_auth *a,
                              struct MHD_Connection *c, const char *method,
                              const char *path, const char *body, size_t len,
                              struct relay_signed *out);
/* Admits a verified request: RELAY_OK, or RELAY_LIMITED with
 * *retry_after (seconds), RELAY_REPLAYED, RELAY_FULL (this relay's table
 * of signatures), RELAY_UNAVAILABLE or RELAY_FAILED. */
enum relay_result relay_admit(struct relay_auth *a, struct relay_store *st,
                              const struct relay_signed *s, long *retry_after);
/* relay_admit, then relay_store_poll_start if admitted: one step on a
 * store that can. */
enum relay_result relay_admit_poll_start(struct relay_auth *a,
                                         struct relay_store *st,
                                         const struct relay_signed *s,
                                         long *retry_after, const char *state,
                                         long wait, uint64_t *gen,
                                         char **code_out, long long *left_ms);

/* The browser's cookie for the session with this short id, or NULL. */
typedef const char *relay_cookie_fn(void *cls, const char *id);

/* The store: sessions, codes, denials and rate limits. Every call may
 * answer RELAY_UNAVAILABLE when a shared store cannot be reached (the
 * relay then answers 503 and the module asks again). */
struct relay_store_ops {
    void (*free)(struct relay_store *st);
    /* Drops expired sessions (also done on every insert). */
    void (*purge)(struct relay_store *st);
    /* RELAY_OK with the live sessions, or RELAY_UNAVAILABLE with why. */
    enum relay_result (*health)(struct relay_store *st, size_t *sessions,
                                char *why, size_t why_len);
    /* Inputs must already be validated (code_challenge "" for none);
     * id_out receives the new short id. */
    enum relay_result (*add)(struct relay_store *st, const char *state,
                             const char *code_challenge, const char *tag_key,
                             const struct relay_login *login,
                             char id_out[RELAY_ID_LEN + 1]);
    /* RELAY_OK with *out filled (free with relay_view_clear), or
     * RELAY_UNKNOWN; counts the look in the session (out->views). */
    enum relay_result (*view)(struct relay_store *st, const char *id,
                              struct relay_view *out);
    /* code NULL records a denial (a number mismatch with mismatch, which
     * polls then answer RELAY_MISMATCH); only a browser whose cookie (looked up
     * with cookie_of) is the session's gets this far, else RELAY_NO_COOKIE
     * and nothing is stored. ctx (may be NULL) receives user, host and tag
     * key. The store's notice (gen 0) follows an answer. */
    enum relay_result (*answer)(struct relay_store *st, const char *state,
                                const char *code, bool mismatch,
                                relay_cookie_fn *cookie_of, void *cls,
                                struct relay_view *ctx);
    /* A new poll for the login: numbered *gen (a notice tells older
     * waiters to step aside), it takes an answer already there;
     * RELAY_PENDING with *left_ms, the session's time to live. On
     * RELAY_CODE *code_out is the caller's to wipe and free: it is handed
     * out once, whichever relay asks. */
    enum relay_result (*poll_start)(struct relay_store *st, const char *state,
                                    uint64_t *gen, char **code_out,
                                    long long *left_ms);
    /* The same for the poll numbered gen, looking again: RELAY_SUPERSEDED
     * once a newer poll came. */
    enum relay_result (*take)(struct relay_store *st, const char *state,
                              uint64_t gen, char **code_out);
    /* Token bucket of the budget's for who (relay_client_who, or a signed
     * module's relay_signed.who); false with *retry_after (seconds) when
     * empty. */
    bool (*rate_allow)(struct relay_store *st, enum relay_budget budget,
                       const char *who, long *retry_after);
    /* relay_admit's work for a shared store, in one step: the module's
     * rate limit for s->who, then s->mac remembered until s->expires
     * unless any relay on the store saw it. NULL for a store of one
     * process: rate_allow and relay_auth.c's own table do it. */
    enum relay_result (*admit)(struct relay_store *st,
                               const struct relay_signed *s, long *retry_after);
    /* admit, then poll_start if admitted, in the same step (one round
     * trip: a poll is most of what a fleet's modules send); wait is how
     * long the poll may wait (seconds). NULL with admit. */
    enum relay_result (*admit_poll_start)(struct relay_store *st,
                                          const struct relay_signed *s,
                                          long *retry_after, const char *state,
                                          long wait, uint64_t *gen,
                                          char **code_out, long long *left_ms);
};

struct relay_store {
    const struct relay_store_ops *ops;
};

/* store.c: in this process, for one relay. */
struct relay_store *relay_store_memory(const struct relay_limits *limits,
                                       relay_notify_fn *notify,
                                       void *notify_cls);
/* redis.c: shared by every relay on the same Redis. NULL with *why
 * set on a bad URL or file; Redis need not be up yet. */
struct relay_store *
relay_store_redis(const char *url, const char *password_file,
                  const char *ca_file, const struct relay_limits *limits,
                  relay_notify_fn *notify, relay_notify_all_fn *notify_all,
                  void *notify_cls, char *why, size_t n);

static inline void relay_store_free(struct relay_store *st)
{
    if (st != NULL)
        st->ops->free(st);
}
static inline void relay_store_purge(struct relay_store *st)
{
    st->ops->purge(st);
}
static inline enum relay_result relay_store_health(struct relay_store *st,
                                                   size_t *sessions, char *why,
                                                   size_t n)
{
    return st->ops->health(st, sessions, why, n);
}
static inline enum relay_result
relay_store_add(struct relay_store *st, const char *state,
                const char *code_challenge, const char *tag_key,
                const struct relay_login *login, char id_out[RELAY_ID_LEN + 1])
{
    return st->ops->add(st, state, code_challenge, tag_key, login, id_out);
}
static inline enum relay_result
relay_store_view(struct relay_store *st, const char *id, struct relay_view *out)
{
    return st->ops->view(st, id, out);
}
static inline enum relay_result
relay_store_answer(struct relay_store *st, const char *state, const char *code,
                   relay_cookie_fn *cookie_of, void *cls,
                   struct relay_view *ctx)
{
    return st->ops->answer(st, state, code, false, cookie_of, cls, ctx);
}
/* The context page's wrong pick: the login's end, as a denial that no
 * code can follow (cookie_of vouches as for an answer). */
static inline enum relay_result relay_store_mismatch(struct relay_store *st,
                                                     const char *state,
                                                     relay_cookie_fn *cookie_of,
                                                     void *cls)
{
    return st->ops->answer(st, state, NULL, true, cookie_of, cls, NULL);
}
static inline enum relay_result
relay_store_poll_start(struct relay_store *st, const char *state, uint64_t *gen,
                       char **code_out, long long *left_ms)
{
    return st->ops->poll_start(st, state, gen, code_out, left_ms);
}
static inline enum relay_result relay_store_take(struct relay_store *st,
                                                 const char *state,
                                                 uint64_t gen, char **code_out)
{
    return st->ops->take(st, state, gen, code_out);
}
static inline bool relay_store_rate_allow(struct relay_store *st,
                                          enum relay_budget budget,
                                          const char *who, long *retry_after)
{
    return st->ops->rate_allow(st, budget, who, retry_after);
}

/* Sessions' short ids, and random tokens of RELAY_TOKEN_LEN characters
 * (store.c); false when there is no randomness. */
bool relay_new_id(char id[RELAY_ID_LEN + 1]);
bool relay_new_token(char out[RELAY_TOKEN_LEN + 1]);
/* A number for number matching, uniform in HB_RELAY_NUMBER_MIN..MAX;
 * 0 when there is no randomness. */
int relay_new_number(void);

void relay_view_clear(struct relay_view *v);
bool relay_is_id(const char *s);

/* wait.c: waiting polls, each a suspended connection. */
struct relay_waits;
struct relay_waiter;
/* Starts the deadline timer thread; NULL on failure. */
struct relay_waits *relay_waits_new(void);
/* Resumes every waiter (RELAY_WAKE_STOPPING); later adds fail. */
void relay_waits_stop(struct relay_waits *ws);
void relay_waits_free(struct relay_waits *ws);
size_t relay_waits_count(struct relay_waits *ws);
/* A relay_notify_fn: resumes the waiters the notice concerns. */
void relay_waits_notify(void *cls, const char *state, uint64_t gen);
/* Resumes every waiter to look again (notices may have been missed). */
void relay_waits_notify_all(void *cls);
/* Arms a waiter for a poll until deadline_ms (monotonic), before the
 * poll's first look gives it its number (relay_wait_numbered); the caller
 * then suspends c and calls relay_wait_suspended. NULL when stopping or
 * out of memory. */
struct relay_waiter *relay_wait_add(struct relay_waits *ws,
                                    struct MHD_Connection *c, const char *state,
                                    long long deadline_ms);
/* The number the poll's first look gave it, and a deadline no later than
 * the one armed: a waiter armed before that look (so that no answer can
 * slip between the look and the arming) learns them here. */
void relay_wait_numbered(struct relay_waits *ws, struct relay_waiter *w,
                         uint64_t gen, long long deadline_ms);
/* After a look that found nothing: armed again with the same deadline. */
bool relay_wait_rearm(struct relay_waits *ws, struct relay_waiter *w);
/* Resumes at once when a wake came before the suspension. */
void relay_wait_suspended(struct relay_waits *ws, struct relay_waiter *w);
enum relay_wake relay_wait_reason(struct relay_waits *ws,
                                  struct relay_waiter *w);
long long relay_wait_deadline(const struct relay_waiter *w);
uint64_t relay_wait_gen(const struct relay_waiter *w);
const char *relay_wait_state(const struct relay_waiter *w);
/* Disarms (if armed) and frees; NULL is fine. */
void relay_wait_free(struct relay_waits *ws, struct relay_waiter *w);
/* CLOCK_MONOTONIC in milliseconds, the clock of every deadline. */
long long relay_now_ms(void);

/* What the endpoints need, set up once by main. */
struct relay {
    struct relay_store *store;
    struct relay_waits *waits;
    const char *public_url; /* the first public_len bytes, no trailing / */
    size_t public_len;
    struct relay_auth *auth;
    struct relay_net *net;
    /* The provider's authorize URL up to the state's value, built from
     * the options: the only place a browser is ever sent (the session's
     * state and PKCE challenge follow). */
    char *continue_prefix;
    char origin[RELAY_URL_MAX]; /* scheme://host[:port] of public_url */
    long session_ttl;
    long max_poll_wait;
    bool require_pkce; /* a registration must carry a code_challenge */
    FILE *log;         /* where relay_log writes for r; stderr when NULL */
    /* Spends a token of the phone budget of c's client, for a phone's
     * request that failed (or a live login's past RELAY_FREE_VIEWS);
     * false with *retry_after (seconds) when none is left. NULL: never
     * limited (the fuzz target, which has no client addresses). */
    bool (*phone_spend)(const struct relay *r, struct MHD_Connection *c,
                        long *retry_after);
};

/* reply.c: the relay's one log. A line is written when its level is at
 * most the process's (relay_log_level: --quiet errors only, --debug
 * everything, else up to info), on r->log, or stderr when r (code that
 * has no relay: the store, startup) or r->log is NULL. Never a secret: no
 * fleet key, poll secret, code, token or password, nor a whole URL or
 * body that may carry one. */
enum relay_level { RELAY_ERROR, RELAY_WARNING, RELAY_INFO, RELAY_DEBUG };
void relay_log_level(enum relay_level max);
__attribute__((format(printf, 3, 4))) void
relay_log(const struct relay *r, enum relay_level level, const char *fmt, ...);

/* options.c: what the command line and --config asked for. Text
 * fields are NULL when not given; relay_free_options frees them. */
struct relay_options {
    char *listen;
    long port;
    long module_port; /* 0: modules use the public port */
    char *port_file;
    char *cert;
    char *key;
    char *public_url;
    char *fleet_key_file;
    char *authorize_url;
    char *client_id;
    long session_ttl;
    long max_sessions;
    long max_poll_wait;
    long rate;
    long burst;
    long module_rate;
    long module_burst;
    long unsigned_rate;
    long unsigned_burst;
    char *trusted_proxy;
    long receive_timeout;
    long max_client_connections;
    char *store; /* "memory" or a redis:// or rediss:// URL */
    char *store_password_file;
    char *store_ca_file;
    bool quiet;
    bool debug;
    bool check_config; /* --check-config: check, then exit */
    bool require_pkce;
};

/* Fills *o (defaults, then the --config file, then flags) and checks it:
 * 0 to run, -1 after --help, 1 on an error already reported on stderr.
 * Free *o with relay_free_options whatever it returns. */
int relay_parse_options(int argc, char **argv, struct relay_options *o);
void relay_free_options(struct relay_options *o);

/* Which endpoint a path is: a new one gets its path in relay_protocol.h,
 * a value here, a case in relay_route_of (api.c) and its handler. */
enum relay_route { R_NONE, R_HEALTH, R_SESSIONS, R_POLL, R_PING, R_PAGE, R_CB };
enum relay_route relay_route_of(const char *path);

/* The endpoints: api.c for the modules, pages.c for the phone. A body is
 * the request's own buffer, NUL-terminated, and is decoded in place. */
enum MHD_Result relay_do_register(const struct relay *r,
                                  struct MHD_Connection *c, char *body,
                                  size_t len);
/* A poll that must wait is left suspended with *w set; when it is
 * resumed, relay_poll_resumed answers it or suspends it again. */
enum MHD_Result relay_do_poll(const struct relay *r, struct MHD_Connection *c,
                              const struct relay_signed *s, char *body,
                              size_t len, struct relay_waiter **w);
/* The answer to a signed request relay_admit refused (what: "poll",
 * "registration" or "ping", for the log). */
enum MHD_Result relay_not_admitted(const struct relay *r,
                                   struct MHD_Connection *c, const char *what,
                                   enum relay_result rc, long retry_after);
enum MHD_Result relay_poll_resumed(const struct relay *r,
                                   struct MHD_Connection *c,
                                   struct relay_waiter **w);
enum MHD_Result relay_do_page(const struct relay *r, struct MHD_Connection *c,
                              const char *id);
/* The context page's Continue: sets the cookie, 303 to the provider. */
enum MHD_Result relay_do_continue(const struct relay *r,
                                  struct MHD_Connection *c, const char *id,
                                  char *body, size_t len);
enum MHD_Result relay_do_callback(const struct relay *r,
                                  struct MHD_Connection *c);
enum MHD_Result relay_do_health(const struct relay *r,
                                struct MHD_Connection *c);
/* A signed request that changes nothing (haobtc-login check): that it
 * got here proves the module's fleet key; answers the relay's clock. */
enum MHD_Result relay_do_ping(const struct relay *r, struct MHD_Connection *c);

/* reply.c: building and sending answers. A page grows on the heap
 * (zero-initialise it); a failed allocation is remembered and sending it
 * then fails. Every body is wiped when MHD lets go of it. */
struct json_object;
struct hb_texts;

/* Pages speak the browser's language (relay_texts: NULL is English);
 * titles and messages are the English texts, translated here. */
void relay_page_start(struct hb_buf *p, const struct hb_texts *t,
                      const char *title);
/* Ends the page and sends it; the page's buffer is taken. */
enum MHD_Result relay_send_page(struct MHD_Connection *c, unsigned status,
                                struct hb_buf *p);
/* The same, and when the request chose a language with ?lang= (the
 * switch link), a cookie RELAY_LANG that keeps t's language for the
 * pages after it (the done page); secure when the public URL is https. */
enum MHD_Result relay_send_page_lang(struct MHD_Connection *c, unsigned status,
                                     struct hb_buf *p, const struct hb_texts *t,
                                     bool secure);
/* A page with a title and a message; code (may be NULL) is shown in
 * <code id="code"> for pasting. */
enum MHD_Result relay_send_message(struct MHD_Connection *c, unsigned status,
                                   const struct hb_texts *t, const char *title,
                                   const char *message, const char *code);
/* The language of this request's page: ?lang= (the page's own switch
 * link), else the cookie it left (RELAY_LANG), else Accept-Language. */
#define RELAY_LANG "lang"
const struct hb_texts *relay_texts(struct MHD_Connection *c);
/* 303 to location, setting cookie (a whole Set-Cookie value). */
enum MHD_Result relay_send_redirect(struct MHD_Connection *c,
                                    const char *location, const char *cookie);
/* {"ok":ok}; relay_reply_add takes v even when o is NULL. */
struct json_object *relay_reply_new(bool ok);
void relay_reply_add(struct json_object *o, const char *k,
                     struct json_object *v);
/* Consumes o; secret wipes json-c's own copies (of a code) first;
 * hname/hval add a header when not NULL. */
enum MHD_Result relay_send_json(struct MHD_Connection *c, unsigned status,
                                struct json_object *o, bool secret,
                                const char *hname, const char *hval);
/* {"ok":false,"error":reason}; hname/hval add a header when not NULL. */
enum MHD_Result relay_send_error(struct MHD_Connection *c, unsigned status,
                                 const char *reason, const char *hname,
                                 const char *hval);
/* The same without a header. */
enum MHD_Result relay_fail(struct MHD_Connection *c, unsigned status,
                           const char *reason);

/* form.c: a form body's fields. Fills the named ones (value
 * NUL-terminated in the body, len counting any decoded NUL inside);
 * unknown names are skipped, a repeat or a bad escape refused. */
struct relay_field {
    const char *name;
    char *value;
    size_t len;
};
bool relay_form_parse(char *body, size_t len, struct relay_field *f, size_t nf);

#endif
