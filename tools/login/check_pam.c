/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-login check: the PAM services that use the module, what their
 * stacks make of a haobtc answer (replayed as libpam decides), and the
 * known traps: a line never reached, a control that makes haobtc
 * decorative (a FAIL when every login waits on it) or lets a refusal in, an
 * account stack that lets expired accounts in, module arguments the module
 * refuses. */
#include "autoconf.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "check_module.h"
#include "pam_replay.h"

/* Arrays, not pointers to literals: check_join lists names as char *. */
static char services[][16] = {"sshd", "sudo", "sudo-i", "su", "su-l", "login"};
#define N_SERVICES (sizeof(services) / sizeof(services[0]))

/* Whether the line says the stack lets the password in instead
 * (or_password), as a module argument or in the configuration file. */
static bool says_or_password(const struct check *c, const struct pam_line *l)
{
    for (int i = 0; i < l->argc; i++) {
        if (strcmp(l->argv[i], "or_password") == 0 ||
            strcmp(l->argv[i], "or_password=yes") == 0)
            return true;
        if (strncmp(l->argv[i], "or_password=", 12) == 0)
            return false;
    }
    return c->cfg_loaded && c->cfg.or_password;
}

/* What becomes of a login in one case, for "an unusual stack". */
static const char *fate(const struct hb_texts *t, const struct replay *r, int h)
{
    if (r->in[h][P_OK] && r->in[h][P_NO])
        /* TRANSLATORS: a login gets in (whatever the password). */
        return hb_tr(t, "in");
    if (r->in[h][P_OK])
        /* TRANSLATORS: a login gets in with the right password. */
        return hb_tr(t, "in with the password");
    if (r->in[h][P_NO])
        /* TRANSLATORS: a login gets in only with a wrong password. */
        return hb_tr(t, "in only with a wrong password");
    /* TRANSLATORS: a login is refused. */
    return hb_tr(t, "refused");
}

