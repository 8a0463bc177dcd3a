/* SPDX-License-Identifier: BSD-2-Clause */
/* Deciding whether a haobtc identity may log in as the requested local
 * account: the map file, match=uuid|username, and same_name. */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "identity.h"
#include "logsafe.h"
#include "safefile.h"

#define LOGIN_DEFS "/etc/login.defs"
#define UID_MIN_DEFAULT 1000
#define UID_MAX_DEFAULT 60000
/* Room for a 64-byte name escaped in part: error texts stay well under
 * HB_ERRMSG_MAX, and a longer or stranger name is shown cut short. */
#define NAME_SHOWN_MAX 96

bool hb_username_is_plain(const char *name)
{
    size_t n = 0;
    if (name == NULL)
        return false;
    for (; name[n] != '\0'; n++) {
        unsigned char c = (unsigned char)name[n];
        if (n >= HB_USERNAME_MAX ||
            !(isalnum(c) || c == '.' || c == '_' || c == '-') || c >= 0x80)
            return false;
    }
    return n > 0;
}

/* Hex digits only, lower case, dashes dropped: "5F1C-2A" and "5f1c2a" are
 * the same uuid. False for anything that is not hex. */
static bool uuid_normalize(const char *in, char *out, size_t n)
{
    size_t len = 0;
    if (in == NULL)
        return false;
    for (; *in != '\0'; in++) {
        unsigned char c = (unsigned char)*in;
        if (c == '-')
            continue;
        if (!isxdigit(c) || c >= 0x80 || len + 1 >= n)
            return false;
        out[len++] = (char)tolower(c);
    }
    out[len] = '\0';
    return len > 0;
}

bool hb_uuid_is_valid(const char *uuid)
{
    char norm[HB_UUID_MAX + 1];
    return uuid != NULL && strlen(uuid) <= HB_UUID_MAX &&
           uuid_normalize(uuid, norm, sizeof(norm));
}

bool hb_uuid_equal(const char *a, const char *b)
{
    char na[HB_UUID_MAX + 1], nb[HB_UUID_MAX + 1];
    return uuid_normalize(a, na, sizeof(na)) &&
           uuid_normalize(b, nb, sizeof(nb)) && strcmp(na, nb) == 0;
}

static bool local_uid(const char *name, uid_t *uid)
{
    struct passwd pw, *found = NULL;
    char buf[4096];
    if (getpwnam_r(name, &pw, buf, sizeof(buf), &found) != 0 || found == NULL)
        return false;
    *uid = found->pw_uid;
    return true;
}

static bool local_user_exists(const char *name)
{
    uid_t uid;
    return local_uid(name, &uid);
}

/* The value of KEY on a login.defs line: (uid_t)-1 when the line sets
 * something else, 0 when the value is not a decimal number from 1 to the
 * largest real uid. */
static uid_t parse_uid_line(const char *line, const char *key)
{
    while (*line == ' ' || *line == '\t')
        line++;
    /* "UID_MIN" alone is that key with a bad value; "UID_MINX" is not it. */
    size_t n = strlen(key);
    if (strncmp(line, key, n) != 0 ||
        (line[n] != '\0' && strchr(" \t\r", line[n]) == NULL))
        return (uid_t)-1;
    const char *start = line + n;
    while (*start == ' ' || *start == '\t')
        start++;
    char *end = NULL;
    errno = 0;
    long v = strtol(start, &end, 10);
    if (errno != 0 || end == start || v < 1 ||
        (unsigned long)v >= (unsigned long)(uid_t)-1)
        return 0;
    while (*end == ' ' || *end == '\t' || *end == '\r')
        end++;
    return *end == '\0' ? (uid_t)v : 0;
}

static uid_t login_defs_uid(const char *path, const char *key, uid_t fallback)
{
    char *text = NULL;
    size_t len = 0;
    struct hb_error err = {0};
    /* A login.defs anyone but root could change says nothing about which
     * accounts are the system's, so it counts as missing. */
    if (hb_read_safe_file(path, 0, false, &text, &len, NULL, &err) != HB_OK)
        return fallback;
    /* The last line for the key wins, as in shadow's own reading of the
     * file; when that line is garbage the default applies. */
    uid_t found = (uid_t)-1;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        uid_t v = parse_uid_line(line, key);
        if (v != (uid_t)-1)
            found = v;
    }
    free(text);
    return found == (uid_t)-1 || found == 0 ? fallback : found;
}

