/* SPDX-License-Identifier: BSD-2-Clause */
/* services= and groups=: the lists' syntax, the matcher, and the decision
 * for one login on NSS answers the test makes up (getpwnam_r, getgrnam_r
 * and getgrouplist are wrapped), failures among them. */
#include "autoconf.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "scope.h"
#include "testutil.h"

/* ---- The made-up NSS: alice (primary group alice, 1000) is in wheel
 * (10) through initgroups and in ops (20) through its member list only;
 * bob (1001) is in no other group. */
static int nss_failure;   /* an errno for getgrnam_r, 0 for none */
static int pw_failure;    /* an errno for getpwnam_r, 0 for none */
static bool groups_short; /* getgrouplist says it needs more room */

int __wrap_getpwnam_r(const char *name, struct passwd *pw, char *buf,
                      size_t size, struct passwd **res);
int __wrap_getgrnam_r(const char *name, struct group *gr, char *buf,
                      size_t size, struct group **res);
int __wrap_getgrouplist(const char *user, gid_t group, gid_t *groups,
                        int *ngroups);

int __wrap_getpwnam_r(const char *name, struct passwd *pw, char *buf,
                      size_t size, struct passwd **res)
{
    (void)buf, (void)size;
    *res = NULL;
    if (pw_failure != 0)
        return pw_failure;
    memset(pw, 0, sizeof(*pw));
    if (strcmp(name, "alice") == 0)
        pw->pw_gid = 1000;
    else if (strcmp(name, "bob") == 0)
        pw->pw_gid = 1001;
    else
        return 0;
    *res = pw;
    return 0;
}

int __wrap_getgrnam_r(const char *name, struct group *gr, char *buf,
                      size_t size, struct group **res)
{
    static char carol[] = "carol", alice[] = "alice";
    static char *ops_members[] = {carol, alice, NULL};
    static char *no_members[] = {NULL};
    (void)buf, (void)size;
    *res = NULL;
    if (nss_failure != 0)
        return nss_failure;
    memset(gr, 0, sizeof(*gr));
    gr->gr_mem = no_members;
    if (strcmp(name, "wheel") == 0)
        gr->gr_gid = 10;
    else if (strcmp(name, "ops") == 0) {
        gr->gr_gid = 20;
        gr->gr_mem = ops_members;
    } else if (strcmp(name, "alice") == 0)
        gr->gr_gid = 1000;
    else if (strcmp(name, "staff") == 0)
        gr->gr_gid = 50;
    else
        return 0;
    *res = gr;
    return 0;
}

int __wrap_getgrouplist(const char *user, gid_t group, gid_t *groups,
                        int *ngroups)
{
    gid_t alice[] = {1000, 10};
    const gid_t *list = strcmp(user, "alice") == 0 ? alice : &group;
    int n = strcmp(user, "alice") == 0 ? 2 : 1;
    if (groups_short) {
        /* The first call is always too small, as with a long list. */
        groups_short = false;
        *ngroups = 40;
        return -1;
    }
    if (*ngroups < n) {
        *ngroups = n;
        return -1;
    }
    memcpy(groups, list, (size_t)n * sizeof(*groups));
    *ngroups = n;
    return n;
}

static int reset(void **state)
{
    (void)state;
    nss_failure = 0;
    pw_failure = 0;
    groups_short = false;
    return 0;
}

/* ---- Syntax */

static const char *problem(enum hb_scope_list kind, const char *value)
{
    static char why[256];
    return hb_scope_problem(kind, value, why, sizeof(why));
}

static void good_lists_are_taken(void **state)
{
    (void)state;
    assert_null(problem(HB_SCOPE_SERVICES, "sudo, sshd"));
    assert_null(problem(HB_SCOPE_SERVICES, "sudo sshd"));
    assert_null(problem(HB_SCOPE_SERVICES, "*,!cron"));
    assert_null(problem(HB_SCOPE_SERVICES, "sudo, sudo"));
    assert_null(problem(HB_SCOPE_SERVICES, "sudo, !sudo-i"));
    assert_null(problem(HB_SCOPE_GROUPS, "*, !wheel"));
    assert_null(problem(HB_SCOPE_GROUPS, "admins@example.com, _ssh"));
    assert_null(problem(HB_SCOPE_GROUPS, "wheel, wheel, !ops"));
}

