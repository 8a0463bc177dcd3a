/* SPDX-License-Identifier: BSD-2-Clause */
/* The module's configuration: defaults, the file, and module arguments. */
#ifndef HB_CONFIG_H
#define HB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include "lang.h"
#include "status.h"

#define HB_DEFAULT_CONF "/etc/security/pam_haobtc.conf"
#define HB_DEFAULT_MAP "/etc/security/pam_haobtc.map"
#define HB_DEFAULT_BREAKGLASS "/etc/security/pam_haobtc.breakglass"
#define HB_DEFAULT_REUSE_DIR "/var/lib/pam_haobtc"
/* The longest reuse_for_key: a working day, not a standing pass. */
#define HB_REUSE_MAX_SECONDS (12 * 3600)

enum hb_mode { HB_MODE_AUTO, HB_MODE_PASTE, HB_MODE_POLL };
enum hb_qr { HB_QR_UTF8, HB_QR_ASCII, HB_QR_OFF };
/* The terminal background the QR code is drawn for: text cannot choose its
 * colours (no escape codes), so a drawing reads right on one of the two. */
enum hb_qr_background { HB_QR_BG_ANY, HB_QR_BG_DARK, HB_QR_BG_LIGHT };
enum hb_match { HB_MATCH_UUID, HB_MATCH_USERNAME };
/* Whether the challenge is a prompt, or info messages and a wait on the
 * relay with no prompt (see hb_prompt_skipped). */
enum hb_prompt { HB_PROMPT_AUTO, HB_PROMPT_ALWAYS, HB_PROMPT_NEVER };

struct hb_config {
    char *conf_path;
    char *site_url;
    char *authorize_url; /* absolute after hb_config_finish() */
    char *token_url;
    char *resource_url;
    char *client_id;
    char *client_secret; /* wiped by hb_config_free() */
    char *client_secret_file;
    char *redirect_uri;
    char *relay_url;
    enum hb_mode mode;
    enum hb_qr qr;
    enum hb_qr_background qr_background;
    enum hb_match match;
    enum hb_prompt prompt;
    /* The admin says this host's sshd is OpenSSH 10.3 or later, which
     * shows info messages at once. */
    bool sshd_instant_info;
    /* The language of the prompt and messages (lang.h). */
    enum hb_lang_setting lang;
    char *map_file;
    /* The scope (scope.h): NULL for every service and everyone. */
    char *services;
    char *groups;
    /* One-time codes for when haobtc is really down (breakglass.h). */
    char *breakglass_file;
    bool same_name;
    /* The stack lets a password in instead of haobtc ("sufficient", or the
     * package's profile): the person is told how to get to it at once, and
     * what they type during the wait is handed on as the password. */
    bool or_password;
    /* Number matching (issue 27): the relay draws a number the terminal
     * shows and the phone must pick; a relay that offers none fails the
     * login while this is on. */
    bool number_match;
    long timeout;
    long http_timeout;
    char *ca_file;
    char *proxy;
    bool debug;
    bool secret_in_file; /* client_secret came from the config file */
    /* The module's view: every key checked, but the secret is left for the
     * helper to read, so the PAM application never holds it. */
    bool without_secret;
    /* Relay authentication (issue 9): the fleet key signs every request
     * to the relay; read from fleet_key_file, wiped by hb_config_free(). */
    char *fleet_key_file;
    char *fleet_key;
    /* Seconds an sshd approval stays good for the same local user and the
     * same SSH key (reuse.h); 0, the default, is off. */
    long reuse_for_key;
    /* Seconds an approval at login stays good for sudo and su within the
     * audit session opened after it (reuse_session.h); 0 is off. */
    long session_reuse;
    /* Where the root-only reuse records live. */
    char *reuse_dir;
};

/* Loads the file named by conf= (or the default), then the module arguments
 * on top; resolves relative URLs and reads client_secret_file. Every
 * problem is HB_ERR_CONFIG with the file, line and key in err->msg. */
/* The file's "key = value" lines, '#' comments and blank lines, into cfg;
 * text is changed in place. Errors name cfg->conf_path and the line. */
enum hb_status hb_config_parse(struct hb_config *cfg, char *text,
                               struct hb_error *err);
enum hb_status hb_config_load(int argc, const char **argv,
                              struct hb_config *cfg, struct hb_error *err);
/* The same checks, without reading or keeping the client secret. */
enum hb_status hb_config_load_without_secret(int argc, const char **argv,
                                             struct hb_config *cfg,
                                             struct hb_error *err);
/* Parses one "key = value" setting; from_args refuses secrets. */
enum hb_status hb_config_set(struct hb_config *cfg, const char *key,
                             const char *value, bool from_args,
                             struct hb_error *err);
void hb_config_init(struct hb_config *cfg);
/* The i-th key the file and the module arguments take (from 0), NULL
 * past the last: for checking the documentation against the code. */
const char *hb_config_key_name(size_t i);
/* What the one table says of the i-th key; false past the last. */
struct hb_config_key {
    const char *name;
    const char *dflt; /* as written in the file; NULL: none, or made */
    const char *expected;
    const char *doc; /* one line */
    bool on_site;    /* dflt is a path joined to site_url */
};
bool hb_config_key_info(size_t i, struct hb_config_key *info);
/* The i-th key's value in cfg as it would be written in the file; false
 * for an unset string and for the secret, which is never shown. */
bool hb_config_value(const struct hb_config *cfg, size_t i, char *out,
                     size_t size);
/* Checks required keys, joins paths to site_url, loads the secret file. */
enum hb_status hb_config_finish(struct hb_config *cfg, struct hb_error *err);
void hb_config_free(struct hb_config *cfg);

/* The configuration's word for a mode, for logs. */
const char *hb_mode_name(enum hb_mode mode);

#endif