uid_t hb_uid_min(const char *login_defs_path)
{
    return login_defs_uid(login_defs_path, "UID_MIN", UID_MIN_DEFAULT);
}

uid_t hb_uid_max(const char *login_defs_path)
{
    return login_defs_uid(login_defs_path, "UID_MAX", UID_MAX_DEFAULT);
}

/* same_name trusts a haobtc username, and haobtc usernames are first come,
 * first served: anyone may register "root" or "alice". So it applies only
 * to ordinary accounts that the map does not already give to someone. */
static enum hb_status same_name_allowed(const char *user, bool named_in_map,
                                        struct hb_error *err)
{
    char shown[NAME_SHOWN_MAX];
    hb_log_escape(user, shown, sizeof(shown));
    uid_t uid;
    if (!local_uid(user, &uid))
        return hb_fail(err, HB_ERR_DENIED,
                       "same_name does not apply: local user %s does not "
                       "exist",
                       shown);
    uid_t uid_min = hb_uid_min(LOGIN_DEFS);
    if (uid == 0 || uid < uid_min)
        return hb_fail(err, HB_ERR_DENIED,
                       "same_name never maps to system account %s (uid %lu < "
                       "UID_MIN %lu)",
                       shown, (unsigned long)uid, (unsigned long)uid_min);
    /* Above UID_MAX live accounts such as nobody (65534): not a person's. */
    uid_t uid_max = hb_uid_max(LOGIN_DEFS);
    if (uid > uid_max)
        return hb_fail(err, HB_ERR_DENIED,
                       "same_name never maps to account %s outside the "
                       "ordinary range (uid %lu > UID_MAX %lu)",
                       shown, (unsigned long)uid, (unsigned long)uid_max);
    if (named_in_map)
        return hb_fail(err, HB_ERR_DENIED,
                       "same_name does not apply: the map names local user "
                       "%s for another identity",
                       shown);
    return HB_OK;
}

/* Whether one map line's identity names this profile. */
static bool entry_matches(const struct hb_config *cfg, const char *identity,
                          const struct hb_profile *profile)
{
    if (cfg->match == HB_MATCH_UUID && strncmp(identity, "uuid:", 5) == 0)
        return hb_uuid_equal(identity + 5, profile->uuid);
    if (cfg->match == HB_MATCH_USERNAME &&
        strncmp(identity, "username:", 9) == 0)
        return hb_username_is_plain(profile->username) &&
               strcmp(identity + 9, profile->username) == 0;
    return false;
}

static enum hb_status check_entry_syntax(const char *map, unsigned line_no,
                                         const char *identity,
                                         const char *local,
                                         struct hb_error *err)
{
    bool ok;
    if (strncmp(identity, "uuid:", 5) == 0)
        ok = hb_uuid_is_valid(identity + 5);
    else if (strncmp(identity, "username:", 9) == 0)
        ok = hb_username_is_plain(identity + 9);
    else
        return hb_fail(err, HB_ERR_CONFIG,
                       "%s line %u: identity must start with uuid: or "
                       "username:",
                       map, line_no);
    if (!ok)
        return hb_fail(err, HB_ERR_CONFIG, "%s line %u: malformed identity",
                       map, line_no);
    if (!hb_username_is_plain(local))
        return hb_fail(err, HB_ERR_CONFIG,
                       "%s line %u: malformed local user name", map, line_no);
    return HB_OK;
}

bool hb_map_next(struct hb_map_line *m)
{
    while (m->next != NULL) {
        char *line = m->next;
        m->next = strchr(line, '\n');
        if (m->next != NULL)
            *m->next++ = '\0';
        m->line_no++;
        char *hash = strchr(line, '#');
        if (hash != NULL)
            *hash = '\0';
        char *save = NULL;
        m->identity = strtok_r(line, " \t\r", &save);
        m->user = m->identity != NULL ? strtok_r(NULL, " \t\r", &save) : NULL;
        m->extra = m->user != NULL ? strtok_r(NULL, " \t\r", &save) : NULL;
        if (m->identity != NULL)
            return true;
    }
    return false;
}

enum hb_status hb_map_lookup(const struct hb_config *cfg, char *text,
                             const struct hb_profile *profile,
                             const char *pam_user, char *local, size_t n,
                             bool *names_pam_user, unsigned *line_found,
                             struct hb_error *err)
{
    local[0] = '\0';
    *names_pam_user = false;
    if (line_found != NULL)
        *line_found = 0;
    enum hb_status status = HB_OK;