static void empty_list_and_empty_entries_are_refused(void **state)
{
    (void)state;
    assert_string_equal(problem(HB_SCOPE_SERVICES, ""),
                        "an empty list (leave the key out for every service)");
    assert_string_equal(problem(HB_SCOPE_GROUPS, "   "),
                        "an empty list (leave the key out for everyone)");
    const char *empty = "an empty entry (two commas, or a comma at the start "
                        "or end)";
    assert_string_equal(problem(HB_SCOPE_SERVICES, "sudo,,sshd"), empty);
    assert_string_equal(problem(HB_SCOPE_SERVICES, "sudo, , sshd"), empty);
    assert_string_equal(problem(HB_SCOPE_SERVICES, ",sudo"), empty);
    assert_string_equal(problem(HB_SCOPE_GROUPS, "*, !wheel,"), empty);
    assert_string_equal(problem(HB_SCOPE_GROUPS, ","), empty);
}

static void scopes_that_leave_no_one_are_refused(void **state)
{
    (void)state;
    assert_string_equal(problem(HB_SCOPE_GROUPS, "!*"),
                        "!* leaves no group in scope");
    assert_string_equal(problem(HB_SCOPE_GROUPS, "*, !*"),
                        "!* leaves no group in scope");
    assert_string_equal(problem(HB_SCOPE_SERVICES, "!cron"),
                        "only exclusions, which leave no service in scope "
                        "(start the list with *, e.g. *, !cron)");
    assert_string_equal(problem(HB_SCOPE_GROUPS, "!wheel, !ops"),
                        "only exclusions, which leave no group in scope "
                        "(start the list with *, e.g. *, !wheel)");
    assert_string_equal(problem(HB_SCOPE_GROUPS, "wheel, !wheel"),
                        "every entry is excluded again, which leaves no "
                        "group in scope");
    /* !sudo takes sudo -i with it; !sudo-i alone leaves sudo. */
    assert_non_null(problem(HB_SCOPE_SERVICES, "sudo, !sudo"));
    assert_non_null(problem(HB_SCOPE_SERVICES, "sudo-i, !sudo"));
    assert_non_null(problem(HB_SCOPE_SERVICES, "sudo, sudo, !SUDO"));
}

static void bad_names_are_refused(void **state)
{
    (void)state;
    /* "wheel" with a Cyrillic e (U+0435) and "sudo" with a Cyrillic o. */
    assert_string_equal(problem(HB_SCOPE_GROUPS, "*, !wh\xd0\xb5\xd0\xb5l"),
                        "'!wh\xd0\xb5\xd0\xb5l' is not a group name (ASCII "
                        "letters, digits, and . _ - inside and @; ! to "
                        "exclude, * for all)");
    assert_non_null(problem(HB_SCOPE_SERVICES, "sud\xd0\xbe"));
    /* A fullwidth asterisk is no star. */
    assert_non_null(problem(HB_SCOPE_GROUPS, "\xef\xbc\x8a, !wheel"));
    assert_non_null(problem(HB_SCOPE_GROUPS, "! wheel, *"));
    assert_non_null(problem(HB_SCOPE_GROUPS, "*, !"));
    assert_non_null(problem(HB_SCOPE_SERVICES, "sudo;sshd"));
    assert_non_null(problem(HB_SCOPE_SERVICES, "-sudo"));
    assert_non_null(problem(HB_SCOPE_SERVICES, "sshd@host"));
    assert_non_null(problem(HB_SCOPE_GROUPS, "*, !!wheel"));
    assert_non_null(problem(HB_SCOPE_GROUPS, "wh*"));
    char *long_name = tu_printf("%065d", 0);
    assert_non_null(problem(HB_SCOPE_GROUPS, long_name));
    long_name[64] = '\0';
    assert_null(problem(HB_SCOPE_GROUPS, long_name));
    free(long_name);
}

/* ---- The matcher */

