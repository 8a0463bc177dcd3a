/* Deciding whether a haobtc identity may log in as the requested local
 * account: the map file, match=uuid|username, and same_name. */
#include "autoconf.h"

#include <ctype.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "identity.h"
#include "safefile.h"

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

static bool local_user_exists(const char *name)
{
    struct passwd pw, *found = NULL;
    char buf[4096];
    return getpwnam_r(name, &pw, buf, sizeof(buf), &found) == 0 &&
           found != NULL;
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

enum hb_status hb_identity_lookup(const struct hb_config *cfg,
                                  const struct hb_profile *profile,
                                  const char *pam_user, char *local, size_t n,
                                  struct hb_error *err)
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

    /* An identity may map to several accounts; the one being logged in to
     * wins, otherwise the first names the account in the error. */
    unsigned line_no = 0;
    char *line = text;
    while (line != NULL && status == HB_OK) {
        char *next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        line_no++;
        char *hash = strchr(line, '#');
        if (hash != NULL)
            *hash = '\0';
        char *save = NULL;
        char *identity = strtok_r(line, " \t\r", &save);
        char *user = identity != NULL ? strtok_r(NULL, " \t\r", &save) : NULL;
        char *extra = user != NULL ? strtok_r(NULL, " \t\r", &save) : NULL;
        line = next;
        if (identity == NULL)
            continue;
        if (user == NULL || extra != NULL) {
            status = hb_fail(err, HB_ERR_CONFIG,
                             "%s line %u: expected 'IDENTITY LOCALUSER'",
                             cfg->map_file, line_no);
            break;
        }
        status =
            check_entry_syntax(cfg->map_file, line_no, identity, user, err);
        if (status != HB_OK || !entry_matches(cfg, identity, profile))
            continue;
        if (local[0] == '\0' || strcmp(user, pam_user) == 0) {
            if (strlen(user) >= n) {
                status = hb_fail(err, HB_ERR_CONFIG, "local name too long");
                break;
            }
            memcpy(local, user, strlen(user) + 1);
        }
    }
    free(text);
    if (status != HB_OK)
        return status;

    if (local[0] == '\0' && cfg->same_name &&
        hb_username_is_plain(profile->username) &&
        strcmp(profile->username, pam_user) == 0)
        memcpy(local, pam_user, strlen(pam_user) + 1);
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
                                 const char *pam_user, struct hb_error *err)
{
    char local[HB_USERNAME_MAX + 1];
    enum hb_status status =
        hb_identity_lookup(cfg, profile, pam_user, local, sizeof(local), err);
    if (status != HB_OK)
        return status;
    if (strcmp(local, pam_user) != 0)
        return hb_fail(err, HB_ERR_DENIED,
                       "haobtc identity maps to local user %s, not %s", local,
                       pam_user);
    if (!local_user_exists(pam_user))
        return hb_fail(err, HB_ERR_DENIED, "local user %s does not exist",
                       pam_user);
    return HB_OK;
}
