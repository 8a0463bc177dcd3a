#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# End to end: the caller of su and sudo chooses their environment. Real su
# (bob becomes alice, "su" and "su -") and real sudo (alice), run by
# ordinary users in a private mount and PID namespace, get a caller
# environment full of variables that libraries honour (a TLS key log into
# /etc, proxies, trust anchors, configuration files, locale, TMPDIR, malloc
# checks). None of it may create or change a file, leave a descriptor in the
# resulting shell or command, or change the login's result; a caller's
# NO_PROXY may not bypass the configured proxy. While a login waits, the
# network code runs in haobtc-helper: a child of su or sudo with an empty
# environment and only /dev/null and one socket open.
#
# Every path these variables name is in the namespace's private copy of
# /etc/security or under the test's own directory: never the machine's /etc.
set -u
. "$(dirname "$0")/../lib/e2e-prelude.sh"
e2e_enter "$0" "$@"
e2e_setup e2e_env
e2e_pam_service su
e2e_pam_service sudo
e2e_sudoers || exit 1

# The key log paths below are in /etc/security: only ever the private copy.
if ! [ /etc/security -ef "$E2E_DIR/etc/security" ]; then
    not_ok env_etc_security_is_the_private_copy "refusing to write into /etc/security"
    exit 1
fi

# check_why NAME COMMAND...: like check; COMMAND leaves the reason for a
# failure in WHY.
WHY=
check_why() {
    local what=$1
    shift
    WHY=
    if "$@"; then ok "$what"; else not_ok "$what" "${WHY:-no reason given}"; fi
}
oneline() { tr '\n' ';' | sed 's/;$//; s/;/; /g'; }

# The hostile caller's material: a home with .netrc, .curlrc and friends,
# configuration files that would break TLS or write logs, an empty
# certificate directory, a TMPDIR where nothing may appear.
H=$E2E_DIR/hostile
fake_home=$H/home
mkdir -p "$fake_home" "$H/empty-certs" "$H/tmp"
chmod 755 "$H" "$H/empty-certs"
chmod 1777 "$H/tmp"
dead=$(free_port)
untrusted=$HB_PKI/untrusted-ca.pem
printf 'default login intruder password intruder\nmachine 127.0.0.1 login intruder password intruder\n' \
    >"$fake_home/.netrc"
printf 'proxy = "http://127.0.0.1:%s"\ninsecure\ntrace-ascii = "%s"\n' \
    "$dead" "$fake_home/curl-trace" >"$fake_home/.curlrc"
printf 'URI ldap://127.0.0.1:%s\nTLS_CACERT %s\n' "$dead" "$untrusted" >"$fake_home/ldap.conf"
cp "$fake_home/ldap.conf" "$fake_home/ldaprc"
cat >"$fake_home/krb5.conf" <<EOF
[libdefaults]
    default_realm = INTRUDER.TEST
[logging]
    default = FILE:$fake_home/krb5.log
EOF
# OpenSSL would load a provider that does not exist and allow no protocol.
cat >"$fake_home/openssl.cnf" <<EOF
openssl_conf = intruder_init
[intruder_init]
providers = intruder_providers
ssl_conf = intruder_ssl
[intruder_providers]
intruder = intruder_provider
[intruder_provider]
module = $fake_home/no-such-provider.so
activate = 1
[intruder_ssl]
system_default = intruder_tls
[intruder_tls]
MinProtocol = TLSv1.3
MaxProtocol = TLSv1.2
CipherString = eNULL
EOF
chown -R bob: "$fake_home"
chmod 755 "$fake_home"
HOSTILE=(
    "http_proxy=http://127.0.0.1:$dead" "HTTP_PROXY=http://127.0.0.1:$dead"
    "https_proxy=http://127.0.0.1:$dead" "HTTPS_PROXY=http://127.0.0.1:$dead"
    "ALL_PROXY=http://127.0.0.1:$dead" "all_proxy=http://127.0.0.1:$dead"
    "CURL_CA_BUNDLE=$untrusted" "SSL_CERT_FILE=$untrusted" "SSL_CERT_DIR=$H/empty-certs"
    "OPENSSL_CONF=$fake_home/openssl.cnf"
    "LDAPRC=$fake_home/ldaprc" "LDAPCONF=$fake_home/ldap.conf"
    "KRB5_CONFIG=$fake_home/krb5.conf" "KRB5_TRACE=$fake_home/krb5-trace"
    "HOME=$fake_home" "CURL_HOME=$fake_home" "XDG_CONFIG_HOME=$fake_home"
    "LANG=xx_XX.UTF-8@%n%s" "LC_ALL=zz_ZZ.BOGUS"
    "TMPDIR=$H/tmp" "MALLOC_CHECK_=3" "MALLOC_PERTURB_=165"
)

