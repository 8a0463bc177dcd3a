/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-login check: what reuse_for_key relies on. sshd must have proven
 * a key before keyboard-interactive (or SSH_AUTH_INFO_0 names none), and
 * nothing a user writes may reach the PAM environment before the module
 * reads that key (pam_env's user_readenv reads ~/.pam_environment). */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "pam_stack.h"

/* Every comma-separated list of methods holding keyboard-interactive has
 * publickey before it. */
static bool key_first_everywhere(const char *methods)
{
    char copy[1024];
    snprintf(copy, sizeof(copy), "%s", methods);
    char *save = NULL;
    bool any = false;
    for (char *list = strtok_r(copy, " ", &save); list != NULL;
         list = strtok_r(NULL, " ", &save)) {
        char *kbd = strstr(list, "keyboard-interactive");
        if (kbd == NULL)
            continue;
        any = true;
        *kbd = '\0';
        /* "publickey," as a whole method of the sequence before it. */
        char *key = strstr(list, "publickey,");
        if (key == NULL || (key != list && key[-1] != ','))
            return false;
    }
    return any;
}

static void methods_line(struct check *c, const char *methods)
{
    if (methods != NULL && strcmp(methods, "any") != 0 &&
        key_first_everywhere(methods)) {
        check_say(c, CHECK_OK, "reuse_for_key", NULL,
                  /* TRANSLATORS: %s is sshd's AuthenticationMethods value. */
                  hb_tr(c->t, "AuthenticationMethods %s: a public key is "
                              "proven before haobtc, so a reuse is bound to "
                              "it"),
                  methods);
        return;
    }
    check_say(c, CHECK_FAIL, "reuse_for_key",
              hb_tr(c->t, "set AuthenticationMethods "
                          "publickey,keyboard-interactive, or "
                          "reuse_for_key = 0"),
              /* TRANSLATORS: %s is sshd's AuthenticationMethods value. */
              hb_tr(c->t, "AuthenticationMethods %s does not prove a public "
                          "key before keyboard-interactive in every list: "
                          "there is no key to bind a reuse to"),
              methods != NULL ? methods : "any");
}

static bool reads_user_env(const struct pam_line *l)
{
    if (strcmp(pam_module_name(l), "pam_env.so") != 0)
        return false;
    for (int i = 0; i < l->argc; i++)
        if (strcmp(l->argv[i], "user_readenv=1") == 0)
            return true;
    return false;
}

static void env_line(struct check *c)
{
    struct pam_stack st;
    bool exists = false;
    if (!pam_stack_load(c->t, c->pam_dir, "sshd", "auth", &st, &exists))
        return; /* check_pam has said why libpam refuses it */
    const struct pam_line *env = NULL;
    for (size_t i = 0; i < st.n; i++) {
        if (strcmp(pam_module_name(&st.line[i]), "pam_haobtc.so") == 0)
            break;
        if (env == NULL && reads_user_env(&st.line[i]))
            env = &st.line[i];
    }
    if (env != NULL)
        check_say(c, CHECK_FAIL, "reuse_for_key",
                  hb_tr(c->t, "drop user_readenv=1 from that line, or put "
                              "pam_env after pam_haobtc.so"),
                  /* TRANSLATORS: the file and line of pam_env.so. */
                  hb_tr(c->t, "%s line %u: pam_env.so with user_readenv=1 "
                              "runs before pam_haobtc.so, so a user's "
                              "~/.pam_environment could name the key"),
                  env->file, env->line_no);
    pam_stack_free(&st);
}

void check_reuse(struct check *c, const char *methods)
{
    if (!c->cfg_loaded || c->cfg.reuse_for_key <= 0)
        return;
    methods_line(c, methods);
    env_line(c);
}
