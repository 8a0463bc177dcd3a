#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# End to end with sudo: Debian's sudo authenticates alice through
# examples/pam.d/sudo as it is, in a private mount namespace; alice runs
# "sudo id -un" in an 80x24 UTF-8 terminal (tmux), read from the screen.
# Last, "sudo -i", which reads /etc/pam.d/sudo-i instead: with
# examples/pam.d/sudo-i it needs the phone too, and with Debian's own file
# a password alone runs it.
set -u
. "$(dirname "$0")/../lib/e2e-prelude.sh"
e2e_enter "$0" "$@"
e2e_setup e2e_sudo
e2e_pam_service sudo
e2e_sudoers || exit 1

# sudo_term NAME: alice, in a terminal of her own, forgets any earlier sudo
# and runs "sudo id -un"; its output goes to NAME.out.
sudo_term() {
    e2e_term "$1" "$E2E_DIR/$1.out" su -s /bin/bash alice -c 'sudo -k; sudo id -un'
}

# ran_as_root NAME / did_not_run NAME: how sudo ended.
ran_as_root() {
    e2e_wait_end "$1" 15 && [ "$(e2e_exit_status "$1")" = 0 ] &&
        [ "$(cat "$E2E_DIR/$1.out")" = root ] || { e2e_show "$1"; return 1; }
}
did_not_run() {
    e2e_wait_end "$1" 15 && [ "$(e2e_exit_status "$1")" != 0 ] &&
        [ ! -s "$E2E_DIR/$1.out" ] || { e2e_show "$1"; return 1; }
}

# sudo passes PAM_SILENT; the module's prompt must show all the same: the
# question, the QR code (which scans to the link) and the link.
# The authorize URL is too long for the two copies side by side: the code
# is drawn once, for a dark background, and read there.
prompt_is_shown() {
    local all link
    all=$(e2e_scrollback s1)
    link=$(printf '%s\n' "$all" | grep -oE '^https://[^ ]+/auth/oauth/authorize/[^ ]+$')
    printf '%s\n' "$all" | grep -q '^Sign in with haobtc to log in as alice on ' &&
        [ -n "$link" ] &&
        [ "$(printf '%s\n' "$all" | python3 "$HB_SRC/tests/bin/qr-decode" --on dark)" = "$link" ] ||
        { e2e_show s1; return 1; }
}

e2e_conf paste timeout=60 http_timeout=5
sudo_term s1
if e2e_wait_text s1 'paste the code shown' 10; then
    check sudo_prompt_is_shown_despite_pam_silent prompt_is_shown
    e2e_type s1 -l "$(approve_tagged alice "$(e2e_state s1)" "$(e2e_challenge s1)")"
    e2e_type s1 Enter
    check sudo_pasted_code_runs_the_command_as_root ran_as_root s1
else
    e2e_show s1
    not_ok sudo_prompt_is_shown_despite_pam_silent
fi

# Three failed tries: bob's haobtc account, a code that was never issued,
# bob again. Each try is a new sign-in with a new state; the command never
# runs.
three_failures() {
    local n states=()
    for n in 1 2 3; do
        e2e_wait_count s2 'paste the code shown' "$n" 15 || { e2e_show s2; return 1; }
        states+=("$(e2e_state s2)")
        case $n in
        2) e2e_type s2 -l "$(paste_answer "${states[-1]}" not-a-code-anyone-issued)" ;;
        *) e2e_type s2 -l "$(approve_tagged bob "${states[-1]}" "$(e2e_challenge s2)")" ;;
        esac
        e2e_type s2 Enter
    done
    did_not_run s2 || return 1
    local all
    all=$(e2e_scrollback s2)
    [ "$(printf '%s\n' "$all" | grep -c 'Sorry, try again')" = 2 ] &&
        printf '%s\n' "$all" | grep -q '3 incorrect password attempts' &&
        printf '%s\n' "$all" | grep -q 'This haobtc account may not log in to this account' &&
        printf '%s\n' "$all" | grep -q 'authorization_code missing or expired' ||
        { e2e_show s2; return 1; }
    echo "states: ${states[*]}"
    [ -n "${states[0]}" ] && [ -n "${states[1]}" ] && [ -n "${states[2]}" ] &&
        [ "$(printf '%s\n' "${states[@]}" | sort -u | wc -l)" = 3 ]
}
sudo_term s2
check sudo_three_refused_tries_each_with_a_fresh_state_run_nothing three_failures