static void explain(struct check *c, const char *topic,
                    const struct pam_stack *st, const struct replay *rp,
                    size_t first)
{
    const struct replay r = *rp;
    char at[512], fix[512];
    check_where(c->t, &st->line[first], at, sizeof(at));
    bool matters = false, reached = false;
    for (int p = 0; p < 2; p++) {
        matters = matters || r.in[H_OK][p] != r.in[H_NO][p] ||
                  r.in[H_OK][p] != r.in[H_DOWN][p];
        for (int h = 0; h < 3; h++)
            reached = reached || r.reached[h][p];
    }
    const char *better =
        hb_tr(c->t, "use one of the stacks in examples/pam.d: 'sufficient' "
                    "(haobtc or password) or '[success=done "
                    "default=die]' (haobtc only), before @include "
                    "common-auth");
    if (r.in[H_NO][P_NO] || r.in[H_DOWN][P_NO]) {
        snprintf(fix, sizeof(fix),
                 /* TRANSLATORS: %s is the advice "use one of the stacks in
                  * examples/pam.d: ...". */
                 hb_tr(c->t, "make the lines after pam_haobtc.so end in a "
                             "refusal (pam_deny), or %s"),
                 better);
        check_say(c, CHECK_FAIL, topic, fix,
                  /* TRANSLATORS: %s is where: "FILE line N: CONTROL
                   * MODULE". */
                  hb_tr(c->t, "a refused or failed haobtc login gets in "
                              "without a password (%s)"),
                  at);
        return;
    }
    bool nobody = true;
    for (int h = 0; h < 3; h++)
        for (int p = 0; p < 2; p++)
            nobody = nobody && !r.in[h][p];
    if (nobody) {
        check_say(c, CHECK_FAIL, topic, better,
                  /* TRANSLATORS: %s is where: "FILE line N: CONTROL
                   * MODULE". */
                  hb_tr(c->t, "nobody can log in through this stack, with "
                              "haobtc or a password (%s)"),
                  at);
        return;
    }
    if (!reached) {
        char end[512];
        check_where(c->t, &st->line[r.ended_at[H_OK][P_NO]], end, sizeof(end));
        snprintf(fix, sizeof(fix), "%s",
                 hb_tr(c->t, "move the pam_haobtc.so line above the line "
                             "that ends the stack (usually before @include "
                             "common-auth)"));
        check_say(c, CHECK_WARN, topic, fix,
                  /* TRANSLATORS: both %s are where: "FILE line N: CONTROL
                   * MODULE"; the first ends the stack, the second is
                   * pam_haobtc's line. */
                  hb_tr(c->t, "haobtc is never asked: the stack ends at %s "
                              "before reaching %s"),
                  end, at);
        return;
    }
    if (!matters) {
        bool after_password = true, every = true;
        for (int h = 0; h < 3; h++) {
            after_password = after_password && !r.reached[h][P_NO];
            every = every && r.reached[h][P_OK] && r.reached[h][P_NO];
        }
        if (after_password)
            /* Every password login shows the QR code and waits on a phone
             * whose answer changes nothing: a FAIL, not a style point. */
            check_say(c, CHECK_FAIL, topic,
                      hb_tr(c->t, "move the pam_haobtc.so line before "
                                  "@include common-auth, as in "
                                  "examples/pam.d"),
                      /* TRANSLATORS: %s is where: "FILE line N: CONTROL
                       * MODULE". */
                      hb_tr(c->t, "haobtc is asked only after the password "
                                  "was accepted, and its answer changes "
                                  "nothing: every password login shows the "
                                  "QR code and waits (%s)"),
                      at);
        else if (every)
            /* Reached whatever the password (optional before
             * common-auth, say) and then ignored: every login shows the
             * QR code and waits on the phone for nothing. */
            check_say(c, CHECK_FAIL, topic,
                      hb_tr(c->t, "on that line use 'sufficient' (haobtc or "
                                  "password) or '[success=done "
                                  "default=die]' (haobtc only), or remove "
                                  "the line"),
                      /* TRANSLATORS: %s is where: "FILE line N: CONTROL
                       * MODULE". */
                      hb_tr(c->t, "haobtc is asked on every login, but its "
                                  "answer changes nothing: every password "
                                  "login shows the QR code and waits on the "
                                  "phone for nothing (%s)"),
                      at);
        else
            check_say(c, CHECK_WARN, topic, better,
                      /* TRANSLATORS: %s is where: "FILE line N: CONTROL
                       * MODULE". */
                      hb_tr(c->t, "haobtc is decorative: it is asked, but its "
                                  "answer never changes the result (%s)"),
                      at);
        return;
    }
    bool alone = r.in[H_OK][P_NO];
    bool password_alone = r.in[H_NO][P_OK];
    bool when_down = r.in[H_DOWN][P_OK];
    bool asked_first = r.password_first[H_OK][P_OK];
    const char *pw_first = hb_tr(c->t, ", the password asked first");
    bool or_password = says_or_password(c, &st->line[first]);
    if (alone && password_alone && !asked_first && !or_password) {
        /* Without it the person who would rather use the password waits
         * out the QR code's wait, or types the password where it shows. */
        check_say(c, CHECK_WARN, topic,
                  hb_tr(c->t, "add or_password to that line "
                              "(pam_haobtc(8))"),
                  /* TRANSLATORS: %s is where: "FILE line N: CONTROL
                   * MODULE". */
                  hb_tr(c->t, "haobtc or password, but the module is not "
                              "told (or_password): a password user waits "
                              "for the phone's deadline or types the "
                              "password where it shows (%s)"),
                  at);
    } else if (or_password && !password_alone) {
        check_say(c, CHECK_WARN, topic,
                  hb_tr(c->t, "remove or_password from that line"),
                  /* TRANSLATORS: %s is where: "FILE line N: CONTROL
                   * MODULE". */
                  hb_tr(c->t, "or_password where a password alone does not "
                              "get in: the module offers the password, and "
                              "this stack refuses it (%s)"),
                  at);
    } else if (alone && password_alone) {
        check_say(c, CHECK_OK, topic, NULL,
                  /* TRANSLATORS: the first %s is empty or ", the password
                   * asked first"; the second is where: "FILE line N:
                   * CONTROL MODULE". */
                  hb_tr(c->t, "haobtc or password%s (%s)"),
                  asked_first ? pw_first : "", at);
    } else if (alone && when_down) {
        /* Whoever can make haobtc look unreachable skips the phone. */
        check_say(c, CHECK_WARN, topic, better,
                  /* TRANSLATORS: %s is where: "FILE line N: CONTROL
                   * MODULE". */
                  hb_tr(c->t, "haobtc required but passwords when haobtc is "
                              "unreachable, which makes the phone optional "
                              "(%s)"),
                  at);
    } else if (alone) {
        check_say(c, CHECK_OK, topic, NULL,
                  /* TRANSLATORS: %s is where: "FILE line N: CONTROL
                   * MODULE". */
                  hb_tr(c->t, "haobtc only, no password even when haobtc is "
                              "unreachable (%s); keep a root shell open while "
                              "you try it"),
                  at);
    } else if (r.in[H_OK][P_OK] && !password_alone) {
        check_say(c, CHECK_OK, topic, NULL,
                  /* TRANSLATORS: the first %s is empty or ", the password
                   * asked first", the second empty or "; the password alone
                   * when haobtc is unreachable"; the third is where: "FILE
                   * line N: CONTROL MODULE". */
                  hb_tr(c->t, "haobtc and password, both required%s%s (%s)"),
                  asked_first ? pw_first : "",
                  when_down ? hb_tr(c->t, "; the password alone when haobtc "
                                          "is unreachable")
                            : "",
                  at);
    } else {
        check_say(c, CHECK_WARN, topic, better,
                  /* TRANSLATORS: three of fate's words (e.g. "in with the
                   * password", "refused"), then where: "FILE line N:
                   * CONTROL MODULE". */
                  hb_tr(c->t, "an unusual stack: approved by haobtc: %s; "
                              "refused: %s; haobtc unreachable: %s (%s)"),
                  fate(c->t, &r, H_OK), fate(c->t, &r, H_NO),
                  fate(c->t, &r, H_DOWN), at);
    }
}

