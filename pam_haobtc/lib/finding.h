/* SPDX-License-Identifier: BSD-2-Clause */
/* The texts of the findings the helper makes for haobtc-login check. They
 * cross the wire as a msgid and the strings that fill its %s, and
 * haobtc-login formats them in the reader's language: the helper needs no
 * catalog, and haobtc-login formats only its own copy of a msgid from the
 * fixed list below, never a format string from the wire. */
#ifndef HB_FINDING_H
#define HB_FINDING_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "lang.h"
#include "wire.h"

/* A text has at most this many %s, and no other directive. */
#define HB_FINDING_ARGS 4
#define HB_FINDING_MAX 512

/* One text of a finding (what was found, or the fix). */
struct hb_finding_text {
    /* One of the HB_FT_ texts, or "": english is data (libcurl's words,
     * a loader's message) shown as it is in every language. */
    const char *msgid;
    int n;
    const char *arg[HB_FINDING_ARGS];
    char english[HB_FINDING_MAX];
};

/* The helper's side: msgid is one of the HB_FT_ texts, followed by one
 * string per %s; the pointers are kept, so they must outlive t's use. A
 * msgid not in the list is sent as data (English everywhere). */
void hb_finding_text(struct hb_finding_text *t, const char *msgid, ...)
    __attribute__((format(printf, 2, 3)));
void hb_finding_vtext(struct hb_finding_text *t, const char *msgid, va_list ap)
    __attribute__((format(printf, 2, 0)));
void hb_finding_data(struct hb_finding_text *t, const char *data);
/* Adds t's msgid and arguments to a RESULT frame; false when full. */
bool hb_finding_add(struct hb_wire *w, const struct hb_finding_text *t);

/* haobtc-login's side: the text whose msgid is field *at of w, formatted
 * in lang (NULL: English) into out, *at moved past its arguments; english
 * is what the frame says for a data text. false when the msgid is not one
 * of the list or the frame ends too soon. */
/* t formatted in lang (NULL: English) into out, as hb_finding_read does
 * for a text that crossed the wire. */
bool hb_finding_render(const struct hb_finding_text *t,
                       const struct hb_texts *lang, char *out, size_t size);
bool hb_finding_read(const struct hb_wire *w, int *at,
                     const struct hb_texts *lang, const char *english,
                     char *out, size_t size);
/* fmt with each %s (or %N$s) replaced by its argument and %% by %; false
 * for any other directive or an argument past n. Never printf: fmt may
 * be a translation. */
bool hb_finding_format(const char *fmt, const char *const *arg, int n,
                       char *out, size_t size);
/* The list's own copy of msgid and its number of %s (-1: not listed). */
int hb_finding_lookup(const char *msgid, const char **listed);

/* The texts. Keys (client_id, site_url), paths, hosts, haobtc's codes and
 * commands stay as they are in a translation. */

/* TRANSLATORS: haobtc-login check, a file the helper read: the key
 * (client_secret_file or fleet_key_file), its path, its mode (0600). */
#define HB_FT_FILE_ROOT                                                        \
    N_("%s %s: a regular file, owned by root, mode %s, one line")
/* TRANSLATORS: the key, its path, the owner's uid, the mode (0600). */
#define HB_FT_FILE_UID                                                         \
    N_("%s %s: a regular file, owned by uid %s, mode %s, one line")
/* TRANSLATORS: the key and its path. */
#define HB_FT_FILE_GONE                                                        \
    N_("%s %s: a regular file, one line, but gone since it was read")
/* TRANSLATORS: the configuration file. */
#define HB_FT_SECRET_IN_CONF                                                   \
    N_("client_secret is in %s, which only root can read")

/* TRANSLATORS: a host name or address. */
#define HB_FT_CERT_SYSTEM                                                      \
    N_("certificate of %s verified with the system's trusted CAs")
/* TRANSLATORS: a host, then the ca_file path. */
#define HB_FT_CERT_CA N_("certificate of %s verified with ca_file %s")
/* TRANSLATORS: a host, then the certificate's last day (2026-12-31). */
#define HB_FT_CERT_SYSTEM_UNTIL                                                \
    N_("certificate of %s verified with the system's trusted CAs, valid "      \
       "until %s")
/* TRANSLATORS: a host, the ca_file path, the certificate's last day. */
#define HB_FT_CERT_CA_UNTIL                                                    \
    N_("certificate of %s verified with ca_file %s, valid until %s")
/* TRANSLATORS: a host, the certificate's last day, the days left (not 1). */
#define HB_FT_CERT_ENDS                                                        \
    N_("certificate of %s verified, but it ends on %s, in %s days")
/* TRANSLATORS: a host and the certificate's last day, which is tomorrow. */
#define HB_FT_CERT_ENDS_1                                                      \
    N_("certificate of %s verified, but it ends on %s, in 1 day")
