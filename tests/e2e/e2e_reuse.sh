#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# reuse_for_key and session_reuse end to end with Debian's OpenSSH and sudo:
# sshd asks a public key, then keyboard-interactive (the module), on a
# loopback port in a private mount namespace. A second ssh with the same
# key within the window logs in with no QR code and is logged with the
# key's fingerprint; another key, the end of the window, a changed map line
# and haobtc-login reuse revoke each bring the QR code back. The day's
# count: one login and four SFTP connections with the same key, approvals
# needed without and with. Last, sudo inside the approved ssh session (the
# module after pam_loginuid in sshd's session stack) needs no phone, and
# sudo in another session does.
set -u
. "$(dirname "$0")/../lib/e2e-prelude.sh"
e2e_enter "$0" "$@"
e2e_setup e2e_reuse
e2e_pam_service sshd
e2e_syslog || { not_ok reuse_syslog_socket; exit 1; }

# alice's two keys, both in her authorized_keys.
keys=$E2E_DIR/keys
mkdir -m 700 "$keys" "$E2E_DIR/home/alice/.ssh"
for k in a b; do
    ssh-keygen -q -t ed25519 -N '' -C "key-$k" -f "$keys/$k" || exit 1
    cat "$keys/$k.pub" >>"$E2E_DIR/home/alice/.ssh/authorized_keys"
done
chown -R alice:alice "$E2E_DIR/home/alice/.ssh"
chmod 600 "$E2E_DIR/home/alice/.ssh/authorized_keys"
fp_a=$(ssh-keygen -lf "$keys/a.pub" | awk '{print $2}')
fp_b=$(ssh-keygen -lf "$keys/b.pub" | awk '{print $2}')

# Read before e2e_sshd's own drop-in (sshd keeps the first value): a key
# first, then the module.
mkdir -p "$E2E_DIR/etc/ssh/sshd_config.d"
printf '%s\n' 'PubkeyAuthentication yes' \
    'AuthenticationMethods publickey,keyboard-interactive' \
    >"$E2E_DIR/etc/ssh/sshd_config.d/0-reuse.conf"
e2e_sshd "LoginGraceTime 60" || { not_ok sshd_starts_with_key_then_haobtc; exit 1; }
ok sshd_starts_with_key_then_haobtc

store=$E2E_DIR/reuse
map=/etc/security/pam_haobtc.map
conf() { e2e_conf relay timeout=40 http_timeout=5 "reuse_dir=$store" "$@"; }

# ssh_key NAME KEY [COMMAND]: alice logs in with that key, then whatever
# keyboard-interactive asks; COMMAND's output (default id -un) in NAME.out.
ssh_key() {
    local t=$1 k=$2
    shift 2
    e2e_term "$t" "$E2E_DIR/$t.out" ssh -F /dev/null -p "$SSH_PORT" \
        -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$E2E_DIR/known_hosts" \
        -o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes -i "$keys/$k" \
        -o PreferredAuthentications=publickey,keyboard-interactive \
        alice@127.0.0.1 "${@:-id -un}"
}
logged_in() {
    e2e_wait_end "$1" 20 && [ "$(e2e_exit_status "$1")" = 0 ] &&
        [ "$(cat "$E2E_DIR/$1.out")" = alice ] || { e2e_show "$1"; return 1; }
}
# approve NAME: the QR code is shown; the phone approves, Enter goes on.
approve() {
    e2e_wait_text "$1" 'press Enter' 15 || return 1
    phone_approve "$(e2e_link "$1")" alice "$(e2e_number "$1")" && e2e_type "$1" Enter
}
# asks_the_phone NAME: the QR code and link are shown (then the client is
# stopped: nobody approves).
asks_the_phone() {
    e2e_wait_text "$1" 'press Enter' 15 && e2e_qr_is_the_link "$1" ||
        { e2e_show "$1"; return 1; }
    kill "$(e2e_pid "$1")" 2>/dev/null
    e2e_wait_end "$1" 10
}
# no_phone NAME: logged in, with no prompt on the screen and nothing typed.
no_phone() {
    logged_in "$1" && ! e2e_scrollback "$1" | grep -qE 'press Enter|https://' &&
        e2e_nothing_typed "$1" || { e2e_show "$1"; return 1; }
}
syslog_has() { grep -qF -- "$1" "$E2E_DIR/syslog" || { echo "not in syslog: $1"; tail -n 20 "$E2E_DIR/syslog"; return 1; }; }
reuses() { grep -cF "reusing the approval of" "$E2E_DIR/syslog"; }