/* An account stack that lets an expired account in (usermod
 * --expiredate), with the module answering PAM_IGNORE there as it does.
 * After a haobtc login, pam_unix's account check is all that stands
 * between a closed account and a shell. */
static void account_lines(struct check *c, const char *topic,
                          const char *service)
{
    struct pam_stack st;
    bool exists = false;
    if (!pam_stack_load(c->t, c->pam_dir, service, "account", &st, &exists)) {
        pam_stack_free(&st);
        return; /* the auth stack already said why */
    }
    size_t decider = st.n;
    for (size_t i = 0; i < st.n && decider == st.n; i++)
        if (pam_role(&st.line[i]) == ROLE_PASSWORD)
            decider = i;
    if (decider < st.n) {
        unsigned *order = calloc(st.n, sizeof(*order));
        struct scenario s = {RV_IGNORE, RV_ACCT_EXPIRED};
        if (order != NULL && pam_stack_run(&st, pam_outcome, &s, order)) {
            char skipped[512];
            check_where(c->t, &st.line[decider], skipped, sizeof(skipped));
            check_say(c, CHECK_WARN, topic,
                      hb_tr(c->t, "let pam_unix's account check decide (keep "
                                  "@include common-account, and no jump or "
                                  "'sufficient' before it)"),
                      /* TRANSLATORS: "ignores" or "skips", then where
                       * ("FILE line N: CONTROL MODULE"). */
                      hb_tr(c->t, "the account stack lets an expired account "
                                  "in: it %s %s, and a haobtc login never "
                                  "asks for the password"),
                      order[decider] != 0 ? hb_tr(c->t, "ignores")
                                          : hb_tr(c->t, "skips"),
                      skipped);
        }
        free(order);
    }
    pam_stack_free(&st);
}

/* A session line: it records the audit session for session_reuse, which
 * pam_loginuid must have opened before it. */
static void session_line(struct check *c, const char *topic,
                         const struct pam_stack *st, size_t i)
{
    char at[512];
    check_where(c->t, &st->line[i], at, sizeof(at));
    bool loginuid_before = false;
    for (size_t k = 0; k < i; k++)
        loginuid_before =
            loginuid_before ||
            strcmp(pam_module_name(&st->line[k]), "pam_loginuid.so") == 0;
    if (!c->cfg_loaded || c->cfg.session_reuse <= 0)
        check_say(c, CHECK_WARN, topic,
                  hb_tr(c->t, "set session_reuse, or remove that session "
                              "line"),
                  /* TRANSLATORS: where ("FILE line N: CONTROL MODULE"). */
                  hb_tr(c->t, "session %s does nothing: session_reuse is "
                              "off"),
                  at);
    else if (!loginuid_before)
        check_say(c, CHECK_WARN, topic,
                  hb_tr(c->t, "put the line after pam_loginuid.so"),
                  /* TRANSLATORS: where ("FILE line N: CONTROL MODULE"). */
                  hb_tr(c->t, "session %s comes before pam_loginuid.so: "
                              "the login has no audit session of its own "
                              "there, and session_reuse keeps nothing"),
                  at);
    else
        check_say(c, CHECK_OK, topic, NULL,
                  /* TRANSLATORS: where ("FILE line N: CONTROL MODULE"). */
                  hb_tr(c->t, "session %s keeps the login's approval for "
                              "sudo and su in its audit session "
                              "(session_reuse)"),
                  at);
}