# An existing root-only file: a key log pointed at it must not change it
# or leave a descriptor to it.
head -c 48 /dev/urandom | base64 >/etc/security/root-only
chmod 600 /etc/security/root-only
root_only_sum=$(sha256sum </etc/security/root-only)
NEW_KEYLOGS=(/etc/security/keylog-new /etc/security/keylog-sudo /etc/security/keylog-sudo-e)
rm -f "${NEW_KEYLOGS[@]}"

# snapshot DIR [find tests]: names, types, modes, owners, sizes and contents.
snapshot() {
    local dir=$1
    shift
    (cd "$dir" && find . -mindepth 1 "$@" -printf '%p %y %m %u %s\n' | sort &&
        find . -type f "$@" -exec sha256sum {} + | sort)
}
security_before=$(snapshot /etc/security ! -name pam_haobtc.conf)
home_before=$(snapshot "$fake_home")

# What the resulting shell or command runs: who it is, then its own open
# descriptors (the shell stays the parent of find: "true" comes last).
SHOW_FDS='id -un; echo fds; find /proc/$$/fd -mindepth 1 -printf "%f %l\n"; true'
# Under sudo also the descriptors of sudo itself, the command's parent.
SHOW_FDS_SUDO='id -un; echo fds; find /proc/$$/fd -mindepth 1 -printf "%f %l\n"
echo "parent $(cat /proc/$PPID/comm)"; find /proc/$PPID/fd -mindepth 1 -printf "%f %l\n"; true'

# su_hostile NAME KEYLOG [-]: in a terminal of his own bob, with umask 000
# and the hostile variables plus SSLKEYLOGFILE=KEYLOG, runs
# "su [-] alice -c SHOW_FDS"; its output goes to NAME.out.
su_hostile() {
    local t=$1 keylog=$2 su_args=(su) cmd
    [ "${3:-}" = - ] && su_args+=(-)
    su_args+=(alice -c "$SHOW_FDS")
    cmd="umask 000; exec env$(printf ' %q' "${HOSTILE[@]}" "SSLKEYLOGFILE=$keylog" "${su_args[@]}")"
    e2e_term "$t" "$E2E_DIR/$t.out" su -s /bin/bash bob -c "$cmd"
}

# sudo_hostile NAME KEYLOG [-E]: alice forgets any earlier sudo, then with
# umask 000 and the hostile variables runs "sudo [-E] sh -c SHOW_FDS_SUDO".
sudo_hostile() {
    local t=$1 keylog=$2 sudo_args=(sudo) cmd
    [ "${3:-}" = -E ] && sudo_args+=(-E)
    sudo_args+=(sh -c "$SHOW_FDS_SUDO")
    cmd="sudo -k; umask 000; exec env$(printf ' %q' "${HOSTILE[@]}" "SSLKEYLOGFILE=$keylog" \
        "${sudo_args[@]}")"
    e2e_term "$t" "$E2E_DIR/$t.out" su -s /bin/bash alice -c "$cmd"
}