# With the relay: a wrong code fails the first try; the second try has its
# own short link and state, and the phone's approval there runs the command.
fresh_session_then_success() {
    local link1 link2 state1 state2
    e2e_wait_count s3 'press Enter' 1 10 || { e2e_show s3; return 1; }
    link1=$(e2e_link s3)
    state1=$(e2e_relay_state "$link1" "$(e2e_number s3)")
    e2e_type s3 -l wrong-code
    e2e_type s3 Enter
    e2e_wait_count s3 'press Enter' 2 15 || { e2e_show s3; return 1; }
    link2=$(e2e_link s3)
    state2=$(e2e_relay_state "$link2" "$(e2e_number s3)")
    echo "links: $link1 $link2; states: $state1 $state2"
    [ "$link1" != "$link2" ] && [ -n "$state1" ] && [ -n "$state2" ] &&
        [ "$state1" != "$state2" ] || { e2e_show s3; return 1; }
    phone_approve "$link2" alice "$(e2e_number s3)"
    e2e_type s3 Enter
    ran_as_root s3 && e2e_scrollback s3 | grep -q 'Sorry, try again'
}
e2e_conf relay timeout=60 http_timeout=5
sudo_term s3
check sudo_relay_second_try_has_a_fresh_link_and_runs_the_command fresh_session_then_success

# The phone's page says what sudo will run (issue 27): the command from
# sudo's own arguments, after its options, never the SUDO_COMMAND its
# caller set; and the PAM service.
command_on_the_page() {
    local link page=$E2E_DIR/s5.page
    e2e_wait_count s5 'press Enter' 1 10 || { e2e_show s5; return 1; }
    link=$(e2e_link s5)
    curl -sS --cacert "$HB_PKI/ca.pem" -o "$page" "$link" || return 1
    grep -q '<pre id="command">id -un</pre>' "$page" &&
        grep -q '<p id="service">through <b>sudo</b></p>' "$page" &&
        ! grep -q faked "$page" || { cat "$page"; e2e_show s5; return 1; }
    phone_approve "$link" alice "$(e2e_number s5)"
    e2e_type s5 Enter
    ran_as_root s5
}
e2e_term s5 "$E2E_DIR/s5.out" su -s /bin/bash alice -c \
    'sudo -k; SUDO_COMMAND=faked-by-the-caller sudo -u root -- id -un'
check sudo_page_shows_the_command_sudo_runs_not_a_faked_sudo_command command_on_the_page

# Number matching (issue 27): the phone picks another number than the
# terminal shows: refused, and the terminal says why; sudo asks again with
# a new number, and the right pick runs the command.
wrong_then_right_number() {
    local link n wrong jar
    e2e_wait_count s6 'press Enter' 1 10 || { e2e_show s6; return 1; }
    link=$(e2e_link s6)
    n=$(e2e_number s6)
    [ -n "$n" ] || { e2e_show s6; return 1; }
    wrong=$((n == 99 ? 10 : n + 1))
    jar=$(mktemp "$E2E_DIR/jar.XXXXXX")
    phone_continue "$link" "$jar" "$wrong" >/dev/null
    e2e_type s6 Enter
    e2e_wait_count s6 'press Enter' 2 15 || { e2e_show s6; return 1; }
    e2e_scrollback s6 | grep -q 'The number picked on the phone did not match' || { e2e_show s6; return 1; }
    [ "$(e2e_link s6)" != "$link" ] || { e2e_show s6; return 1; }
    phone_approve "$(e2e_link s6)" alice "$(e2e_number s6)"
    e2e_type s6 Enter
    ran_as_root s6
}
e2e_term s6 "$E2E_DIR/s6.out" su -s /bin/bash alice -c 'sudo -k; sudo id -un'
check sudo_wrong_number_is_refused_with_why_then_the_right_one_runs wrong_then_right_number

# Under LANG=zh_CN.UTF-8 (lang = auto): sudo's env_reset is for the
# command; PAM runs in alice's locale, so the prompt is Chinese, and the
# phone's approval runs the command.
chinese_prompt_is_shown() {
    local screen link
    screen=$(e2e_screen sz)
    link=$(printf '%s\n' "$screen" | grep -oE '^https://[^ ]+/s/[^ ]+$')
    printf '%s\n' "$screen" | grep -q '^请用 haobtc 扫码，以 alice 身份登录 ' &&
        printf '%s\n' "$screen" | grep -q '^在手机上批准后按回车键（或粘贴代码）：' &&
        [ -n "$link" ] || { e2e_show sz; return 1; }
}
if e2e_zh_locale; then
    E2E_LANG=zh_CN.UTF-8 sudo_term sz
    if e2e_wait_text sz '按回车键' 10; then
        check sudo_under_lang_zh_cn_shows_the_chinese_prompt chinese_prompt_is_shown
        phone_approve "$(e2e_link sz)" alice "$(e2e_number sz)"
        e2e_type sz Enter
        check sudo_under_lang_zh_cn_runs_the_command_as_root ran_as_root sz
    else
        e2e_show sz
        not_ok sudo_under_lang_zh_cn_shows_the_chinese_prompt
    fi