/* TRANSLATORS: a host and the certificate's last day. */
#define HB_FT_FIX_CERT_RENEW                                                   \
    N_("renew the certificate of %s before %s (logins fail from then on)")

/* TRANSLATORS: the proxy (a URL), then the host it resolves. */
#define HB_FT_DNS_PROXY N_("through proxy %s, which resolves %s")
/* TRANSLATORS: an IP address. */
#define HB_FT_DNS_ADDRESS N_("%s is an address (no lookup)")
/* TRANSLATORS: a host name, then the address it resolved to. */
#define HB_FT_DNS_RESOLVED N_("%s is %s")
#define HB_FT_FIX_DNS_PROXY N_("check the proxy's host name in proxy")
/* TRANSLATORS: the key that holds the host (site_url or relay_url). */
#define HB_FT_FIX_DNS                                                          \
    N_("check the host name in %s and this machine's DNS resolver "            \
       "(/etc/resolv.conf)")
/* TRANSLATORS: an address and a port. */
#define HB_FT_TCP N_("connected to %s port %s")
/* TRANSLATORS: the proxy's address and port. */
#define HB_FT_TCP_PROXY N_("connected to %s port %s (the proxy)")
/* TRANSLATORS: the proxy (a URL). */
#define HB_FT_FIX_TCP_PROXY N_("make the proxy %s reachable from this host")
/* TRANSLATORS: a host and a port. */
#define HB_FT_FIX_TCP                                                          \
    N_("make %s port %s reachable from this host (is the service up? a "       \
       "firewall? an outbound proxy to set?)")
/* TRANSLATORS: a host, then the ca_file path. */
#define HB_FT_FIX_TLS_CA                                                       \
    N_("set ca_file to the CA that issued the certificate of %s (now %s), "    \
       "or remove ca_file to use the system's")
/* TRANSLATORS: a host. */
#define HB_FT_FIX_TLS_SYSTEM                                                   \
    N_("give %s a certificate from a CA this system trusts, or set ca_file "   \
       "to the CA that issued it")
/* TRANSLATORS: the key that holds the address (site_url or relay_url). */
#define HB_FT_FIX_HTTP N_("check that %s is the right address")

/* TRANSLATORS: the client id. */
#define HB_FT_CREDENTIALS_OK                                                   \
    N_("haobtc accepts client_id %s and its secret (a made-up code was "       \
       "refused with 40009, as it must be)")
/* TRANSLATORS: the client id, then haobtc's code and its words. */
#define HB_FT_CLIENT_ID_WRONG                                                  \
    N_("the client id is wrong: haobtc does not know client_id %s (%s)")
/* TRANSLATORS: the configuration file. */
#define HB_FT_FIX_CLIENT_ID                                                    \
    N_("set client_id in %s to the id haobtc issued for this application")
/* TRANSLATORS: the client id, then haobtc's code and its words. */
#define HB_FT_CLIENT_SECRET_WRONG                                              \
    N_("the client secret is wrong: haobtc knows client_id %s but refused "    \
       "its secret (%s)")
/* TRANSLATORS: the client id, then the file that holds the secret. */
#define HB_FT_FIX_CLIENT_SECRET                                                \
    N_("put the secret haobtc issued for client_id %s in %s")
/* TRANSLATORS: the configured redirect_uri, then haobtc's code and its
 * words. */
#define HB_FT_REDIRECT_WRONG                                                   \
    N_("redirect_uri %s is not the address registered with haobtc (%s)")
/* TRANSLATORS: haobtc's code and its words. */
#define HB_FT_REDIRECT_UNSET                                                   \
    N_("redirect_uri is not set, and haobtc wants the address registered "     \
       "for this application (%s)")
/* TRANSLATORS: the client id. */
#define HB_FT_FIX_REDIRECT                                                     \
    N_("set redirect_uri to the address registered for client_id %s (with "    \
       "a relay, its /cb)")
/* TRANSLATORS: the client id, then haobtc's code and its words. */
#define HB_FT_CLIENT_BLOCKED N_("haobtc has blocked client_id %s (%s)")
#define HB_FT_FIX_CLIENT_BLOCKED                                               \
    N_("ask haobtc to unblock the application, or register a new one")
/* TRANSLATORS: the token URL. */
#define HB_FT_TOKEN_FOR_ANY_CODE                                               \
    N_("%s issued a token for a made-up code: it does not behave like "        \
       "haobtc")
/* TRANSLATORS: haobtc's code and its words. */
#define HB_FT_OTHER_REFUSAL                                                    \
    N_("a made-up code was refused with %s, not 40009 (authorization code "    \
       "missing or expired)")
