/* SPDX-License-Identifier: BSD-2-Clause */
/* reuse_for_key's library (pam_haobtc/lib/reuse.c): the key taken from
 * sshd's SSH_AUTH_INFO_0 and its fingerprint against ssh-keygen, the
 * root-only store and what it refuses, and the match with its window,
 * boot, key and map line. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "digest.h"
#include "reuse.h"
#include "sha256.h"
#include "testutil.h"
#include "text.h"

#define UUID "5f1c2a9e0b7d4c3a8e6f1d2c3b4a5968"
static char uuid[] = UUID;
static char alice_h[] = "alice-h";

/* A key made by ssh-keygen now, and what ssh-keygen -l says of it. */
struct made_key {
    char authinfo[8192];
    char fingerprint[128];
};

static void make_key(const char *type, const char *bits, struct made_key *k)
{
    const char *dir = tu_dir();
    char *cmd = tu_printf("ssh-keygen -q -t %s %s -N '' -C test -f %s/k-%s",
                          type, bits, dir, type);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    char *pub = tu_printf("%s/k-%s.pub", dir, type);
    FILE *f = fopen(pub, "r");
    assert_non_null(f);
    char t[64], b64[8000];
    assert_int_equal(fscanf(f, "%63s %7999s", t, b64), 2);
    fclose(f);
    snprintf(k->authinfo, sizeof(k->authinfo), "publickey %s %s\n", t, b64);
    cmd = tu_printf("ssh-keygen -lf %s", pub);
    f = popen(cmd, "r");
    assert_non_null(f);
    assert_int_equal(fscanf(f, "%*s %127s", k->fingerprint), 1);
    assert_int_equal(pclose(f), 0);
    free(cmd);
    free(pub);
}

static void fingerprint_is_what_ssh_keygen_prints(void **state)
{
    (void)state;
    struct made_key ed, rsa;
    char fp[HB_FINGERPRINT_MAX];
    struct hb_error err = {0};
    make_key("ed25519", "", &ed);
    assert_int_equal(hb_authinfo_key(ed.authinfo, fp, &err), HB_OK);
    assert_string_equal(fp, ed.fingerprint);
    /* A blob of several SHA-256 blocks. */
    make_key("rsa", "-b 4096", &rsa);
    assert_int_equal(hb_authinfo_key(rsa.authinfo, fp, &err), HB_OK);
    assert_string_equal(fp, rsa.fingerprint);
}

static void sha256_agrees_with_gnutls_at_every_length(void **state)
{
    (void)state;
    unsigned char in[300], md[HB_SHA256_LEN];
    char ours[HB_DIGEST_B64_LEN + 1], theirs[HB_DIGEST_B64_LEN + 1];
    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = (unsigned char)(i * 37 + 11);
    for (size_t n = 0; n <= sizeof(in); n++) {
        hb_sha256(in, n, md);
        hb_b64url(md, sizeof(md), ours);
        assert_true(hb_sha256_b64url(in, n, theirs));
        assert_string_equal(ours, theirs);
    }
}

static void base64_decodes_what_it_encodes(void **state)
{
    (void)state;
    unsigned char in[40], out[40];
    char text[HB_B64_NOPAD_LEN(40) + 1];
    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = (unsigned char)(255 - i * 7);
    for (size_t n = 0; n <= sizeof(in); n++) {
        hb_b64_nopad(in, n, text);
        assert_int_equal(hb_b64_decode(text, strlen(text), out, sizeof(out)),
                         (long)n);
        assert_memory_equal(in, out, n);
    }
    assert_int_equal(hb_b64_decode("QUJD", 4, out, 2), -1);
    assert_int_equal(hb_b64_decode("QU-D", 4, out, sizeof(out)), -1);
    assert_int_equal(hb_b64_decode("QUJDR", 5, out, sizeof(out)), -1);
}

/* A fixed ed25519 key, made by ssh-keygen. */
static const char ed_line[] =
    "publickey ssh-ed25519 "
    "AAAAC3NzaC1lZDI1NTE5AAAAIMNeGToYADjHdaZxpvDRi8w/FbTv9epccuk/LIztiSSy";

