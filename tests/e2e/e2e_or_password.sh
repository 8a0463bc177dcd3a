#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# End to end, "haobtc or password" as the package sets it up: the real
# pam-auth-update enables the package's profile (debian/pam-configs) over
# Debian's own common-auth, and Debian's su, sudo, login and sshd files
# stay as they are. alice and bob have passwords. With no prompt (su,
# sudo, login), the person who would rather use the password gets to it
# at once with Enter, or types it during the wait: it is never echoed, and
# it reaches pam_unix (try_first_pass) so that nobody types it twice. Over
# sshd (no terminal to read during a wait) the module's prompt takes the
# password, hidden. The phone still logs in with no keypress, and after a
# haobtc-only wait the terminal echoes again.
set -u
. "$(dirname "$0")/../lib/e2e-prelude.sh"
e2e_enter "$0" "$@"
e2e_setup e2e_or_password
PASSWORD=Bobs-and-Alices-pw-9
WRONG=not-the-password-1

# pam-auth-update with the package's profile, in copies of its directories
# (the namespace's mounts; the machine's stay as they are).
profile_enabled() {
    local d
    for d in /usr/share/pam-configs /var/lib/pam /var/cache/debconf; do
        mkdir -p "$E2E_DIR/copy$d" && cp -a "$d/." "$E2E_DIR/copy$d/" &&
            mount --bind "$E2E_DIR/copy$d" "$d" || return 1
    done
    install -m 644 "$HB_SRC/debian/pam-configs/haobtc" /usr/share/pam-configs/haobtc &&
        DEBIAN_FRONTEND=noninteractive pam-auth-update --package --enable haobtc &&
        grep -Eq '^auth[[:space:]]+\[success=2 default=ignore\][[:space:]]+pam_haobtc\.so or_password' /etc/pam.d/common-auth &&
        grep -Eq '^auth[[:space:]]+\[success=1 default=ignore\][[:space:]]+pam_unix\.so nullok try_first_pass' /etc/pam.d/common-auth ||
        { cat /etc/pam.d/common-auth; return 1; }
}
check pam_auth_update_enables_the_profile_over_pam_unix profile_enabled
check alice_and_bob_have_passwords e2e_set_passwords "$PASSWORD" alice bob
e2e_sudoers || exit 1
e2e_conf relay timeout=60 http_timeout=5

# The person's shell, on the terminal (su, sudo and login show the link
# with no prompt only where their output is a terminal), prints who the
# command ran as and then whether the terminal echoes again.
as_user() { # NAME USER COMMAND
    e2e_term "$1" - setpriv --reuid="$2" --regid="$2" --init-groups \
        --reset-env env LANG=C.UTF-8 LC_ALL=C.UTF-8 bash -c \
        "$3; stty -a | tr ' ' '\n' | grep -x -- '-\?echo' | sed s/^/TTY:/"
}
su_term() { as_user "$1" bob "su - alice -c 'echo RAN-AS-\$(id -un)'"; }
sudo_term() { as_user "$1" alice "sudo -k; sudo sh -c 'echo RAN-AS-\$(id -un)'"; }
HINT='Or type your password and press Enter\.'

# typed_nowhere NAME TEXT...: none of TEXT is on NAME's screen.
typed_nowhere() {
    local t=$1 s
    shift
    for s in "$@"; do
        ! e2e_scrollback "$t" | grep -qF -- "$s" || { echo "$s is on the screen"; e2e_show "$t"; return 1; }
    done
}
# ran NAME WHO [PROMPTS]: the command ran as WHO, the terminal echoes
# again, and pam_unix's password prompt showed PROMPTS times (default 0).
ran() {
    e2e_wait_end "$1" 20 && [ "$(e2e_exit_status "$1")" = 0 ] &&
        e2e_scrollback "$1" | grep -qx "RAN-AS-$2" &&
        e2e_scrollback "$1" | grep -qx 'TTY:echo' || { e2e_show "$1"; return 1; }
    local n
    n=$(e2e_scrollback "$1" | grep -cE '([Pp]assword|password for alice): *$')
    [ "$n" = "${3:-0}" ] || { echo "$n password prompts, not ${3:-0}"; e2e_show "$1"; return 1; }
}