/* session lines (session_line), and password lines: the module has no
 * password part, so libpam gets PAM_MODULE_UNKNOWN from it there. */
static void other_types(struct check *c, const char *topic, const char *service)
{
    static const char *const types[] = {"session", "password"};
    for (size_t t = 0; t < 2; t++) {
        struct pam_stack st;
        bool exists = false;
        if (!pam_stack_load(c->t, c->pam_dir, service, types[t], &st,
                            &exists)) {
            pam_stack_free(&st);
            continue;
        }
        for (size_t i = 0; i < st.n; i++) {
            if (pam_role(&st.line[i]) != ROLE_HAOBTC)
                continue;
            if (t == 0) {
                session_line(c, topic, &st, i);
                break;
            }
            char at[512], fix[640];
            check_where(c->t, &st.line[i], at, sizeof(at));
            /* TRANSLATORS: %s is the PAM type: session or password. */
            snprintf(fix, sizeof(fix), hb_tr(c->t, "remove that %s line"),
                     types[t]);
            int act = st.line[i].action[RV_OTHER];
            if (act == ACT_BAD || act == ACT_DIE)
                check_say(c, CHECK_FAIL, topic, fix,
                          /* TRANSLATORS: "session" or "password change",
                           * the PAM type (session, password), the control
                           * field, the PAM type again, where ("FILE line N:
                           * CONTROL MODULE"). */
                          hb_tr(c->t, "every %s fails: pam_haobtc.so has no "
                                      "%s part, and %s counts that as a "
                                      "failure (%s %s)"),
                          types[t][0] == 's' ? hb_tr(c->t, "session")
                                             : hb_tr(c->t, "password change"),
                          types[t], st.line[i].control, types[t], at);
            else
                check_say(c, CHECK_WARN, topic, fix,
                          /* TRANSLATORS: the PAM type (session, password),
                           * where ("FILE line N: CONTROL MODULE"), the PAM
                           * type again. */
                          hb_tr(c->t, "%s %s does nothing: pam_haobtc.so has "
                                      "no %s part"),
                          types[t], at, types[t]);
            break;
        }
        pam_stack_free(&st);
    }
}

/* Module lines already checked (a common-auth line serves several
 * services), and whether the module can work there. */
struct seen {
    char *key; /* "FILE:LINE" */
    bool loads;
};

static struct seen *seen_line(struct seen **seen, size_t *n,
                              const struct pam_line *l, bool *fresh)
{
    char *key = NULL;
    *fresh = false;
    if (asprintf(&key, "%s:%u", l->file, l->line_no) < 0)
        return NULL;
    for (size_t i = 0; i < *n; i++) {
        if (strcmp((*seen)[i].key, key) == 0) {
            free(key);
            return &(*seen)[i];
        }
    }
    struct seen *more = realloc(*seen, (*n + 1) * sizeof(**seen));
    if (more == NULL) {
        free(key);
        return NULL;
    }
    *seen = more;
    (*seen)[*n].key = key;
    (*seen)[*n].loads = true;
    *fresh = true;
    return &(*seen)[(*n)++];
}

/* What one service's auth stack came to. */
struct service_result {
    bool exists; /* the file is there, libpam takes it, no FAIL shuts it */
    bool uses;   /* a pam_haobtc.so line, or one misspelled */
    bool phone;  /* haobtc is asked and a password alone does not get in */
    bool password_alone; /* a password gets in when haobtc refuses */
};

/* "sudo -i" reads sudo-i, which on Debian includes only common-auth, and
 * "su -" reads su-l, which includes su: when the plain service needs the
 * phone and its variant lets a password alone through, the variant is
 * the way around it. true after that FAIL. */