static void other_methods_around_the_key_are_ignored(void **state)
{
    (void)state;
    char fp[HB_FINGERPRINT_MAX], alone[HB_FINGERPRINT_MAX];
    struct hb_error err = {0};
    assert_int_equal(hb_authinfo_key(ed_line, alone, &err), HB_OK);
    char *info = tu_printf("password\n%s\nkeyboard-interactive\n", ed_line);
    assert_int_equal(hb_authinfo_key(info, fp, &err), HB_OK);
    assert_string_equal(fp, alone);
    free(info);
}

static void two_keys_are_no_key(void **state)
{
    (void)state;
    char fp[HB_FINGERPRINT_MAX];
    struct hb_error err = {0};
    char *info = tu_printf("%s\n%s\n", ed_line, ed_line);
    assert_int_equal(hb_authinfo_key(info, fp, &err), HB_ERR_DENIED);
    assert_string_equal(err.msg, "more than one public key was proven");
    assert_string_equal(fp, "");
    free(info);
}

static void no_publickey_is_no_key(void **state)
{
    (void)state;
    char fp[HB_FINGERPRINT_MAX];
    struct hb_error err = {0};
    assert_int_equal(hb_authinfo_key("password\n", fp, &err), HB_ERR_DENIED);
    assert_string_equal(err.msg, "no public key was proven before this module");
    assert_int_equal(hb_authinfo_key(NULL, fp, &err), HB_ERR_DENIED);
    assert_string_equal(err.msg, "sshd passed no authentication methods "
                                 "(SSH_AUTH_INFO_0 is not set)");
    assert_int_equal(hb_authinfo_key("publickeyssh-ed25519 AAAA", fp, &err),
                     HB_ERR_DENIED);
    assert_int_equal(hb_authinfo_key(" publickey ssh-ed25519 AAAA", fp, &err),
                     HB_ERR_DENIED);
}

static void garbage_is_no_key(void **state)
{
    (void)state;
    char fp[HB_FINGERPRINT_MAX];
    struct hb_error err = {0};
    assert_int_equal(hb_authinfo_key("publickey ssh-ed25519 !!!!", fp, &err),
                     HB_ERR_DENIED);
    assert_string_equal(err.msg, "the public key is not base64");
    assert_int_equal(hb_authinfo_key("publickey ssh-ed25519", fp, &err),
                     HB_ERR_DENIED);
    assert_int_equal(hb_authinfo_key("publickey  AAAA", fp, &err),
                     HB_ERR_DENIED);
    /* The blob names another type than the line. */
    const char *rsa_named =
        "publickey ssh-rsa "
        "AAAAC3NzaC1lZDI1NTE5AAAAIMNeGToYADjHdaZxpvDRi8w/FbTv9epccuk/LIztiSSy";
    assert_int_equal(hb_authinfo_key(rsa_named, fp, &err), HB_ERR_DENIED);
    assert_string_equal(err.msg,
                        "the public key is not a key of its named type");
    char *trailing = tu_printf("%s comment", ed_line);
    assert_int_equal(hb_authinfo_key(trailing, fp, &err), HB_ERR_DENIED);
    assert_string_equal(err.msg, "the publickey line is malformed");
    free(trailing);
    assert_int_equal(
        hb_authinfo_key("publickey ssh-ed25519-cert-v01@openssh.com AAAA", fp,
                        &err),
        HB_ERR_DENIED);
    assert_non_null(strstr(err.msg, "certificate"));
    assert_string_equal(fp, "");
}

static void huge_authinfo_is_no_key(void **state)
{
    (void)state;
    char fp[HB_FINGERPRINT_MAX];
    struct hb_error err = {0};
    size_t n = HB_AUTHINFO_MAX + 10;
    char *info = malloc(n + 1);
    assert_non_null(info);
    memset(info, 'A', n);
    memcpy(info, ed_line, strlen(ed_line));
    info[n] = '\0';
    assert_int_equal(hb_authinfo_key(info, fp, &err), HB_ERR_DENIED);
    assert_string_equal(err.msg, "SSH_AUTH_INFO_0 is too long");
    free(info);
}

/* A C string ends at a NUL: what follows is never seen, and a key cut
 * short by one is no key. */