# waiting NAME: the link, QR code and hint are shown with no question.
waiting() { e2e_wait_text "$1" "$HINT" 10 || { e2e_show "$1"; return 1; }; }

# 1. Enter alone: pam_unix's prompt at once.
su_term e1
if waiting e1; then
    t0=$EPOCHREALTIME
    e2e_type e1 Enter
    if e2e_wait_text e1 'Password: *$' 5; then
        ok "su_enter_during_the_wait_goes_to_the_password_at_once ($(python3 -c "print(round(($EPOCHREALTIME - $t0) * 1000))") ms)"
        e2e_type e1 -l "$PASSWORD"
        e2e_type e1 Enter
        check su_password_after_enter_makes_bob_alice ran e1 alice 1
        check su_password_after_enter_is_not_shown typed_nowhere e1 "$PASSWORD"
    else
        e2e_show e1
        not_ok su_enter_during_the_wait_goes_to_the_password_at_once
    fi
else
    not_ok su_shows_how_to_use_the_password
fi

# 2. The password typed during the wait: pam_unix takes it, no prompt.
su_term e2
if waiting e2; then
    e2e_type e2 -l "$PASSWORD"
    sleep 0.5
    check su_password_typed_during_the_wait_is_not_echoed typed_nowhere e2 "$PASSWORD"
    e2e_type e2 Enter
    check su_password_typed_during_the_wait_is_handed_to_pam_unix ran e2 alice 0
else
    not_ok su_password_typed_during_the_wait_is_not_echoed
fi

# 3. A wrong one fails as it would at pam_unix's own prompt (try_first_pass
# takes what it is handed, and asks only when nothing was): su ends
# refused, nothing shown.
su_term e3
if waiting e3; then
    e2e_type e3 -l "$WRONG"
    e2e_type e3 Enter
    refused_like_a_wrong_password() {
        e2e_wait_end e3 20 && e2e_scrollback e3 | grep -qx 'su: Authentication failure' &&
            ! e2e_scrollback e3 | grep -q RAN-AS && e2e_scrollback e3 | grep -qx 'TTY:echo' &&
            ! e2e_scrollback e3 | grep -qE 'Password: *$' || { e2e_show e3; return 1; }
    }
    check su_wrong_password_during_the_wait_is_refused_as_at_pam_unix refused_like_a_wrong_password
    check su_wrong_password_is_not_shown typed_nowhere e3 "$WRONG"
else
    not_ok su_wrong_password_during_the_wait_is_refused_as_at_pam_unix
fi

# 4. The phone still logs in with no keypress, and keys typed meanwhile
# are not echoed.
su_term e4
if waiting e4; then
    e2e_type e4 -l 'half-typed'
    phone_approve "$(e2e_link e4)" alice "$(e2e_number e4)"
    check su_phone_approval_still_needs_no_keypress ran e4 alice 0
    check su_keys_typed_before_the_approval_are_not_shown typed_nowhere e4 half-typed
else
    not_ok su_phone_approval_still_needs_no_keypress
fi

# 5. sudo: the password typed during the wait runs the command.
sudo_term s1
if waiting s1; then
    e2e_type s1 -l "$PASSWORD"
    e2e_type s1 Enter
    check sudo_password_typed_during_the_wait_runs_the_command ran s1 root 0
    check sudo_password_typed_during_the_wait_is_not_shown typed_nowhere s1 "$PASSWORD"
else
    not_ok sudo_password_typed_during_the_wait_runs_the_command
fi
sudo_term s2
if waiting s2; then
    e2e_type s2 Enter
    if e2e_wait_text s2 'password for alice: *$' 5; then
        e2e_type s2 -l "$PASSWORD"
        e2e_type s2 Enter
        check sudo_enter_then_password_runs_the_command ran s2 root 1
    else
        e2e_show s2
        not_ok sudo_enter_then_password_runs_the_command
    fi