static bool variant_open(struct check *c, const char *topic,
                         const char *service, const struct replay *r,
                         const struct service_result *base)
{
    if (base == NULL || !base->phone || !r->in[H_NO][P_OK])
        return false;
    char fix[512];
    bool sudo = strcmp(service, "sudo-i") == 0;
    if (sudo)
        snprintf(fix, sizeof(fix),
                 /* TRANSLATORS: both %s are the PAM directory
                  * (/etc/pam.d). */
                 hb_tr(c->t, "add the same haobtc line as in %s/sudo to "
                             "%s/sudo-i, before @include common-auth "
                             "(examples/pam.d/sudo-i)"),
                 c->pam_dir, c->pam_dir);
    else
        snprintf(fix, sizeof(fix),
                 /* TRANSLATORS: %s is the PAM directory (/etc/pam.d). */
                 hb_tr(c->t, "make %s/su-l read su's lines (auth include "
                             "su), as Debian's su-l does"),
                 c->pam_dir);
    check_say(c, CHECK_FAIL, topic, fix,
              /* TRANSLATORS: the command ("sudo -i" or "su -"), the PAM
               * directory, the PAM service (sudo-i or su-l). */
              hb_tr(c->t, "%s skips the phone: a password alone passes "
                          "%s/%s"),
              sudo ? "sudo -i" : "su -", c->pam_dir, service);
    return true;
}

/* The other way round: sudo -i or su - needs the phone and sudo or su
 * lets a password alone through. One FAIL, on the open service. */
static bool base_open(struct check *c, const char *service, const char *variant,
                      const struct service_result *base,
                      const struct service_result *var)
{
    if (!var->phone || !base->exists || !base->password_alone)
        return false;
    char topic[128], fix[512];
    bool sudo = strcmp(service, "sudo") == 0;
    snprintf(topic, sizeof(topic), "pam %s", service);
    snprintf(fix, sizeof(fix),
             /* TRANSLATORS: the PAM directory, the service that needs the
              * phone (sudo-i or su-l), the PAM directory, the open service
              * (sudo or su), the open service again. */
             hb_tr(c->t, "add the same haobtc line as in %s/%s to %s/%s, "
                         "before @include common-auth (examples/pam.d/%s)"),
             c->pam_dir, variant, c->pam_dir, service, service);
    check_say(c, CHECK_FAIL, topic, fix,
              /* TRANSLATORS: the open command (sudo or su), the command
               * that needs the phone ("sudo -i" or "su -"), the PAM
               * directory, the PAM service (sudo or su). */
              hb_tr(c->t, "%s skips the phone that %s asks for: a password "
                          "alone passes %s/%s"),
              service, sudo ? "sudo -i" : "su -", c->pam_dir, service);
    return true;
}

/* The service's auth stack: its module lines, then what it means. base
 * is the result of the service it is a variant of (sudo for sudo-i, su
 * for su-l), or NULL. */
static void one_service(struct check *c, const char *service,
                        const struct service_result *base, struct seen **seen,
                        size_t *n_seen, struct service_result *out)
{
    struct pam_stack st;
    char topic[128];
    memset(out, 0, sizeof(*out));
    snprintf(topic, sizeof(topic), "pam %s", service);
    if (!pam_stack_load(c->t, c->pam_dir, service, "auth", &st, &out->exists)) {
        check_say(c, CHECK_FAIL, topic,
                  hb_tr(c->t, "correct that line or create the file it "
                              "names"),
                  /* TRANSLATORS: the PAM service, then what is wrong with
                   * it. */
                  hb_tr(c->t, "libpam refuses the whole %s service, so no "
                              "one can log in through it: %s"),
                  service, st.error);
        pam_stack_free(&st);
        /* Neither using the module nor "as before". */
        out->exists = false;
        return;
    }
    size_t first = st.n;
    bool loads = true;
    for (size_t i = 0; i < st.n; i++) {
        const struct pam_line *l = &st.line[i];
        bool haobtc = pam_role(l) == ROLE_HAOBTC;
        bool typo = pam_haobtc_misspelled(pam_module_name(l));
        if (haobtc && first == st.n)
            first = i;
        out->uses = out->uses || haobtc || typo;
        bool fresh = false;
        struct seen *line = seen_line(seen, n_seen, l, &fresh);
        if (line != NULL && fresh && haobtc) {
            line->loads = check_module_file(c, topic, l);
            line->loads = check_module_args(c, topic, l) && line->loads;
        } else if (line != NULL && fresh) {
            line->loads = check_other_module_file(c, topic, l);
        }
        loads = loads && (line == NULL || line->loads);
    }
    /* What the stack means is moot while a module cannot work there: the
     * FAIL above said so once, not again for each consequence. */
    if (loads) {
        struct replay r;
        pam_replay(&st, &r);
        out->password_alone = r.in[H_NO][P_OK];
        char at[512], again[512];
        if (r.twice[0] != r.twice[1]) {
            check_where(c->t, &st.line[r.twice[0]], at, sizeof(at));
            check_where(c->t, &st.line[r.twice[1]], again, sizeof(again));
            check_say(c, CHECK_FAIL, topic,
                      hb_tr(c->t, "use either the package's profile in "
                                  "common-auth (pam-auth-update) or "
                                  "per-service lines, not both"),
                      /* TRANSLATORS: both %s are where: "FILE line N:
                       * CONTROL MODULE". */
                      hb_tr(c->t, "pam_haobtc.so runs twice in one login: "
                                  "after a refusal or an outage at %s, %s "
                                  "starts a second sign-in"),
                      at, again);
            out->exists = false;
        } else if (variant_open(c, topic, service, &r, base)) {
            out->exists = false;
        } else if (first < st.n) {
            out->phone =
                (r.in[H_OK][P_OK] || r.in[H_OK][P_NO]) && !r.in[H_NO][P_OK];
            explain(c, topic, &st, &r, first);
            account_lines(c, topic, service);
        }
    } else {
        out->exists = false;
    }
    other_types(c, topic, service);
    pam_stack_free(&st);
}