conf reuse_for_key=1h
ssh_key k1 a
if approve k1; then
    check reuse_first_login_with_key_and_phone logged_in k1
    check reuse_first_login_kept_with_the_fingerprint \
        syslog_has "the approval for alice with key $fp_a is reused for 3600 s (haobtc-login reuse revoke alice ends it)"
else
    e2e_show k1
    not_ok reuse_first_login_shows_the_qr_code
fi

ssh_key k2 a
check reuse_same_key_within_the_window_logs_in_without_the_phone no_phone k2
check reuse_is_logged_with_the_fingerprint \
    syslog_has "reusing the approval of"
check reuse_log_line_names_the_key syslog_has "s ago for key $fp_a (good for "

ssh_key k3 b
check reuse_another_key_asks_the_phone asks_the_phone k3

# The window shortened to 2 s applies to the approval kept: after it, the
# phone; back to an hour, the same approval is good again.
conf reuse_for_key=2s
sleep 3
ssh_key k4 a
check reuse_after_the_window_asks_the_phone asks_the_phone k4
conf reuse_for_key=1h
ssh_key k5 a
check reuse_window_is_the_configured_one no_phone k5

cp -p "$map" "$E2E_DIR/map.orig"
sed -i "s/^uuid:$ALICE_UUID alice\$/uuid:$ALICE_UUID alice # changed/" "$map"
ssh_key k6 a
check reuse_after_the_map_line_changed_asks_the_phone asks_the_phone k6
cp -p "$E2E_DIR/map.orig" "$map"

"$HB_BUILD/tests/haobtc-login" reuse list >"$E2E_DIR/list.out" 2>&1
listed() { grep '^alice ' "$E2E_DIR/list.out" | grep -F "$fp_a  uuid $ALICE_UUID  until " | grep -q ' active$'; }
check reuse_list_shows_user_key_and_uuid listed
"$HB_BUILD/tests/haobtc-login" reuse revoke alice >"$E2E_DIR/revoke.out" 2>&1
check reuse_revoke_says_what_it_removed grep -qx 'revoked 1 approval of alice' "$E2E_DIR/revoke.out"
ssh_key k7 a
check reuse_after_revoke_asks_the_phone asks_the_phone k7

# The day's ssh side: a login, then an SFTP client opening four
# connections, all with key a. Without reuse_for_key each connection is
# an approval; with it, the first alone.
sftp_day() { # sftp_day LABEL: counts the QR codes shown
    local n=0 i t
    ssh_key "$1-login" a
    approve "$1-login" && n=$((n + 1))
    logged_in "$1-login" || return 1
    for i in 1 2 3 4; do
        t=$1-sftp$i
        # Commands on standard input, not -b: batch mode would turn
        # keyboard-interactive off.
        e2e_term "$t" "$E2E_DIR/$t.out" bash -c 'exec sftp "$@" <"$0"' \
            "$E2E_DIR/sftp.batch" -F /dev/null -P "$SSH_PORT" \
            -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$E2E_DIR/known_hosts" \
            -o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes -i "$keys/a" \
            -o PreferredAuthentications=publickey,keyboard-interactive alice@127.0.0.1
        local end=$((SECONDS + 20))
        until e2e_ended "$t" || e2e_scrollback "$t" | grep -q 'press Enter'; do
            [ "$SECONDS" -lt "$end" ] || break
            sleep 0.2
        done
        if ! e2e_ended "$t"; then
            approve "$t" && n=$((n + 1))
        fi
        e2e_wait_end "$t" 20 && [ "$(e2e_exit_status "$t")" = 0 ] &&
            grep -q "$E2E_DIR/home/alice" "$E2E_DIR/$t.out" || { e2e_show "$t"; return 1; }
    done
    echo "$n" >"$E2E_DIR/$1.approvals"
}
echo pwd >"$E2E_DIR/sftp.batch"
"$HB_BUILD/tests/haobtc-login" reuse revoke --all >/dev/null
conf reuse_for_key=0
check reuse_day_without_reuse_for_key sftp_day off
"$HB_BUILD/tests/haobtc-login" reuse revoke --all >/dev/null
conf reuse_for_key=8h
check reuse_day_with_reuse_for_key sftp_day on
off=$(cat "$E2E_DIR/off.approvals" 2>/dev/null || echo '?')
on=$(cat "$E2E_DIR/on.approvals" 2>/dev/null || echo '?')
# sudo is never reused by reuse_for_key (test_pam_reuse's
# other_services_never_reuse): its five approvals stay five.
if [ "$off-$on" = 5-1 ]; then
    ok "reuse_day_approvals (ssh login, 5 sudo, SFTP with 4 connections: before $((off + 5)), with reuse_for_key $((on + 5)); ssh side measured $off and $on)"