else
    not_ok sudo_zh_cn_locale_is_made "localedef -i zh_CN -f UTF-8 failed"
fi

# "sudo -i" authenticates through /etc/pam.d/sudo-i, not sudo. alice now
# has a password, which pam_unix in common-auth would take.
PASSWORD=Alices-own-password-3
set_password() { e2e_set_passwords "$PASSWORD" alice; }
sudo_i_as_shipped() { e2e_pam_service sudo && e2e_pam_service sudo-i; }
check alice_has_a_known_password set_password
check examples_sudo_and_sudo_i_services_as_they_ship sudo_i_as_shipped

# sudo_i_term NAME: alice runs "sudo -i -u bob id -un" in her own shell.
sudo_i_term() { e2e_as_user "$1" alice 'sudo -k; sudo -i -u bob id -un'; }
# pam_unix's prompt, as sudo shows it.
PASSWORD_PROMPT='\[sudo\] password for alice: *$'
no_password_prompt() { ! e2e_scrollback "$1" | grep -qE "$PASSWORD_PROMPT"; }
ran_as_bob() {
    e2e_wait_end "$1" 15 && [ "$(e2e_exit_status "$1")" = 0 ] &&
        [ "$(cat "$E2E_DIR/$1.out")" = bob ] || { e2e_show "$1"; return 1; }
}

# The phone approves: the command runs as bob, no password asked.
phone_approves() {
    e2e_wait_text si_ok 'press Enter' 10 || { e2e_show si_ok; return 1; }
    e2e_qr_is_the_link si_ok || return 1
    phone_approve "$(e2e_link si_ok)" alice "$(e2e_number si_ok)" || return 1
    e2e_type si_ok Enter
    ran_as_bob si_ok && no_password_prompt si_ok || { e2e_show si_ok; return 1; }
}
# Nobody approves; alice types her password at every prompt, where the
# module takes it for a pasted code. sudo's three tries all reach the
# module; pam_unix never asks, and the command does not run.
password_is_no_way_in() {
    local t=si_pw end=$((SECONDS + 30)) answered=0 n
    until e2e_ended "$t" || [ "$SECONDS" -ge "$end" ]; do
        n=$(e2e_scrollback "$t" | grep -cE "press Enter|$PASSWORD_PROMPT")
        if [ "$n" -gt "$answered" ]; then
            answered=$n
            e2e_type "$t" -l "$PASSWORD"
            e2e_type "$t" Enter
        fi
        sleep 0.2
    done
    did_not_run "$t" && no_password_prompt "$t" &&
        [ "$(e2e_scrollback "$t" | grep -c 'Sign in with haobtc to log in as alice on ')" = 3 ] &&
        e2e_scrollback "$t" | grep -q 'The pasted code was not used' &&
        e2e_scrollback "$t" | grep -q 'sudo: 3 incorrect password attempts' ||
        { e2e_show "$t"; return 1; }
}
e2e_conf relay timeout=30 http_timeout=5
sudo_i_term si_ok
sudo_i_term si_pw
check sudo_i_with_examples_sudo_i_runs_the_command_when_the_phone_approves phone_approves
check sudo_i_with_examples_sudo_i_refuses_the_password_and_never_asks_for_it \
    password_is_no_way_in

# The control, the gap examples/pam.d/sudo-i closes: Debian 12's own
# /etc/pam.d/sudo-i (common-auth only) beside examples/pam.d/sudo. sudo -i
# asks for the password, never for the phone, and the password alone runs
# the command.
debian_sudo_i() {
    cat >/etc/pam.d/sudo-i <<'EOF'
#%PAM-1.0

# Set up user limits from /etc/security/limits.conf.
session    required   pam_limits.so

@include common-auth
@include common-account
@include common-session
EOF
    chmod 644 /etc/pam.d/sudo-i && cmp -s "$HB_SRC/examples/pam.d/sudo" /etc/pam.d/sudo
}
password_alone_runs_it() {
    e2e_wait_text si_debian "$PASSWORD_PROMPT" 10 || { e2e_show si_debian; return 1; }
    e2e_type si_debian -l "$PASSWORD"
    e2e_type si_debian Enter
    ran_as_bob si_debian &&
        ! e2e_scrollback si_debian | grep -q 'Sign in with haobtc' || { e2e_show si_debian; return 1; }
}
check debians_sudo_i_beside_examples_sudo debian_sudo_i
sudo_i_term si_debian
check sudo_i_with_debians_sudo_i_runs_the_command_on_the_password_alone password_alone_runs_it