void check_pam(struct check *c)
{
    struct seen *seen = NULL;
    size_t n_seen = 0;
    char *unused[N_SERVICES];
    size_t n_unused = 0;
    bool any = false;
    struct service_result result[N_SERVICES];
    for (size_t i = 0; i < N_SERVICES; i++) {
        /* The variant follows its service in the list. */
        const struct service_result *base = NULL;
        if (strcmp(services[i], "sudo-i") == 0 ||
            strcmp(services[i], "su-l") == 0)
            base = &result[i - 1];
        one_service(c, services[i], base, &seen, &n_seen, &result[i]);
        /* Not "as before" once it is the way around the phone. */
        if (base != NULL &&
            base_open(c, services[i - 1], services[i], base, &result[i]) &&
            n_unused > 0 && unused[n_unused - 1] == services[i - 1])
            n_unused--;
        any = any || result[i].uses;
        if (result[i].uses && strcmp(services[i], "sshd") == 0)
            c->sshd_uses_module = true;
        if (result[i].exists && !result[i].uses)
            unused[n_unused++] = services[i];
    }
    struct pam_stack st;
    bool exists = false;
    if (pam_stack_load(c->t, c->pam_dir, "common-auth", "auth", &st, &exists)) {
        for (size_t i = 0; i < st.n; i++) {
            if (pam_role(&st.line[i]) != ROLE_HAOBTC)
                continue;
            check_say(c, CHECK_OK, "pam common-auth", NULL,
                      /* TRANSLATORS: the PAM directory (/etc/pam.d), a
                       * line number. */
                      hb_tr(c->t, "%s/common-auth uses pam_haobtc.so (line "
                                  "%u), so every service that includes "
                                  "common-auth asks haobtc"),
                      c->pam_dir, st.line[i].line_no);
            break;
        }
    }
    pam_stack_free(&st);
    char list[256];
    check_join(unused, n_unused, N_SERVICES, list, sizeof(list));
    if (!any) {
        char fix[512];
        snprintf(fix, sizeof(fix),
                 /* TRANSLATORS: %s is the PAM directory (/etc/pam.d). */
                 hb_tr(c->t, "run haobtc-login enable SERVICE (sudo, su, "
                             "login or sshd), which writes the haobtc lines "
                             "into %s"),
                 c->pam_dir);
        check_say(c, CHECK_WARN, "pam", fix,
                  /* TRANSLATORS: %s is the PAM directory (/etc/pam.d). */
                  hb_tr(c->t, "no PAM service in %s uses pam_haobtc.so yet"),
                  c->pam_dir);
    } else if (n_unused > 0) {
        check_say(c, CHECK_OK, "pam", NULL,
                  /* TRANSLATORS: %s is a list of PAM services. */
                  hb_tr(c->t, "%s: not using pam_haobtc.so (their logins are "
                              "as before)"),
                  list);
    }
    for (size_t i = 0; i < n_seen; i++)
        free(seen[i].key);
    free(seen);
    check_scope(c);
    check_policies(c);
}