/* TRANSLATORS: the token URL in use. */
#define HB_FT_FIX_TOKEN_URL                                                    \
    N_("check site_url and token_url (%s; later servers use "                  \
       "/auth/oauth/get_token/)")
#define HB_FT_NO_MEMORY N_("out of memory")
#define HB_FT_FIX_NO_MEMORY N_("free some memory")

#define HB_FT_NO_RELAY                                                         \
    N_("not configured (no relay_url): people paste the code shown by the "    \
       "page haobtc redirects to")
/* TRANSLATORS: the relay's health URL, then how many logins wait (not 1). */
#define HB_FT_RELAY_UP N_("GET %s answered: up, %s logins waiting")
/* TRANSLATORS: the relay's health URL. */
#define HB_FT_RELAY_UP_1 N_("GET %s answered: up, 1 login waiting")
/* TRANSLATORS: the relay's health URL, then an HTTP status (404). */
#define HB_FT_NOT_A_RELAY                                                      \
    N_("GET %s answered HTTP %s, not haobtc-relay's health")
/* TRANSLATORS: the configuration file. */
#define HB_FT_FIX_RELAY_URL                                                    \
    N_("set relay_url in %s to the relay's public address (its "               \
       "--public-url)")
/* TRANSLATORS: seconds. */
#define HB_FT_CLOCK_OFF                                                        \
    N_("accepted, but the relay's clock is %s s off this host's")
#define HB_FT_FIX_CLOCK_OFF                                                    \
    N_("keep both clocks in time (NTP): the relay refuses signatures more "    \
       "than 60 s off")
/* TRANSLATORS: the fleet key file. */
#define HB_FT_FLEET_KEY_OK                                                     \
    N_("the relay accepted a no-op request signed with %s")
#define HB_FT_STALE                                                            \
    N_("the relay refused the signature as stale: its clock and this "         \
       "host's are more than 60 s apart")
#define HB_FT_FIX_STALE                                                        \
    N_("set both clocks right (NTP): the relay accepts signatures up to 60 "   \
       "s off")
/* TRANSLATORS: the fleet key file, then the relay's reason (English). */
#define HB_FT_FLEET_KEY_WRONG                                                  \
    N_("the relay refused a request signed with %s (%s): the two keys "        \
       "differ")
/* TRANSLATORS: the fleet key file. */
#define HB_FT_FIX_FLEET_KEY                                                    \
    N_("copy the relay's --fleet-key-file to %s on this host (root-owned, "    \
       "mode 0600)")
#define HB_FT_NO_PING                                                          \
    N_("the relay has no POST /api/v1/ping (it is older than this "            \
       "haobtc-login): the fleet key was not checked")
#define HB_FT_FIX_NO_PING N_("upgrade haobtc-relay to check the fleet key here")
#define HB_FT_FIX_RELAY_LOG                                                    \
    N_("see the relay's log for why it refused the request")

#define HB_FT_VERSIONS                                                         \
    N_("haobtc-login and haobtc-helper are from different versions")
#define HB_FT_FIX_VERSIONS                                                     \
    N_("reinstall the package (or make install) so both match")
#define HB_FT_BAD_DEADLINE N_("haobtc-login sent a bad deadline")
#define HB_FT_FIX_BAD_DEADLINE N_("check the clock")
#define HB_FT_FIX_CA_FILE                                                      \
    N_("make ca_file a readable PEM file of the CA, or remove it to use the "  \
       "system's")
#define HB_FT_FIX_LIBCURL N_("reinstall libcurl")
/* TRANSLATORS: the helper's system user. */
#define HB_FT_FIX_HELPER_USER                                                  \
    N_("create the system user %s (the package does; doc/admin-guide.md, "     \
       "\"Build and install\", says how by hand)")

/* The fixes for a file the loaders refused (hb_safe_file_fix), made in
 * haobtc-login and in the helper alike. */
/* TRANSLATORS: a path, then a mode (600). */
#define HB_FT_FIX_FILE_CREATE N_("create %s, owned by root with mode %s")
/* TRANSLATORS: the same path three times (a shell command). */
#define HB_FT_FIX_FILE_SYMLINK                                                 \
    N_("replace the symbolic link %s with the file itself (cp "                \
       "--remove-destination \"$(readlink -f %s)\" %s)")
/* TRANSLATORS: a path. */
#define HB_FT_FIX_FILE_REGULAR N_("make %s a regular file")
/* TRANSLATORS: a path. */
#define HB_FT_FIX_FILE_OWNER N_("give it to root: chown root:root %s")
/* TRANSLATORS: a mode (600), then a path: a shell command. */
#define HB_FT_FIX_FILE_MODE N_("chmod %s %s")
/* TRANSLATORS: a path. */
#define HB_FT_FIX_FILE_CONTENT                                                 \
    N_("correct the content of %s as the message says")

#endif