else
    not_ok reuse_day_counts_are_five_and_one "measured $off and $on"
fi

# session_reuse: the module on sshd's session stack after pam_loginuid; sudo
# inside the approved ssh session needs no phone, five times over; sudo in
# a second session (a key reuse, no approval of its own) and in a terminal
# with no audit session asks the phone.
e2e_pam_service sudo
e2e_sudoers || { not_ok reuse_sudoers; exit 1; }
sed -i 's/^\(session *required *pam_loginuid.so\)$/\1\nsession optional pam_haobtc.so/' /etc/pam.d/sshd
check reuse_sshd_session_line_after_pam_loginuid grep -A1 -x 'session *required *pam_loginuid.so' /etc/pam.d/sshd
"$HB_BUILD/tests/haobtc-login" reuse revoke --all >/dev/null
conf reuse_for_key=1h session_reuse=1h
# ssh_sudo NAME CMD: alice with key a and a terminal runs CMD; everything
# shows on NAME's screen.
ssh_sudo() {
    e2e_term "$1" - ssh -F /dev/null -p "$SSH_PORT" -t \
        -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$E2E_DIR/known_hosts" \
        -o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes -i "$keys/a" \
        -o PreferredAuthentications=publickey,keyboard-interactive \
        alice@127.0.0.1 "$2"
}
five_sudos_without_the_phone() {
    e2e_wait_end s1 30 && [ "$(e2e_exit_status s1)" = 0 ] &&
        [ "$(e2e_scrollback s1 | grep -c 'press Enter')" = 1 ] &&
        [ "$(e2e_scrollback s1 | tr -d '\r' | grep -cx root)" = 5 ] || { e2e_show s1; return 1; }
}
ssh_sudo s1 'for i in 1 2 3 4 5; do sudo -k; sudo id -un; done'
if approve s1; then
    check reuse_sudo_in_the_approved_session_needs_no_phone five_sudos_without_the_phone
    check reuse_session_opened_is_logged syslog_has "of alice: sudo and su reuse the approval of uuid $ALICE_UUID for "
    check reuse_sudo_reuse_is_logged syslog_has "reusing the approval of alice's audit session "
    check reuse_session_close_is_logged syslog_has "closed: its approval is no longer reused"
else
    e2e_show s1
    not_ok reuse_session_login_shows_the_qr_code
fi
sudo_asks_the_phone() { # NAME: after the login (none shown), sudo's QR
    e2e_wait_text "$1" 'Sign in with haobtc to log in as alice on' 20 &&
        e2e_wait_text "$1" '^https://[^ ]+/s/[^ ]+$' 5 || { e2e_show "$1"; return 1; }
    kill "$(e2e_pid "$1")" 2>/dev/null
    e2e_wait_end "$1" 10
}
# The key's approval is still fresh: this login is a reuse, and its
# session has no approval of its own.
ssh_sudo s2 'sudo -k; sudo id -un'
check reuse_sudo_in_another_session_asks_the_phone sudo_asks_the_phone s2
e2e_as_user s3 alice 'cat /proc/self/sessionid; sudo -k; sudo id -un'
e2e_wait_text s3 'Sign in with haobtc' 20
if [ "$(head -n1 "$E2E_DIR/s3.out")" = 4294967295 ]; then
    check reuse_sudo_without_an_audit_session_asks_the_phone sudo_asks_the_phone s3
else
    check reuse_sudo_in_the_test_runners_session_asks_the_phone sudo_asks_the_phone s3
fi

# The day with both: the login's one approval, then sudo and SFTP reuse it.
sudo_approvals=$(($(e2e_scrollback s1 | grep -c 'press Enter') - 1))
if [ "$on" = 1 ] && [ "$sudo_approvals" = 0 ]; then
    ok "reuse_day_approvals_with_session_reuse_too (ssh login, 5 sudo, SFTP with 4 connections: $((on + sudo_approvals)))"
else
    not_ok reuse_day_approvals_with_session_reuse_too "ssh side $on, sudo $sudo_approvals"
fi

if ! finish; then
    echo "---- tail of sshd's log:"
    tail -n 40 "$E2E_DIR/sshd.log"
fi
finish