# helper_facts APP: while a login of APP (su or sudo) waits, the one
# haobtc-helper process: its parent's name (HF_PARENT), its environment
# (HF_ENV_BYTES, HF_ENV_NAMES) and its descriptors (HF_FDS, lines
# "N TARGET KIND", KIND unix or tcp for a socket of that family, else -).
HF_WHY='' HF_PID='' HF_PARENT='' HF_ENV_BYTES='' HF_ENV_NAMES='' HF_FDS=''
helper_facts() {
    local pids ppid
    HF_WHY='' HF_PID='' HF_PARENT='' HF_ENV_BYTES='' HF_ENV_NAMES='' HF_FDS=''
    for _ in $(seq 30); do
        pids=$(pgrep -x haobtc-helper) && break
        sleep 0.1
    done
    if [ -z "$pids" ]; then
        HF_WHY="no haobtc-helper process while $1 waits for the login (the network code runs inside $1 itself, in the caller's environment)"
        return 1
    fi
    if [ "$(printf '%s\n' "$pids" | wc -l)" -ne 1 ]; then
        HF_WHY="more than one haobtc-helper: $(ps -o pid=,ppid=,args= -p "$(printf '%s\n' "$pids" | paste -sd,)" | oneline)"
        return 1
    fi
    HF_PID=$pids
    ppid=$(awk '$1 == "PPid:" {print $2}' "/proc/$pids/status")
    HF_PARENT=$(cat "/proc/$ppid/comm" 2>/dev/null)
    HF_ENV_BYTES=$(wc -c <"/proc/$pids/environ")
    HF_ENV_NAMES=$(tr '\0' '\n' <"/proc/$pids/environ" | cut -d= -f1 | oneline)
    HF_FDS=$(find "/proc/$pids/fd" -mindepth 1 -printf '%f %l\n' | sort -n |
        awk -v unix="/proc/$pids/net/unix" -v tcp="/proc/$pids/net/tcp" -v tcp6="/proc/$pids/net/tcp6" '
            BEGIN {
                while ((getline l < unix) > 0) { split(l, f, " "); kind[f[7]] = "unix" }
                while ((getline l < tcp) > 0) { split(l, f, " "); kind[f[10]] = "tcp" }
                while ((getline l < tcp6) > 0) { split(l, f, " "); kind[f[10]] = "tcp" }
            }
            {
                k = "-"
                if (match($2, /^socket:\[[0-9]+\]$/)) {
                    i = substr($2, 9, length($2) - 9)
                    if (i in kind) k = kind[i]
                }
                print $1, $2, k
            }')
    echo "haobtc-helper $pids: parent $ppid ($HF_PARENT), environment $HF_ENV_BYTES bytes, descriptors: $(printf '%s\n' "$HF_FDS" | oneline)"
}

helper_is_child_of() { # APP
    [ -n "$HF_PID" ] || { WHY=$HF_WHY; return 1; }
    [ "$HF_PARENT" = "$1" ] || { WHY="its parent is ${HF_PARENT:-unknown}, not $1"; return 1; }
}
helper_env_is_empty() {
    [ -n "$HF_PID" ] || { WHY=$HF_WHY; return 1; }
    [ "$HF_ENV_BYTES" = 0 ] ||
        { WHY="/proc/$HF_PID/environ has $HF_ENV_BYTES bytes: $HF_ENV_NAMES"; return 1; }
}
# helper_fds_ok [tcp]: 0, 1 and 2 on /dev/null, 3 a unix socket, and above
# it only unix sockets the helper made itself (the socketpair libcurl's
# multi handle wakes its event loop with); with "tcp", its TCP connections
# too (waiting on the relay: its kept-alive connection to the relay, the
# one kept ready to haobtc). Anything inherited would sit among these
# numbers only if it were a socket, and the helper closes every descriptor
# above 3 before it does anything.
helper_fds_ok() {
    [ -n "$HF_PID" ] || { WHY=$HF_WHY; return 1; }
    printf '%s\n' "$HF_FDS" | awk -v tcp_ok="${1:-}" '
        $1 <= 2 && $2 == "/dev/null" { n++; next }
        $1 == 3 && $3 == "unix" { n++; next }
        $1 > 3 && $3 == "unix" { next }
        $1 > 3 && $3 == "tcp" && tcp_ok == "tcp" { next }
        { bad = 1 }
        END { exit !(n == 4 && !bad) }' ||
        { WHY="descriptors: $(printf '%s\n' "$HF_FDS" | oneline)"; return 1; }
}

# helper_checks PREFIX APP [tcp]: the three facts as checks.
helper_checks() {
    helper_facts "$2"
    check_why "$1_helper_is_a_child_of_$2" helper_is_child_of "$2"
    check_why "$1_helper_environment_is_empty" helper_env_is_empty
    check_why "$1_helper_has_only_dev_null_and_one_socket_open" helper_fds_ok ${3:+"$3"}
}

# listed_fds NAME [parent]: the descriptors terminal NAME's shell or
# command listed (with "parent": those of its parent), "N TARGET" lines.
listed_fds() {
    if [ "${2:-}" = parent ]; then
        sed -n '/^parent /,$p' "$E2E_DIR/$1.out" | sed 1d
    else
        sed -n '/^fds$/,/^parent /p' "$E2E_DIR/$1.out" | sed '1d; /^parent /d'
    fi
}

# same_result NAME USER: the command ended well and ran as USER, as it does
# with no variables set.
same_result() {
    e2e_wait_end "$1" 20 || { e2e_show "$1"; WHY="still running after 20 s"; return 1; }
    local rc first
    rc=$(e2e_exit_status "$1")
    first=$(head -n1 "$E2E_DIR/$1.out")
    [ "$rc" = 0 ] && [ "$first" = "$2" ] ||
        { e2e_show "$1"; WHY="exit status $rc, ran as '${first}' (wanted 0 and $2)"; return 1; }
}

# only_std_fds NAME: the resulting shell (command) has 0, 1 and 2 open and
# nothing else, as without the variables.
only_std_fds() {
    local fds nums
    fds=$(listed_fds "$1")
    nums=$(printf '%s\n' "$fds" | awk 'NF {print $1}' | sort -n | tr '\n' ' ')
    [ "$nums" = "0 1 2 " ] ||
        { WHY="open in the resulting shell: $(printf '%s\n' "$fds" | oneline)"; return 1; }
}

# sudo_holds_no_caller_file NAME: sudo itself (the command's parent) has no
# descriptor to a key log or to anything the variables named.
sudo_holds_no_caller_file() {
    local fds
    fds=$(listed_fds "$1" parent)
    [ -n "$fds" ] || { WHY="sudo's descriptors were not listed"; return 1; }
    if printf '%s\n' "$fds" | awk '{print $2}' | grep -qE "^(/etc/security/|$H/)"; then
        WHY="sudo holds: $(printf '%s\n' "$fds" | grep -E " (/etc/security/|$H/)" | oneline)"
        return 1
    fi
}

no_file() { # PATH
    [ ! -e "$1" ] || { WHY="it exists: $(ls -l "$1")"; return 1; }
}
root_only_unchanged() {
    [ "$(stat -c '%a %U' /etc/security/root-only)" = "600 root" ] &&
        [ "$(sha256sum </etc/security/root-only)" = "$root_only_sum" ] ||
        { WHY="now $(ls -l /etc/security/root-only), $(wc -c </etc/security/root-only) bytes"; return 1; }
}

# --- su (not a login shell), through the relay: SSLKEYLOGFILE names a new
# file in /etc/security, created with the caller's umask 000 if honoured.
e2e_conf relay timeout=60 http_timeout=5
su_hostile v1 /etc/security/keylog-new
if e2e_wait_text v1 '^https://[^ ]+/s/[^ ]+' 15; then
    helper_checks env_su su tcp
    e2e_screen v1 | grep -q 'press Enter' && e2e_type v1 Enter
    sleep 1
    phone_approve "$(e2e_link v1)" alice "$(e2e_number v1)"
    check_why env_su_with_hostile_variables_still_makes_bob_alice same_result v1 alice
    check_why env_su_shell_has_no_extra_descriptor only_std_fds v1
else
    e2e_show v1
    not_ok env_su_relay_link_is_shown "no short link on the screen"
fi
check_why env_su_sslkeylogfile_creates_no_file no_file /etc/security/keylog-new

# --- su - (a login shell), pasted code: SSLKEYLOGFILE names the existing
# root-only file.
e2e_conf paste timeout=60 http_timeout=5
su_hostile v2 /etc/security/root-only -
if e2e_wait_text v2 'paste the code shown' 15; then
    helper_checks env_su_login su
    e2e_type v2 -l "$(approve_tagged alice "$(e2e_state v2)" "$(e2e_challenge v2)")"
    e2e_type v2 Enter
    check_why env_su_login_with_hostile_variables_still_makes_bob_alice same_result v2 alice
    check_why env_su_login_shell_has_no_extra_descriptor only_std_fds v2
else
    e2e_show v2
    not_ok env_su_login_paste_prompt_is_shown "no prompt on the screen"
fi
check_why env_su_login_sslkeylogfile_leaves_root_only_file_unchanged root_only_unchanged

# --- sudo, pasted code: SSLKEYLOGFILE names another new file. Plain sudo
# (env_reset) hands PAM a reset environment; "sudo -E", which alice may use
# before she has authenticated, hands PAM the caller's.
sudo_login() { # NAME PREFIX KEYLOG [-E]
    local t=$1 p=$2
    sudo_hostile "$t" "$3" ${4:+"$4"}
    if e2e_wait_text "$t" 'paste the code shown' 15; then
        helper_checks "$p" sudo
        e2e_type "$t" -l "$(approve_tagged alice "$(e2e_state "$t")" "$(e2e_challenge "$t")")"
        e2e_type "$t" Enter
        check_why "${p}_with_hostile_variables_still_runs_the_command_as_root" same_result "$t" root
        check_why "${p}_command_has_no_extra_descriptor" only_std_fds "$t"
        check_why "${p}_holds_no_descriptor_to_a_file_the_caller_named" sudo_holds_no_caller_file "$t"
    else
        e2e_show "$t"
        not_ok "${p}_paste_prompt_is_shown" "no prompt on the screen"
    fi
    check_why "${p}_sslkeylogfile_creates_no_file" no_file "$3"
}
sudo_login v3 env_sudo /etc/security/keylog-sudo
sudo_login v5 env_sudo_e /etc/security/keylog-sudo-e -E

# --- The configured proxy, with NO_PROXY=* from the caller: a fake proxy
# that notes each request line and refuses it. The module must go through
# it (and so fail as "unavailable", falling through to the password, which
# alice does not have), not straight to the provider.
cat >"$E2E_DIR/fake-proxy.py" <<'EOF'
import socket, sys
log, port_file = sys.argv[1], sys.argv[2]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(16)
with open(port_file + ".new", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
import os
os.rename(port_file + ".new", port_file)
while True:
    c, _ = s.accept()
    c.settimeout(5)
    data = b""
    try:
        while b"\r\n" not in data and len(data) < 8192:
            chunk = c.recv(4096)
            if not chunk:
                break
            data += chunk
        with open(log, "a") as f:
            f.write(data.split(b"\r\n")[0].decode("latin-1") + "\n")
        c.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    except OSError:
        pass
    c.close()
EOF
: >"$E2E_DIR/fake-proxy.log"
python3 "$E2E_DIR/fake-proxy.py" "$E2E_DIR/fake-proxy.log" "$E2E_DIR/fake-proxy.port" \
    >>"$E2E_DIR/fake-proxy.err" 2>&1 &
E2E_PIDS+=("$!")
if wait_for_file "$E2E_DIR/fake-proxy.port" 10; then
    proxy_port=$(cat "$E2E_DIR/fake-proxy.port")
    e2e_conf paste timeout=60 http_timeout=5 proxy="http://127.0.0.1:$proxy_port"
    cmd="exec env NO_PROXY='*' no_proxy='*' su alice -c 'id -un'"
    e2e_term v4 "$E2E_DIR/v4.out" su -s /bin/bash bob -c "$cmd"
    if e2e_wait_text v4 'paste the code shown' 15; then
        e2e_type v4 -l "$(approve_tagged alice "$(e2e_state v4)" "$(e2e_challenge v4)")"
        e2e_type v4 Enter
        # Unavailable: examples/pam.d/su asks no password after it.
        e2e_wait_end v4 20
        echo "fake proxy saw: $(oneline <"$E2E_DIR/fake-proxy.log")"
        went_through_proxy() {
            grep -q "^CONNECT 127\.0\.0\.1:$MOCK_PORT " "$E2E_DIR/fake-proxy.log" ||
                { WHY="the configured proxy saw no CONNECT to the provider (it saw: $(oneline <"$E2E_DIR/fake-proxy.log"))"; return 1; }
        }
        unavailable_not_direct() {
            local rc
            rc=$(e2e_exit_status v4 2>/dev/null)
            [ -n "$rc" ] && [ "$rc" != 0 ] && [ ! -s "$E2E_DIR/v4.out" ] &&
                e2e_scrollback v4 | grep -q 'haobtc sign-in is unavailable right now' &&
                ! e2e_scrollback v4 | grep -q 'Password:' || {
                e2e_show v4
                WHY="exit status ${rc:-none}, output '$(oneline <"$E2E_DIR/v4.out")': the login did not fail as unavailable"
                return 1
            }
        }
        check_why env_su_caller_no_proxy_does_not_bypass_the_configured_proxy went_through_proxy
        check_why env_su_refusing_proxy_makes_the_login_unavailable_not_direct unavailable_not_direct
    else
        e2e_show v4
        not_ok env_su_proxy_paste_prompt_is_shown "no prompt on the screen"
    fi
else
    not_ok env_fake_proxy_starts "$(cat "$E2E_DIR/fake-proxy.err" 2>/dev/null)"
fi

# --- After every login: nothing appeared or changed in /etc/security (the
# module's own config file aside), in the caller's home or in its TMPDIR.
unchanged() { # BEFORE DIR [find tests]
    local before=$1 after
    shift
    after=$(snapshot "$@")
    [ "$after" = "$before" ] ||
        { WHY="$(diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | grep '^[<>]' | oneline)"; return 1; }
}
tmp_empty() {
    [ -z "$(ls -A "$H/tmp")" ] || { WHY="in TMPDIR: $(ls -lA "$H/tmp" | sed 1d | oneline)"; return 1; }
}
no_key_logs() {
    local f found=()
    for f in "${NEW_KEYLOGS[@]}"; do [ -e "$f" ] && found+=("$(ls -l "$f")"); done
    [ ${#found[@]} -eq 0 ] || { WHY="they exist: $(printf '%s\n' "${found[@]}" | oneline)"; return 1; }
}
check_why env_no_key_log_file_in_etc_security no_key_logs
check_why env_root_only_file_unchanged_after_all_logins root_only_unchanged
check_why env_nothing_appeared_or_changed_in_etc_security unchanged "$security_before" /etc/security ! -name pam_haobtc.conf
check_why env_nothing_appeared_in_the_callers_home unchanged "$home_before" "$fake_home"
check_why env_nothing_appeared_in_the_callers_tmpdir tmp_empty

finish