    /* An identity may map to several accounts; the one being logged in to
     * wins, otherwise the first names the account in the error. */
    struct hb_map_line m = {.next = text};
    while (status == HB_OK && hb_map_next(&m)) {
        const char *identity = m.identity, *user = m.user;
        unsigned line_no = m.line_no;
        if (user == NULL || m.extra != NULL) {
            status = hb_fail(err, HB_ERR_CONFIG,
                             "%s line %u: expected 'IDENTITY LOCALUSER'",
                             cfg->map_file, line_no);
            break;
        }
        status =
            check_entry_syntax(cfg->map_file, line_no, identity, user, err);
        if (status != HB_OK)
            continue;
        /* Any entry, uuid: or username:, whatever match says. */
        if (strcmp(user, pam_user) == 0)
            *names_pam_user = true;
        if (!entry_matches(cfg, identity, profile))
            continue;
        if (local[0] == '\0' || strcmp(user, pam_user) == 0) {
            if (strlen(user) >= n) {
                status = hb_fail(err, HB_ERR_CONFIG, "local name too long");
                break;
            }
            memcpy(local, user, strlen(user) + 1);
            if (line_found != NULL)
                *line_found = line_no;
        }
    }
    if (status != HB_OK)
        local[0] = '\0';
    return status;
}

enum hb_status hb_identity_lookup(const struct hb_config *cfg,
                                  const struct hb_profile *profile,
                                  const char *pam_user, char *local, size_t n,
                                  unsigned *map_line, struct hb_error *err)
{
    local[0] = '\0';
    if (!hb_uuid_is_valid(profile->uuid))
        return hb_fail(err, HB_ERR_DENIED, "haobtc uuid is not hex");
    if (cfg->match == HB_MATCH_USERNAME &&
        !hb_username_is_plain(profile->username))
        return hb_fail(err, HB_ERR_DENIED,
                       "haobtc username is missing or not plain ASCII "
                       "[A-Za-z0-9._-]");

    char *text = NULL;
    size_t len = 0;
    enum hb_status status =
        hb_read_safe_file(cfg->map_file, 0, false, &text, &len, NULL, err);
    if (status != HB_OK)
        return status;
    bool names_pam_user = false;
    status = hb_map_lookup(cfg, text, profile, pam_user, local, n,
                           &names_pam_user, map_line, err);
    free(text);
    if (status != HB_OK)
        return status;

    if (local[0] == '\0' && cfg->same_name &&
        hb_username_is_plain(profile->username) &&
        strcmp(profile->username, pam_user) == 0) {
        status = same_name_allowed(pam_user, names_pam_user, err);
        if (status != HB_OK)
            return status;
        if (strlen(pam_user) >= n)
            return hb_fail(err, HB_ERR_CONFIG, "local name too long");
        memcpy(local, pam_user, strlen(pam_user) + 1);
    }
    if (local[0] == '\0')
        return hb_fail(err, HB_ERR_DENIED, "haobtc identity is not in %s%s",
                       cfg->map_file,
                       cfg->same_name ? " and its username is not the "
                                        "local name"
                                      : "");
    return HB_OK;
}

enum hb_status hb_identity_check(const struct hb_config *cfg,
                                 const struct hb_profile *profile,
                                 const char *pam_user, unsigned *map_line,
                                 struct hb_error *err)
{
    char local[HB_USERNAME_MAX + 1];
    enum hb_status status = hb_identity_lookup(cfg, profile, pam_user, local,
                                               sizeof(local), map_line, err);
    if (status != HB_OK)
        return status;
    /* pam_user is whatever the caller typed, newlines included. */
    char local_shown[NAME_SHOWN_MAX], user_shown[NAME_SHOWN_MAX];
    hb_log_escape(local, local_shown, sizeof(local_shown));
    hb_log_escape(pam_user, user_shown, sizeof(user_shown));
    if (strcmp(local, pam_user) != 0)
        return hb_fail(err, HB_ERR_DENIED,
                       "haobtc identity maps to local user %s, not %s",
                       local_shown, user_shown);
    if (!local_user_exists(pam_user))
        return hb_fail(err, HB_ERR_DENIED, "local user %s does not exist",
                       user_shown);
    return HB_OK;
}