static void embedded_nul_cuts_the_key(void **state)
{
    (void)state;
    char fp[HB_FINGERPRINT_MAX];
    struct hb_error err = {0};
    char info[sizeof(ed_line)];
    memcpy(info, ed_line, sizeof(ed_line));
    info[sizeof(ed_line) - 10] = '\0';
    assert_int_equal(hb_authinfo_key(info, fp, &err), HB_ERR_DENIED);
    assert_string_equal(err.msg,
                        "the public key is not a key of its named type");
    /* So is one with bytes after it. */
    char *longer = tu_printf("%sAAAA", ed_line);
    assert_int_equal(hb_authinfo_key(longer, fp, &err), HB_ERR_DENIED);
    free(longer);
}

/* ---- the store and the match */

static char *store;

static void make_cfg(struct hb_config *cfg, const char *map_text, long window)
{
    hb_config_init(cfg);
    cfg->map_file = tu_file("map", map_text, 0644);
    cfg->reuse_dir = strdup(store);
    cfg->reuse_for_key = window;
}

static int fresh_store(void **state)
{
    (void)state;
    store = tu_printf("%s/store", tu_dir());
    return 0;
}

static int drop_store(void **state)
{
    (void)state;
    char *cmd = tu_printf("rm -rf '%s'", store);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(store);
    return 0;
}

static const char fp_a[] = "SHA256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char fp_b[] = "SHA256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

static void record_alice(struct hb_config *cfg, time_t now)
{
    struct hb_profile profile = {.uuid = uuid, .username = alice_h};
    struct hb_error err = {0};
    assert_int_equal(
        hb_reuse_key_record(cfg, "alice", fp_a, &profile, 2, now, &err), HB_OK);
}

static const char map2[] = "# the map\nuuid:" UUID " alice\n";