# Coverage by intent: over Debian 12's own sudo and sudo-i, the admin runs
# "haobtc-login enable sudo"; both files get the haobtc block, and sudo -i
# then asks for the phone and runs on its approval.
enable_over_debians_files() {
    sed 's/common-session$/common-session-noninteractive/' /etc/pam.d/sudo-i >/etc/pam.d/sudo &&
        "$HB_LOGIN" enable sudo >"$E2E_DIR/enable.out" 2>&1 &&
        grep -qx 'sudo: haobtc required' "$E2E_DIR/enable.out" &&
        grep -qx 'sudo-i: haobtc required' "$E2E_DIR/enable.out" &&
        grep -qx 'auth \[success=done ignore=ignore default=die\] pam_haobtc.so' /etc/pam.d/sudo-i ||
        { cat "$E2E_DIR/enable.out"; return 1; }
}
check haobtc_login_enable_sudo_covers_sudo_and_sudo_i enable_over_debians_files
sudo_i_term si_enabled
enabled_asks_the_phone() {
    e2e_wait_text si_enabled 'press Enter' 10 && e2e_qr_is_the_link si_enabled &&
        phone_approve "$(e2e_link si_enabled)" alice "$(e2e_number si_enabled)" && e2e_type si_enabled Enter &&
        ran_as_bob si_enabled && no_password_prompt si_enabled || { e2e_show si_enabled; return 1; }
}
check sudo_i_after_enable_sudo_runs_on_the_phones_approval enabled_asks_the_phone

# services= and groups= (issue 26). services = sudo: sudo is in the
# scope and asks for the phone, as before.
e2e_conf relay timeout=30 http_timeout=5 services=sudo
scoped_sudo_asks_the_phone() {
    e2e_wait_text sc_sudo 'press Enter' 10 && e2e_qr_is_the_link sc_sudo &&
        phone_approve "$(e2e_link sc_sudo)" alice "$(e2e_number sc_sudo)" && e2e_type sc_sudo Enter &&
        ran_as_bob sc_sudo && no_password_prompt sc_sudo || { e2e_show sc_sudo; return 1; }
}
sudo_i_term sc_sudo
check sudo_i_with_services_sudo_asks_the_phone_and_runs_on_approval scoped_sudo_asks_the_phone

# groups = *, !wheel with alice in wheel (a break-glass group): her sudo is
# not asked (PAM_IGNORE) and the password decides; the reason is in
# syslog. The examples' haobtc line passes PAM_IGNORE on (ignore=ignore)
# for that; a hand-written default=die alone would refuse those left out,
# which haobtc-login check warns about.
alice_in_wheel() {
    local g
    g=$(grep -v '^wheel:' "$E2E_DIR/etc/group") &&
        printf '%s\nwheel:x:%s:alice\n' "$g" 64999 >"$E2E_DIR/etc/group" &&
        id -nG alice | grep -qw wheel
}
sudo_ignoring_stack() {
    cp "$HB_SRC/examples/pam.d/sudo" /etc/pam.d/sudo &&
        grep -qx 'auth \[success=done ignore=ignore default=die\] pam_haobtc.so' /etc/pam.d/sudo
}
check syslog_goes_to_the_namespaces_own_dev_log e2e_syslog
check alice_is_in_wheel alice_in_wheel
check sudo_line_hands_what_the_module_ignores_on sudo_ignoring_stack
e2e_conf relay timeout=30 http_timeout=5 'groups=*, !wheel'
wheel_member_gets_the_password_prompt() {
    e2e_wait_text sc_wheel "$PASSWORD_PROMPT" 10 || { e2e_show sc_wheel; return 1; }
    e2e_type sc_wheel -l "$PASSWORD"
    e2e_type sc_wheel Enter
    ran_as_root sc_wheel && ! e2e_scrollback sc_wheel | grep -qE 'Sign in with haobtc|https://' &&
        grep -q 'pam_haobtc(sudo:auth): not asked: alice is in excluded group wheel' "$E2E_DIR/syslog" ||
        { e2e_show sc_wheel; sed 's/^/    | /' "$E2E_DIR/syslog" >&2; return 1; }
}
e2e_as_user sc_wheel alice 'sudo -k; sudo id -un'
check sudo_by_a_wheel_member_with_groups_not_wheel_asks_the_password_only \
    wheel_member_gets_the_password_prompt
# bob is no wheel member: the phone, as before.
e2e_conf relay timeout=30 http_timeout=5 'groups=*, !bob'
not_wheel_gets_the_phone() {
    e2e_wait_text sc_phone 'press Enter' 10 && phone_approve "$(e2e_link sc_phone)" alice "$(e2e_number sc_phone)" &&
        e2e_type sc_phone Enter && ran_as_root sc_phone && no_password_prompt sc_phone ||
        { e2e_show sc_phone; return 1; }
}
e2e_as_user sc_phone alice 'sudo -k; sudo id -un'
check sudo_by_one_not_excluded_asks_the_phone not_wheel_gets_the_phone

finish