else
    not_ok sudo_enter_then_password_runs_the_command
fi

# 6. Console login (util-linux login, run by root as getty would): alice's
# login shell says who it is and ends.
printf '[ -n "${BASH_EXECUTION_STRING:-}" ] || { id -un; exit 0; }\n' \
    >"$E2E_DIR/home/alice/.bash_profile"
chown --reference="$E2E_DIR/home/alice" "$E2E_DIR/home/alice/.bash_profile"
e2e_term l1 - login alice
if waiting l1; then
    e2e_type l1 -l "$PASSWORD"
    e2e_type l1 Enter
    logged_in() {
        e2e_wait_end l1 20 && [ "$(e2e_exit_status l1)" = 0 ] &&
            e2e_scrollback l1 | grep -v '^Pane is dead' | grep -v '^ *$' | tail -n1 | grep -qx alice &&
            ! e2e_scrollback l1 | grep -qE 'Password: *$' || { e2e_show l1; return 1; }
    }
    check login_password_typed_during_the_wait_logs_in logged_in
    check login_password_is_not_shown typed_nowhere l1 "$PASSWORD"
else
    not_ok login_password_typed_during_the_wait_logs_in
fi

# 7. sshd (Debian's, up to 10.2: the module's prompt): the password at
# that prompt, hidden, logs in with no second prompt.
e2e_sshd || { not_ok sshd_starts; finish; exit; }
e2e_ssh_args alice@127.0.0.1 'id -un'
e2e_term h1 "$E2E_DIR/h1.out" "${SSH_ARGS[@]}"
if e2e_wait_text h1 'or type your password: *$' 10; then
    e2e_type h1 -l "$PASSWORD"
    e2e_type h1 Enter
    ssh_in() {
        e2e_wait_end h1 20 && [ "$(e2e_exit_status h1)" = 0 ] &&
            [ "$(cat "$E2E_DIR/h1.out")" = alice ] &&
            [ "$(e2e_scrollback h1 | grep -cE '[Pp]assword: *$')" = 1 ] || { e2e_show h1; return 1; }
    }
    check ssh_password_at_the_modules_prompt_logs_in_with_no_second_prompt ssh_in
    check ssh_password_is_not_shown typed_nowhere h1 "$PASSWORD"
else
    e2e_show h1
    not_ok ssh_password_at_the_modules_prompt_logs_in_with_no_second_prompt
fi

# 8. haobtc only (examples/pam.d/su): Enter and text during the wait change
# nothing and show nothing; the phone logs in; the terminal echoes after.
e2e_pam_service su
su_term o1
if e2e_wait_text o1 'the login goes on by itself' 10; then
    ! e2e_scrollback o1 | grep -qE "$HINT" || not_ok haobtc_only_offers_no_password
    e2e_type o1 -l 'typed-at-haobtc-only'
    e2e_type o1 Enter
    sleep 1
    phone_approve "$(e2e_link o1)" alice "$(e2e_number o1)"
    check haobtc_only_enter_changes_nothing_and_the_phone_logs_in ran o1 alice 0
    check haobtc_only_typed_text_is_not_shown typed_nowhere o1 typed-at-haobtc-only
else
    e2e_show o1
    not_ok haobtc_only_enter_changes_nothing_and_the_phone_logs_in
fi

# 9. Ctrl-C during the wait ends su, and the shell's terminal echoes.
su_term c1
if e2e_wait_text c1 'the login goes on by itself' 10; then
    e2e_type c1 C-c
    echoes_after_ctrl_c() {
        e2e_wait_end c1 10 && e2e_scrollback c1 | grep -qx 'TTY:echo' &&
            ! e2e_scrollback c1 | grep -q RAN-AS || { e2e_show c1; return 1; }
    }
    check ctrl_c_ends_su_and_the_terminal_echoes_again echoes_after_ctrl_c
else
    e2e_show c1
    not_ok ctrl_c_ends_su_and_the_terminal_echoes_again
fi

finish