static void same_key_within_the_window_is_reused(void **state)
{
    (void)state;
    struct hb_config cfg;
    struct hb_reuse_record r;
    struct hb_error err = {0};
    make_cfg(&cfg, map2, 3600);
    time_t now = time(NULL);
    record_alice(&cfg, now);
    assert_int_equal(hb_reuse_key_find(&cfg, "alice", fp_a, now + 10, &r, &err),
                     HB_OK);
    assert_string_equal(r.uuid, UUID);
    assert_string_equal(r.username, "alice-h");
    assert_string_equal(r.bound, fp_a);
    assert_int_equal(r.expires, (long long)now + 3600);
    /* The store is root's alone. */
    struct stat st;
    assert_int_equal(stat(store, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    char *file = tu_printf("%s/keys", store);
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_uid, 0);
    free(file);
    hb_config_free(&cfg);
}

static void another_key_or_user_is_not_reused(void **state)
{
    (void)state;
    struct hb_config cfg;
    struct hb_reuse_record r;
    struct hb_error err = {0};
    make_cfg(&cfg, "uuid:" UUID " alice\nuuid:" UUID " bob\n", 3600);
    time_t now = time(NULL);
    struct hb_profile profile = {.uuid = uuid};
    assert_int_equal(
        hb_reuse_key_record(&cfg, "alice", fp_a, &profile, 1, now, &err),
        HB_OK);
    assert_int_equal(hb_reuse_key_find(&cfg, "alice", fp_b, now, &r, &err),
                     HB_ERR_DENIED);
    assert_string_equal(err.msg, "no approval recorded for this user and key");
    assert_int_equal(hb_reuse_key_find(&cfg, "bob", fp_a, now, &r, &err),
                     HB_ERR_DENIED);
    assert_string_equal(r.uuid, "");
    hb_config_free(&cfg);
}

static void after_the_window_is_not_reused(void **state)
{
    (void)state;
    struct hb_config cfg;
    struct hb_reuse_record r;
    struct hb_error err = {0};
    make_cfg(&cfg, map2, 600);
    time_t now = time(NULL);
    record_alice(&cfg, now);
    assert_int_equal(
        hb_reuse_key_find(&cfg, "alice", fp_a, now + 599, &r, &err), HB_OK);
    assert_int_equal(
        hb_reuse_key_find(&cfg, "alice", fp_a, now + 600, &r, &err),
        HB_ERR_DENIED);
    assert_string_equal(err.msg, "the approval's window has passed");
    /* A clock set back gives no younger approval. */
    assert_int_equal(hb_reuse_key_find(&cfg, "alice", fp_a, now - 5, &r, &err),
                     HB_ERR_DENIED);
    /* A shorter window, or none, applies to what was stored. */
    cfg.reuse_for_key = 60;
    assert_int_equal(hb_reuse_key_find(&cfg, "alice", fp_a, now + 60, &r, &err),
                     HB_ERR_DENIED);
    cfg.reuse_for_key = 0;
    assert_int_equal(hb_reuse_key_find(&cfg, "alice", fp_a, now, &r, &err),
                     HB_ERR_DENIED);
    hb_config_free(&cfg);
}

static void map_line_changed_or_removed_is_not_reused(void **state)
{
    (void)state;
    struct hb_config cfg;
    struct hb_reuse_record r;
    struct hb_error err = {0};
    make_cfg(&cfg, map2, 3600);
    time_t now = time(NULL);
    record_alice(&cfg, now);
    /* The same mapping moved to another line is still the same line. */
    tu_write(cfg.map_file, "# the map\n\nuuid:" UUID " alice\n", 0644);
    assert_int_equal(hb_reuse_key_find(&cfg, "alice", fp_a, now, &r, &err),
                     HB_OK);
    tu_write(cfg.map_file, "# the map\nuuid:" UUID " alice # moved\n", 0644);
    assert_int_equal(hb_reuse_key_find(&cfg, "alice", fp_a, now, &r, &err),
                     HB_ERR_DENIED);
    assert_string_equal(err.msg, "the mapping no longer allows it: the map "
                                 "line that allowed it has changed");
    tu_write(cfg.map_file, "uuid:0123456789abcdef alice\n", 0644);
    assert_int_equal(hb_reuse_key_find(&cfg, "alice", fp_a, now, &r, &err),
                     HB_ERR_DENIED);
    assert_non_null(strstr(err.msg, "the mapping no longer allows it: "));
    hb_config_free(&cfg);
}

static void rewrite_store(const char *from, const char *to)
{
    char *cmd = tu_printf("sed -i 's/%s/%s/' '%s/keys'", from, to, store);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

static void another_boot_is_not_reused(void **state)
{
    (void)state;
    struct hb_config cfg;
    struct hb_reuse_record r;
    struct hb_error err = {0};
    char boot[HB_BOOT_ID_MAX];
    make_cfg(&cfg, map2, 3600);
    time_t now = time(NULL);
    record_alice(&cfg, now);
    assert_true(hb_boot_id(boot));
    rewrite_store(boot, "00000000-0000-0000-0000-000000000000");
    assert_int_equal(hb_reuse_key_find(&cfg, "alice", fp_a, now, &r, &err),
                     HB_ERR_DENIED);
    assert_string_equal(err.msg, "the approval was in an earlier boot");
    hb_config_free(&cfg);
}

static void revoke_ends_reuse(void **state)
{
    (void)state;
    struct hb_config cfg;
    struct hb_reuse_record r;
    struct hb_error err = {0};
    size_t removed = 0;
    make_cfg(&cfg, "uuid:" UUID " alice\nuuid:" UUID " bob\n", 3600);
    time_t now = time(NULL);
    struct hb_profile profile = {.uuid = uuid};
    assert_int_equal(
        hb_reuse_key_record(&cfg, "alice", fp_a, &profile, 1, now, &err),
        HB_OK);
    assert_int_equal(
        hb_reuse_key_record(&cfg, "alice", fp_b, &profile, 1, now, &err),
        HB_OK);
    assert_int_equal(
        hb_reuse_key_record(&cfg, "bob", fp_a, &profile, 2, now, &err), HB_OK);
    /* The same user and key again replaces its record. */
    assert_int_equal(
        hb_reuse_key_record(&cfg, "bob", fp_a, &profile, 2, now, &err), HB_OK);
    assert_int_equal(hb_reuse_revoke(store, "alice", &removed, &err), HB_OK);
    assert_int_equal(removed, 2);
    assert_int_equal(hb_reuse_key_find(&cfg, "alice", fp_a, now, &r, &err),
                     HB_ERR_DENIED);
    assert_int_equal(hb_reuse_key_find(&cfg, "bob", fp_a, now, &r, &err),
                     HB_OK);
    assert_int_equal(hb_reuse_revoke(store, NULL, &removed, &err), HB_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(hb_reuse_key_find(&cfg, "bob", fp_a, now, &r, &err),
                     HB_ERR_DENIED);
    hb_config_free(&cfg);
}

static void the_store_keeps_a_bounded_number(void **state)
{
    (void)state;
    struct hb_config cfg;
    struct hb_error err = {0};
    make_cfg(&cfg, map2, 3600);
    time_t now = time(NULL);
    struct hb_profile profile = {.uuid = uuid};
    char fp[HB_FINGERPRINT_MAX];
    for (int i = 0; i < HB_REUSE_RECORDS_MAX + 5; i++) {
        snprintf(fp, sizeof(fp), "SHA256:%043d", i);
        assert_int_equal(
            hb_reuse_key_record(&cfg, "alice", fp, &profile, 2, now, &err),
            HB_OK);
    }
    struct hb_reuse_record *recs = NULL;
    size_t n = 0;
    assert_int_equal(hb_reuse_load(store, &recs, &n, &err), HB_OK);
    assert_int_equal(n, HB_REUSE_RECORDS_MAX);
    snprintf(fp, sizeof(fp), "SHA256:%043d", 5);
    assert_string_equal(recs[0].bound, fp);
    free(recs);
    hb_config_free(&cfg);
}

static void expect_refused(const char *why)
{
    struct hb_config cfg;
    struct hb_reuse_record r;
    struct hb_error err = {0};
    make_cfg(&cfg, map2, 3600);
    assert_int_equal(
        hb_reuse_key_find(&cfg, "alice", fp_a, time(NULL), &r, &err),
        HB_ERR_CONFIG);
    if (strstr(err.msg, why) == NULL)
        fail_msg("expected '%s' in '%s'", why, err.msg);
    hb_config_free(&cfg);
}

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void run(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    assert_int_equal(system(cmd), 0);
}

static void store_not_root_only_is_refused(void **state)
{
    (void)state;
    struct hb_config cfg;
    make_cfg(&cfg, map2, 3600);
    record_alice(&cfg, time(NULL));
    hb_config_free(&cfg);

    run("chmod 755 '%s'", store);
    expect_refused("must be a directory owned by root with mode 700");
    run("chmod 700 '%s' && chmod 644 '%s/keys'", store, store);
    expect_refused("readable by group or others");
    run("chmod 400 '%s/keys'", store);
    expect_refused("must have mode 600, not 400");
    run("chmod 600 '%s/keys' && chown 65534 '%s/keys'", store, store);
    expect_refused("is owned by uid 65534, not 0");
    run("chown 0 '%s/keys' && chown 65534 '%s'", store, store);
    expect_refused("must be a directory owned by root with mode 700");
    run("chown 0 '%s'", store);
}

static void store_symlinks_are_refused(void **state)
{
    (void)state;
    struct hb_config cfg;
    make_cfg(&cfg, map2, 3600);
    record_alice(&cfg, time(NULL));
    hb_config_free(&cfg);
    run("mv '%s/keys' '%s/real' && ln -s real '%s/keys'", store, store, store);
    expect_refused("is a symbolic link");
    run("rm '%s/keys' && mv '%s/real' '%s/keys'", store, store, store);
    run("mv '%s' '%s.real' && ln -s '%s.real' '%s'", store, store, store,
        store);
    expect_refused("not a directory (a symbolic link?)");
    /* Nor is one written through. */
    struct hb_error err = {0};
    size_t removed = 0;
    assert_int_equal(hb_reuse_revoke(store, NULL, &removed, &err),
                     HB_ERR_CONFIG);
    run("rm '%s' && mv '%s.real' '%s'", store, store, store);
}

static void malformed_store_is_refused(void **state)
{
    (void)state;
    struct hb_config cfg;
    make_cfg(&cfg, map2, 3600);
    record_alice(&cfg, time(NULL));
    hb_config_free(&cfg);
    run("echo 'alice not-a-record' >>'%s/keys'", store);
    expect_refused("line 2 is malformed");
}

/* A process that is not root never reads or writes the store, even one
 * of its own making (a user's PAM application names any store). */
static void not_root_is_refused(void **state)
{
    (void)state;
    struct hb_config cfg;
    make_cfg(&cfg, map2, 3600);
    record_alice(&cfg, time(NULL));
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct hb_reuse_record r;
        struct hb_error err = {0};
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(2);
        enum hb_status s =
            hb_reuse_key_find(&cfg, "alice", fp_a, time(NULL), &r, &err);
        _exit(s == HB_ERR_CONFIG && strstr(err.msg, "only be used as root")
                  ? 0
                  : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    hb_config_free(&cfg);
}

static void reuse_keys_take_a_duration_up_to_12h(void **state)
{
    (void)state;
    struct hb_config cfg;
    struct hb_error err = {0};
    hb_config_init(&cfg);
    assert_int_equal(cfg.reuse_for_key, 0);
    assert_int_equal(hb_config_set(&cfg, "reuse_for_key", "8h", false, &err),
                     HB_OK);
    assert_int_equal(cfg.reuse_for_key, 8 * 3600);
    assert_int_equal(hb_config_set(&cfg, "reuse_for_key", "90m", false, &err),
                     HB_OK);
    assert_int_equal(cfg.reuse_for_key, 5400);
    assert_int_equal(hb_config_set(&cfg, "reuse_for_key", "0", false, &err),
                     HB_OK);
    assert_int_equal(cfg.reuse_for_key, 0);
    assert_int_equal(hb_config_set(&cfg, "reuse_for_key", "12h", false, &err),
                     HB_OK);
    assert_int_equal(hb_config_set(&cfg, "reuse_for_key", "721m", false, &err),
                     HB_ERR_CONFIG);
    assert_string_equal(err.msg, "bad value for reuse_for_key: expected a "
                                 "time such as 30m or 8h, from 0 (off) to 12h");
    assert_int_equal(hb_config_set(&cfg, "reuse_for_key", "1d", false, &err),
                     HB_ERR_CONFIG);
    assert_int_equal(hb_config_set(&cfg, "reuse_for_key", "-1", false, &err),
                     HB_ERR_CONFIG);
    assert_int_equal(cfg.reuse_for_key, 12 * 3600);
    /* session_reuse takes the same times. */
    assert_int_equal(cfg.session_reuse, 0);
    assert_int_equal(hb_config_set(&cfg, "session_reuse", "8h", false, &err),
                     HB_OK);
    assert_int_equal(cfg.session_reuse, 8 * 3600);
    assert_int_equal(hb_config_set(&cfg, "session_reuse", "13h", false, &err),
                     HB_ERR_CONFIG);
    hb_config_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fingerprint_is_what_ssh_keygen_prints),
        cmocka_unit_test(sha256_agrees_with_gnutls_at_every_length),
        cmocka_unit_test(base64_decodes_what_it_encodes),
        cmocka_unit_test(other_methods_around_the_key_are_ignored),
        cmocka_unit_test(two_keys_are_no_key),
        cmocka_unit_test(no_publickey_is_no_key),
        cmocka_unit_test(garbage_is_no_key),
        cmocka_unit_test(huge_authinfo_is_no_key),
        cmocka_unit_test(embedded_nul_cuts_the_key),
        cmocka_unit_test_setup_teardown(same_key_within_the_window_is_reused,
                                        fresh_store, drop_store),
        cmocka_unit_test_setup_teardown(another_key_or_user_is_not_reused,
                                        fresh_store, drop_store),
        cmocka_unit_test_setup_teardown(after_the_window_is_not_reused,
                                        fresh_store, drop_store),
        cmocka_unit_test_setup_teardown(
            map_line_changed_or_removed_is_not_reused, fresh_store, drop_store),
        cmocka_unit_test_setup_teardown(another_boot_is_not_reused, fresh_store,
                                        drop_store),
        cmocka_unit_test_setup_teardown(revoke_ends_reuse, fresh_store,
                                        drop_store),
        cmocka_unit_test_setup_teardown(the_store_keeps_a_bounded_number,
                                        fresh_store, drop_store),
        cmocka_unit_test_setup_teardown(store_not_root_only_is_refused,
                                        fresh_store, drop_store),
        cmocka_unit_test_setup_teardown(store_symlinks_are_refused, fresh_store,
                                        drop_store),
        cmocka_unit_test_setup_teardown(malformed_store_is_refused, fresh_store,
                                        drop_store),
        cmocka_unit_test_setup_teardown(not_root_is_refused, fresh_store,
                                        drop_store),
        cmocka_unit_test(reuse_keys_take_a_duration_up_to_12h),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
