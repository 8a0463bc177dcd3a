#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# End to end with Debian's OpenSSH: sshd on a loopback port loads the built
# module through examples/pam.d/sshd and examples/sshd_config.d/haobtc.conf
# as they are, in a private mount namespace; the real ssh client runs in an
# 80x24 UTF-8 terminal (tmux) and is read from the screen.
set -u
. "$(dirname "$0")/../lib/e2e-prelude.sh"
e2e_enter "$0" "$@"
e2e_setup e2e_sshd
e2e_pam_service sshd
# The module's deadline must end a login before sshd's does.
e2e_sshd "LoginGraceTime 20" || { not_ok sshd_starts_with_the_example_config; exit 1; }
ok sshd_starts_with_the_example_config

# ssh_login NAME [ssh options]: alice logs in and runs "id -un"; its output
# goes to NAME.out, the prompts and messages to the terminal.
ssh_login() {
    local t=$1
    shift
    e2e_ssh_args "$@" alice@127.0.0.1 'id -un'
    e2e_term "$t" "$E2E_DIR/$t.out" "${SSH_ARGS[@]}"
}

# logged_in NAME: the ssh client ended well and the remote shell said alice.
logged_in() {
    e2e_wait_end "$1" 15 &&
        [ "$(e2e_exit_status "$1")" = 0 ] &&
        [ "$(cat "$E2E_DIR/$1.out")" = alice ] || { e2e_show "$1"; return 1; }
}

# refused NAME: the ssh client ended without running the command.
refused() {
    e2e_wait_end "$1" 15 &&
        [ "$(e2e_exit_status "$1")" != 0 ] &&
        [ ! -s "$E2E_DIR/$1.out" ] &&
        e2e_scrollback "$1" | grep -q 'Permission denied' || { e2e_show "$1"; return 1; }
}

# The relay's short link: the QR code, as the ssh client shows it on an 80x24
# screen, scans to the link printed under it.
qr_shows_the_link() {
    e2e_qr_is_the_link r1 'press Enter, or type your password: *$'
}

e2e_conf relay timeout=60 http_timeout=5
ssh_login r1
if e2e_wait_text r1 'press Enter' 10; then
    check sshd_qr_on_the_80x24_screen_decodes_to_the_short_link qr_shows_the_link
    # The phone approves first; Enter then fetches the code.
    phone_approve "$(e2e_link r1)" alice "$(e2e_number r1)"
    e2e_type r1 Enter
    check sshd_relay_approve_then_enter_logs_in_alice logged_in r1
else
    e2e_show r1
    not_ok sshd_relay_prompt_is_shown
fi

# Enter first: the module waits on the relay until the phone approves.
ssh_login r2
if e2e_wait_text r2 'press Enter' 10; then
    e2e_type r2 Enter
    sleep 1.5
    phone_approve "$(e2e_link r2)" alice "$(e2e_number r2)"
    check sshd_relay_enter_then_approve_logs_in_alice logged_in r2
else
    e2e_show r2
    not_ok sshd_relay_prompt_is_shown_again
fi

# lang = zh_CN on the same sshd (whose own locale is C): the prompt is in
# Chinese, no line is wider than the 80-column screen (tmux wraps such a
# line, which joining wrapped lines would undo), the first line is still on
# the 24-line screen, and the QR code decodes to the link under it.
chinese_prompt_fits_and_decodes() {
    local screen link
    screen=$(e2e_screen z1)
    link=$(printf '%s\n' "$screen" | grep -oE '^https://[^ ]+/s/[^ ]+$')
    printf '%s\n' "$screen" | grep -q '以 alice 身份登录' &&
        printf '%s\n' "$screen" | grep -q '按回车键，或输入您的密码：' &&
        [ -n "$link" ] &&
        [ "$(e2e_tmux capture-pane -p -S - -t z1 | wc -l)" = "$(e2e_scrollback z1 | wc -l)" ] &&
        [ "$(printf '%s\n' "$screen" | python3 "$HB_SRC/tests/bin/qr-decode")" = "$link" ] ||
        { e2e_show z1; return 1; }
}
e2e_conf relay timeout=60 http_timeout=5 lang=zh_CN
ssh_login z1
if e2e_wait_text z1 '按回车键' 10; then
    check sshd_lang_zh_cn_prompt_fits_80x24_and_the_qr_decodes chinese_prompt_fits_and_decodes
    phone_approve "$(e2e_link z1)" alice "$(e2e_number z1)"
    e2e_type z1 Enter
    check sshd_lang_zh_cn_login_succeeds logged_in z1
else
    e2e_show z1
    not_ok sshd_lang_zh_cn_prompt_is_shown
fi

# Without a relay: the link is the provider's authorize URL with the state,
# and the person pastes the code the provider's page shows.
# The authorize URL is too long for the two copies side by side: the code
# is drawn once, for a dark background, and read there.
paste_qr_is_the_authorize_url() {
    local all link
    all=$(e2e_scrollback p1)
    link=$(printf '%s\n' "$all" | grep -oE '^https://[^ ]+/auth/oauth/authorize/[^ ]+$')
    [ -n "$link" ] && [[ $link == *"state=$(e2e_state p1)"* ]] &&
        [ "$(printf '%s\n' "$all" | python3 "$HB_SRC/tests/bin/qr-decode" --on dark)" = "$link" ] ||
        { e2e_show p1; return 1; }
}
e2e_conf paste timeout=60 http_timeout=5
ssh_login p1
if e2e_wait_text p1 'paste the code shown' 10; then
    check sshd_paste_qr_decodes_to_the_authorize_url paste_qr_is_the_authorize_url
    e2e_type p1 -l "$(approve_tagged alice "$(e2e_state p1)" "$(e2e_challenge p1)")"
    e2e_type p1 Enter
    check sshd_pasted_code_logs_in_alice logged_in p1