static void services_expand_like_enable(void **state)
{
    (void)state;
    assert_true(hb_scope_service_in("sudo, sshd", "sudo"));
    assert_true(hb_scope_service_in("sudo, sshd", "sudo-i"));
    assert_true(hb_scope_service_in("sudo, sshd", "sshd"));
    assert_false(hb_scope_service_in("sudo, sshd", "su"));
    assert_false(hb_scope_service_in("sudo, sshd", "cron"));
    assert_true(hb_scope_service_in("su", "su-l"));
    assert_false(hb_scope_service_in("su", "sudo"));
    /* A variant covers only itself. */
    assert_false(hb_scope_service_in("sudo-i", "sudo"));
    assert_false(hb_scope_service_in("sudo", "sudo-ix"));
    assert_false(hb_scope_service_in("sudo", "sud"));
    assert_true(hb_scope_service_in("SUDO", "sudo-i"));
}

static void exclusions_win_over_star_and_names(void **state)
{
    (void)state;
    assert_true(hb_scope_service_in("*, !cron", "login"));
    assert_false(hb_scope_service_in("*, !cron", "cron"));
    assert_false(hb_scope_service_in("!sudo, *", "sudo-i"));
    assert_true(hb_scope_service_in("sudo, !sudo-i", "sudo"));
    assert_false(hb_scope_service_in("sudo, !sudo-i", "sudo-i"));
    assert_int_equal(hb_scope_group_in("*, !wheel", "wheel"),
                     HB_GROUP_EXCLUDED);
    assert_int_equal(hb_scope_group_in("*, !wheel", "ops"), HB_GROUP_INCLUDED);
    assert_int_equal(hb_scope_group_in("ops, ops", "ops"), HB_GROUP_INCLUDED);
    assert_int_equal(hb_scope_group_in("ops", "wheel"), HB_GROUP_NONE);
    /* Group names are NSS's, exact in case and bytes. */
    assert_int_equal(hb_scope_group_in("*, !wheel", "Wheel"),
                     HB_GROUP_INCLUDED);
    assert_int_equal(hb_scope_group_in("*, !wheel", "wh\xd0\xb5\xd0\xb5l"),
                     HB_GROUP_INCLUDED);
}

/* ---- One login */

static enum hb_status decide(const char *services, const char *groups,
                             const char *service, const char *user,
                             struct hb_error *err)
{
    struct hb_config cfg;
    hb_config_init(&cfg);
    cfg.services = services != NULL ? strdup(services) : NULL;
    cfg.groups = groups != NULL ? strdup(groups) : NULL;
    memset(err, 0, sizeof(*err));
    enum hb_status status = hb_scope_check(&cfg, service, user, err);
    hb_config_free(&cfg);
    return status;
}

static void absent_keys_ask_everyone(void **state)
{
    (void)state;
    struct hb_error err;
    assert_int_equal(decide(NULL, NULL, "cron", "alice", &err), HB_OK);
    assert_int_equal(decide(NULL, NULL, NULL, "nobody-known", &err), HB_OK);
}

static void service_outside_is_not_asked(void **state)
{
    (void)state;
    struct hb_error err;
    assert_int_equal(decide("sudo", NULL, "sshd", "alice", &err), HB_NOT_ASKED);
    assert_string_equal(err.msg, "not asked: service sshd is outside services");
    assert_int_equal(decide("*, !cron", NULL, "cron", "alice", &err),
                     HB_NOT_ASKED);
    assert_string_equal(err.msg, "not asked: service cron is outside services");
    assert_int_equal(decide("sudo", NULL, "sudo-i", "alice", &err), HB_OK);
    /* No service name from libpam: asked. */
    assert_int_equal(decide("sudo", NULL, NULL, "alice", &err), HB_OK);
}

static void excluded_group_is_not_asked(void **state)
{
    (void)state;
    struct hb_error err;
    /* wheel through initgroups, ops through its member list, alice as the
     * primary group. */
    assert_int_equal(decide(NULL, "*, !wheel", "sudo", "alice", &err),
                     HB_NOT_ASKED);
    assert_string_equal(err.msg, "not asked: alice is in excluded group wheel");
    assert_int_equal(decide(NULL, "*, !ops", "sudo", "alice", &err),
                     HB_NOT_ASKED);
    assert_string_equal(err.msg, "not asked: alice is in excluded group ops");
    assert_int_equal(decide(NULL, "*, !alice", "sudo", "alice", &err),
                     HB_NOT_ASKED);
    assert_int_equal(decide(NULL, "*, !wheel", "sudo", "bob", &err), HB_OK);
    /* A group that does not exist excludes no one. */
    assert_int_equal(decide(NULL, "*, !nosuch", "sudo", "alice", &err), HB_OK);
}

