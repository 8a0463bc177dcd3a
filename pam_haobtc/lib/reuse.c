/* SPDX-License-Identifier: BSD-2-Clause */
/* Reusing an sshd approval for the same user and the same proven SSH key:
 * the key from SSH_AUTH_INFO_0 and the match (the store is reuse_store.c). */
#include "autoconf.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "identity.h"
#include "reuse.h"
#include "safefile.h"
#include "text.h"

/* The largest key blob taken: well over a 16384-bit RSA key. */
#define BLOB_MAX 8192

void hb_key_fingerprint(const unsigned char *blob, size_t n,
                        char fp[HB_FINGERPRINT_MAX])
{
    unsigned char md[HB_SHA256_LEN];
    hb_sha256(blob, n, md);
    memcpy(fp, "SHA256:", 7);
    hb_b64_nopad(md, sizeof(md), fp + 7);
}

/* Every public key blob is SSH strings (a 32-bit length, then that many
 * bytes) end to end, at least the type and one more: a blob cut short or
 * with bytes after it is not one. */
static bool whole_strings(const unsigned char *p, size_t n)
{
    size_t at = 0, count = 0;
    while (at < n) {
        if (n - at < 4)
            return false;
        uint32_t len = (uint32_t)p[at] << 24 | (uint32_t)p[at + 1] << 16 |
                       (uint32_t)p[at + 2] << 8 | p[at + 3];
        at += 4;
        if (n - at < len)
            return false;
        at += len;
        count++;
    }
    return count >= 2;
}

/* "TYPE BASE64" of one publickey line: the blob must decode and start
 * with TYPE as an SSH string, as every key blob does. */
static enum hb_status key_of_line(const char *line, size_t len,
                                  char fp[HB_FINGERPRINT_MAX],
                                  struct hb_error *err)
{
    const char *type = line;
    const char *sp = memchr(line, ' ', len);
    if (sp == NULL || sp == type)
        return hb_fail(err, HB_ERR_DENIED, "the publickey line has no key");
    size_t type_len = (size_t)(sp - type);
    const char *b64 = sp + 1;
    size_t b64_len = len - type_len - 1;
    /* sshd writes nothing after the key; anything there is not sshd's. */
    if (b64_len == 0 || memchr(b64, ' ', b64_len) != NULL)
        return hb_fail(err, HB_ERR_DENIED, "the publickey line is malformed");
    if (memmem(type, type_len, "-cert-", 6) != NULL)
        return hb_fail(err, HB_ERR_DENIED,
                       "a certificate is not reused (its key's fingerprint "
                       "is not what sshd logs)");

    unsigned char *blob = malloc(BLOB_MAX);
    if (blob == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    long n = hb_b64_decode(b64, b64_len, blob, BLOB_MAX);
    enum hb_status status = HB_OK;
    if (n < 4) {
        status = hb_fail(err, HB_ERR_DENIED, "the public key is not base64");
    } else {
        uint32_t name_len = (uint32_t)blob[0] << 24 | (uint32_t)blob[1] << 16 |
                            (uint32_t)blob[2] << 8 | blob[3];
        if (name_len != type_len || (size_t)n - 4 < name_len ||
            memcmp(blob + 4, type, type_len) != 0 ||
            !whole_strings(blob, (size_t)n))
            status = hb_fail(err, HB_ERR_DENIED,
                             "the public key is not a key of its named type");
        else
            hb_key_fingerprint(blob, (size_t)n, fp);
    }
    free(blob);
    return status;
}

enum hb_status hb_authinfo_key(const char *info, char fp[HB_FINGERPRINT_MAX],
                               struct hb_error *err)
{
    fp[0] = '\0';
    if (info == NULL || info[0] == '\0')
        return hb_fail(err, HB_ERR_DENIED,
                       "sshd passed no authentication methods "
                       "(SSH_AUTH_INFO_0 is not set)");
    size_t total = strnlen(info, HB_AUTHINFO_MAX + 1);
    if (total > HB_AUTHINFO_MAX)
        return hb_fail(err, HB_ERR_DENIED, "SSH_AUTH_INFO_0 is too long");

    static const char method[] = "publickey ";
    const char *line = info, *key = NULL;
    size_t key_len = 0;
    unsigned keys = 0;
    while (line < info + total) {
        const char *nl = memchr(line, '\n', total - (size_t)(line - info));
        size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
        if (len > sizeof(method) - 1 &&
            memcmp(line, method, sizeof(method) - 1) == 0) {
            keys++;
            key = line + sizeof(method) - 1;
            key_len = len - (sizeof(method) - 1);
        }
        line += len + 1;
    }
    if (keys == 0)
        return hb_fail(err, HB_ERR_DENIED,
                       "no public key was proven before this module");
    /* Which of several keys would the record be bound to? None. */
    if (keys > 1)
        return hb_fail(err, HB_ERR_DENIED,
                       "more than one public key was proven");
    return key_of_line(key, key_len, fp, err);
}

bool hb_boot_id(char out[HB_BOOT_ID_MAX])
{
    out[0] = '\0';
    int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t got = read(fd, out, HB_BOOT_ID_MAX - 1);
    close(fd);
    if (got < 36)
        return false;
    out[36] = '\0';
    for (size_t i = 0; i < 36; i++) {
        char c = out[i];
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != '-'
                 : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            out[0] = '\0';
            return false;
        }
    }
    return true;
}