else
    e2e_show p1
    not_ok sshd_paste_prompt_is_shown
fi

# bob's haobtc account approves a login as alice: the module refuses, says
# why, and the password prompt of common-auth follows (examples/pam.d/sshd
# uses "sufficient"); an empty password ends the login.
bob_is_refused() {
    e2e_wait_text p2 'Password:' 10 &&
        e2e_scrollback p2 | grep -q 'This haobtc account may not log in to this account' &&
        e2e_type p2 Enter && refused p2 || { e2e_show p2; return 1; }
}
ssh_login p2 -o NumberOfPasswordPrompts=1
if e2e_wait_text p2 'paste the code shown' 10; then
    e2e_type p2 -l "$(approve_tagged bob "$(e2e_state p2)" "$(e2e_challenge p2)")"
    e2e_type p2 Enter
    check sshd_haobtc_identity_mapped_to_bob_cannot_log_in_as_alice bob_is_refused
else
    e2e_show p2
    not_ok sshd_paste_prompt_is_shown_again
fi

# Nobody approves: the person presses Enter at every prompt, and the module's
# deadline (timeout = 8) ends its part, well before LoginGraceTime (20).
deadline_ends_the_attempt() {
    local start=$SECONDS prompts=0 n
    while [ $((SECONDS - start)) -lt 25 ]; do
        e2e_scrollback d1 | grep -q 'Password:' && break
        n=$(e2e_scrollback d1 | grep -c 'press Enter')
        if [ "$n" -gt "$prompts" ]; then
            prompts=$n
            e2e_type d1 Enter
        fi
        sleep 0.2
    done
    local took=$((SECONDS - start))
    echo "deadline: the module gave up after ${took}s and $prompts prompt(s)"
    [ "$took" -lt 15 ] && e2e_scrollback d1 | grep -q 'Password:' || { e2e_show d1; return 1; }
    e2e_type d1 Enter
    refused d1 && ! grep -q 'Timeout before authentication' "$E2E_DIR/sshd.log"
}
e2e_conf relay timeout=8 http_timeout=2
ssh_login d1 -o NumberOfPasswordPrompts=1
if e2e_wait_text d1 'press Enter' 10; then
    check sshd_module_deadline_ends_the_login_before_login_grace_time deadline_ends_the_attempt
else
    e2e_show d1
    not_ok sshd_deadline_prompt_is_shown
fi

# The connection drops while the module waits on the relay: sshd ends the
# PAM process, and with it the helper and its poll, at once.
relay_conns() { ss -Htnp state established "( dport = :${RELAY_URL##*:} )" | grep -cE '"(sshd|haobtc-helper)"'; }
drop_ends_the_poll() {
    local ssh_pid n=0
    ssh_pid=$(e2e_pid x1)
    e2e_type x1 Enter
    sleep 1.5
    # Before: the connection's sshd processes, one of them talking to the relay.
    [ -n "$(pgrep -x sshd -P "$E2E_SSHD_PID")" ] && [ "$(relay_conns)" -ge 1 ] ||
        { echo "no sshd poll to the relay to interrupt"; e2e_show x1; return 1; }
    kill -9 "$ssh_pid"
    while [ -n "$(pgrep -x sshd -P "$E2E_SSHD_PID")" ] || [ "$(relay_conns)" -ne 0 ]; do
        n=$((n + 1))
        [ "$n" -gt 25 ] && { echo "still polling 5 s after the drop"; ps -ef | grep '[s]shd'; return 1; }
        sleep 0.2
    done
    echo "drop: sshd's processes and the relay poll gone after $((n * 2))00 ms"
}
e2e_conf relay timeout=60 http_timeout=5
ssh_login x1
if e2e_wait_text x1 'press Enter' 10; then
    check sshd_dropped_connection_ends_the_relay_poll drop_ends_the_poll
else
    e2e_show x1
    not_ok sshd_drop_prompt_is_shown
fi

# services = sudo (issue 26): sshd is outside the scope, so the module
# answers PAM_IGNORE before any prompt: no QR code, no link, and
# common-auth's password logs alice in; syslog says why.
SCOPE_PASSWORD=Alices-scope-password-7
scope_ready() { e2e_syslog && e2e_set_passwords "$SCOPE_PASSWORD" alice; }
password_only_logs_in() {
    e2e_wait_text sc1 'Password:' 10 || { e2e_show sc1; return 1; }
    e2e_type sc1 -l "$SCOPE_PASSWORD"
    e2e_type sc1 Enter
    logged_in sc1 && ! e2e_scrollback sc1 | grep -qE 'Sign in with haobtc|https://|press Enter' &&
        grep -q 'pam_haobtc(sshd:auth): not asked: service sshd is outside services' "$E2E_DIR/syslog" ||
        { e2e_show sc1; sed 's/^/    | /' "$E2E_DIR/syslog" >&2; return 1; }
}
check sshd_scope_syslog_and_password_are_set scope_ready
e2e_conf relay timeout=60 http_timeout=5 services=sudo
ssh_login sc1
check sshd_outside_services_sudo_asks_the_password_only password_only_logs_in

if ! finish; then
    echo "---- tail of sshd's log:"
    tail -n 40 "$E2E_DIR/sshd.log"
fi
finish