static void positive_groups_ask_members_only(void **state)
{
    (void)state;
    struct hb_error err;
    assert_int_equal(decide(NULL, "ops, staff", "sudo", "alice", &err), HB_OK);
    assert_int_equal(decide(NULL, "ops, staff", "sudo", "bob", &err),
                     HB_NOT_ASKED);
    assert_string_equal(err.msg,
                        "not asked: bob is in none of the groups in groups");
    assert_int_equal(decide(NULL, "ops, !wheel", "sudo", "alice", &err),
                     HB_NOT_ASKED);
    /* The service decides first. */
    assert_int_equal(decide("sshd", "ops", "sudo", "alice", &err),
                     HB_NOT_ASKED);
    assert_string_equal(err.msg, "not asked: service sudo is outside services");
}

static void nss_failure_keeps_the_login_in_scope(void **state)
{
    (void)state;
    struct hb_error err;
    nss_failure = EIO;
    assert_int_equal(decide(NULL, "*, !wheel", "sudo", "alice", &err), HB_OK);
    assert_int_equal(decide(NULL, "ops", "sudo", "bob", &err), HB_OK);
    nss_failure = 0;
    pw_failure = EIO;
    assert_int_equal(decide(NULL, "*, !wheel", "sudo", "alice", &err), HB_OK);
    assert_int_equal(decide(NULL, "ops", "sudo", "bob", &err), HB_OK);
    pw_failure = 0;
    /* Unknown to NSS: asked (and refused at the end, as always). */
    assert_int_equal(decide(NULL, "ops", "sudo", "mallory", &err), HB_OK);
    /* Not found is not a failure: ENOENT from a backend means no group. */
    nss_failure = ENOENT;
    assert_int_equal(decide(NULL, "ops", "sudo", "alice", &err), HB_NOT_ASKED);
}

static void long_group_list_is_read_whole(void **state)
{
    (void)state;
    struct hb_error err;
    groups_short = true;
    assert_int_equal(decide(NULL, "*, !wheel", "sudo", "alice", &err),
                     HB_NOT_ASKED);
}

static void config_takes_scope_keys(void **state)
{
    (void)state;
    struct hb_config cfg;
    struct hb_error err = {0};
    hb_config_init(&cfg);
    assert_int_equal(hb_config_set(&cfg, "services", "sudo, sshd", true, &err),
                     HB_OK);
    assert_int_equal(hb_config_set(&cfg, "groups", "*, !wheel", false, &err),
                     HB_OK);
    assert_string_equal(cfg.services, "sudo, sshd");
    assert_string_equal(cfg.groups, "*, !wheel");
    assert_int_equal(hb_config_set(&cfg, "groups", "!*", false, &err),
                     HB_ERR_CONFIG);
    assert_string_equal(err.msg,
                        "bad value for groups: !* leaves no group in scope");
    assert_int_equal(hb_config_set(&cfg, "services", "", true, &err),
                     HB_ERR_CONFIG);
    assert_string_equal(err.msg, "bad value for services: an empty list "
                                 "(leave the key out for every service)");
    /* The refused values left the good ones. */
    assert_string_equal(cfg.services, "sudo, sshd");
    assert_string_equal(cfg.groups, "*, !wheel");
    hb_config_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_lists_are_taken),
        cmocka_unit_test(empty_list_and_empty_entries_are_refused),
        cmocka_unit_test(scopes_that_leave_no_one_are_refused),
        cmocka_unit_test(bad_names_are_refused),
        cmocka_unit_test(services_expand_like_enable),
        cmocka_unit_test(exclusions_win_over_star_and_names),
        cmocka_unit_test_setup(absent_keys_ask_everyone, reset),
        cmocka_unit_test_setup(service_outside_is_not_asked, reset),
        cmocka_unit_test_setup(excluded_group_is_not_asked, reset),
        cmocka_unit_test_setup(positive_groups_ask_members_only, reset),
        cmocka_unit_test_setup(nss_failure_keeps_the_login_in_scope, reset),
        cmocka_unit_test_setup(long_group_list_is_read_whole, reset),
        cmocka_unit_test(config_takes_scope_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