enum hb_status hb_map_line_digest(const struct hb_config *cfg, unsigned line_no,
                                  char out[HB_MAP_DIGEST_MAX],
                                  struct hb_error *err)
{
    unsigned char md[HB_SHA256_LEN];
    out[0] = '\0';
    if (line_no == 0) {
        hb_sha256("same_name", 9, md);
        hb_b64_nopad(md, sizeof(md), out);
        return HB_OK;
    }
    char *text = NULL;
    size_t len = 0;
    enum hb_status status =
        hb_read_safe_file(cfg->map_file, 0, false, &text, &len, NULL, err);
    if (status != HB_OK)
        return status;
    const char *line = text;
    for (unsigned i = 1; i < line_no && line != NULL; i++) {
        line = strchr(line, '\n');
        if (line != NULL)
            line++;
    }
    if (line == NULL || *line == '\0') {
        free(text);
        return hb_fail(err, HB_ERR_DENIED, "%s has no line %u", cfg->map_file,
                       line_no);
    }
    const char *end = strchr(line, '\n');
    hb_sha256(line, end != NULL ? (size_t)(end - line) : strlen(line), md);
    hb_b64_nopad(md, sizeof(md), out);
    free(text);
    return HB_OK;
}

static bool copy_field(char *dst, size_t n, const char *src)
{
    size_t len = strlen(src);
    if (len >= n)
        return false;
    memcpy(dst, src, len + 1);
    return true;
}

/* ---- the match */

enum hb_status hb_reuse_key_find(const struct hb_config *cfg, const char *user,
                                 const char *fp, time_t now,
                                 struct hb_reuse_record *found,
                                 struct hb_error *err)
{
    memset(found, 0, sizeof(*found));
    char boot[HB_BOOT_ID_MAX];
    if (!hb_boot_id(boot))
        return hb_fail(err, HB_ERR_DENIED, "this boot's id is unreadable");
    struct hb_reuse_record *recs = NULL;
    size_t n = 0;
    enum hb_status status = hb_reuse_load(cfg->reuse_dir, &recs, &n, err);
    if (status != HB_OK)
        return status;
    const struct hb_reuse_record *hit = NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(recs[i].user, user) == 0 && strcmp(recs[i].bound, fp) == 0)
            hit = &recs[i];
    status = HB_ERR_DENIED;
    if (hit == NULL)
        hb_fail(err, status, "no approval recorded for this user and key");
    else if (strcmp(hit->boot_id, boot) != 0)
        hb_fail(err, status, "the approval was in an earlier boot");
    /* A shorter reuse_for_key (0 among them) applies to what is stored;
     * a clock set back makes no approval younger. */
    else if (hit->approved > (long long)now ||
             (long long)now - hit->approved >= cfg->reuse_for_key ||
             (long long)now >= hit->expires)
        hb_fail(err, status, "the approval's window has passed");
    else
        status = HB_OK;
    if (status == HB_OK)
        *found = *hit;
    free(recs);
    if (status != HB_OK)
        return status;

    /* The map still gives this identity the account, by the same line. */
    struct hb_profile profile = {
        .uuid = found->uuid,
        .username = found->username[0] != '\0' ? found->username : NULL,
    };
    unsigned line = 0;
    char digest[HB_MAP_DIGEST_MAX];
    struct hb_error why = {0};
    status = hb_identity_check(cfg, &profile, user, &line, &why);
    if (status == HB_OK)
        status = hb_map_line_digest(cfg, line, digest, &why);
    if (status == HB_OK && strcmp(digest, found->map_digest) != 0)
        status = hb_fail(&why, HB_ERR_DENIED,
                         "the map line that allowed it "
                         "has changed");
    if (status != HB_OK) {
        memset(found, 0, sizeof(*found));
        return hb_fail(err,
                       status == HB_ERR_CONFIG ? HB_ERR_CONFIG : HB_ERR_DENIED,
                       "the mapping no longer allows it: %s", why.msg);
    }
    return HB_OK;
}

enum hb_status hb_reuse_key_record(const struct hb_config *cfg,
                                   const char *user, const char *fp,
                                   const struct hb_profile *profile,
                                   unsigned map_line, time_t now,
                                   struct hb_error *err)
{
    struct hb_reuse_record rec = {0};
    if (!hb_username_is_plain(user) ||
        !copy_field(rec.user, sizeof(rec.user), user))
        return hb_fail(err, HB_ERR_DENIED, "the local name is not plain");
    if (!hb_uuid_is_valid(profile->uuid) ||
        !copy_field(rec.uuid, sizeof(rec.uuid), profile->uuid))
        return hb_fail(err, HB_ERR_DENIED, "the uuid is not hex");
    if (hb_username_is_plain(profile->username))
        copy_field(rec.username, sizeof(rec.username), profile->username);
    if (!copy_field(rec.bound, sizeof(rec.bound), fp) ||
        strlen(fp) != HB_FINGERPRINT_MAX - 1)
        return hb_fail(err, HB_ERR_DENIED, "no key fingerprint");
    if (!hb_boot_id(rec.boot_id))
        return hb_fail(err, HB_ERR_SYSTEM, "this boot's id is unreadable");
    enum hb_status status =
        hb_map_line_digest(cfg, map_line, rec.map_digest, err);
    if (status != HB_OK)
        return status;
    rec.approved = (long long)now;
    rec.expires = (long long)now + cfg->reuse_for_key;
    return hb_reuse_add(cfg->reuse_dir, &rec, now, err);
}
