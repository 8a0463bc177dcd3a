#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# End to end with no keypress: su, sudo and console login (util-linux
# login) through examples/pam.d as they are, with the relay and prompt =
# auto. Each terminal (tmux, 80x24, UTF-8) shows the link and the QR code
# as info messages with no question; the simulated phone approves and the
# command runs, with not one key sent to the terminal. HB_BENCH=N also
# times N su logins: from the provider's redirect reaching the relay's /cb
# to the shell's first output.
set -u
. "$(dirname "$0")/../lib/e2e-prelude.sh"
e2e_enter "$0" "$@"
e2e_setup e2e_noprompt
e2e_pam_service su
e2e_pam_service sudo
e2e_sudoers || exit 1
# Console login: Debian's /etc/pam.d/login with the line of
# examples/pam.d/login before its "@include common-auth", as that file says.
{
    grep -v '^#' /etc/pam.d/login | sed -n '/^@include common-auth/q;p'
    grep -E '^auth .*pam_haobtc\.so' "$HB_SRC/examples/pam.d/login"
    sed -n '/^@include common-auth/,$p' /etc/pam.d/login
} >"$E2E_DIR/login.pam"
install -m 644 "$E2E_DIR/login.pam" /etc/pam.d/login
# alice's interactive login shell (not "su - alice -c") runs one command
# and ends.
printf '[ -n "${BASH_EXECUTION_STRING:-}" ] || { id -un; exit 0; }\n' \
    >"$E2E_DIR/home/alice/.bash_profile"
chown --reference="$E2E_DIR/home/alice" "$E2E_DIR/home/alice/.bash_profile"
e2e_conf relay timeout=60 http_timeout=5

# shown NAME: the screen holds the sentence, the short link and the hint,
# and a QR code that decodes to that link; no question asks for anything.
# Console login's line has or_password (examples/pam.d/login): there a
# second line says how to use the password instead.
shown() {
    if [ "$1" = l1 ]; then
        e2e_qr_is_the_link "$1" '^Sign in with haobtc to log in as alice on ' \
            '^Approve on your phone; the login goes on by itself\.$' \
            '^Or type your password and press Enter\.$' -- 'paste|: *$'
    else
        e2e_qr_is_the_link "$1" '^Sign in with haobtc to log in as alice on ' \
            '^Approve on your phone; the login goes on by itself\.$' \
            -- 'press Enter|paste|password'
    fi
}
# ended_with NAME OUTPUT: the command ended well, its last line on the
# terminal OUTPUT, and no key was ever sent to the terminal. (Standard
# output stays on the terminal: su, sudo and login print info messages
# there.)
ended_with() {
    e2e_wait_end "$1" 15 && [ "$(e2e_exit_status "$1")" = 0 ] &&
        [ "$(e2e_scrollback "$1" | grep -v '^Pane is dead' | grep -v '^ *$' | tail -n1)" = "$2" ] ||
        { e2e_show "$1"; return 1; }
    e2e_nothing_typed "$1" || { echo "keys were sent to $1: $(cat "$E2E_DIR/$1.typed")"; return 1; }
}

# approve_untouched NAME SERVICE EXPECTED: the phone approves the link on
# NAME's screen; the command ends with EXPECTED and no key was sent.
approve_untouched() {
    local t=$1 svc=$2
    if e2e_wait_text "$t" 'the login goes on by itself' 10; then
        check "${svc}_shows_link_and_qr_with_no_prompt" shown "$t"
        phone_approve "$(e2e_link "$t")" alice "$(e2e_number "$t")"
        check "${svc}_runs_after_approval_with_no_keypress" ended_with "$t" "$3"
    else
        e2e_show "$t"
        not_ok "${svc}_shows_link_and_qr_with_no_prompt"
    fi
}

# su: bob becomes alice.
e2e_term u1 - su -s /bin/bash bob -c "su - alice -c 'id -un'"
approve_untouched u1 su alice

# sudo passes PAM_SILENT: the messages show all the same.
e2e_term s1 - su -s /bin/bash alice -c 'sudo -k; sudo id -un'
approve_untouched s1 sudo root

# login, run by root on the terminal as getty would.
e2e_term l1 - login alice
approve_untouched l1 login alice

# Ctrl-C while su waits ends the attempt: su fails, the helper is gone.
ctrl_c_ends() {
    e2e_wait_text c1 'the login goes on by itself' 10 || { e2e_show c1; return 1; }
    e2e_type c1 C-c
    # The terminal's shell dies of the signal too, so no exit status is
    # written: the processes ending is what counts.
    local n=0 pid
    pid=$(e2e_pid c1)
    while kill -0 "$pid" 2>/dev/null || pgrep -x haobtc-helper >/dev/null; do
        n=$((n + 1))
        [ "$n" -lt 20 ] || { echo "su or haobtc-helper still runs"; e2e_show c1; return 1; }
        sleep 0.1
    done
    echo "su and its helper ended $((n * 100)) ms after Ctrl-C"
    ! e2e_scrollback c1 | grep -qx alice || { e2e_show c1; return 1; }
}
# (bob runs su directly: an outer su would add its own 2 s kill delay.)
e2e_term c1 - setpriv --reuid=bob --regid=bob --init-groups su - alice -c 'id -un'
check su_ctrl_c_ends_the_wait ctrl_c_ends

# su's output into a file: the messages would go there, so the prompt
# (which su asks on the terminal) stays.
e2e_term f1 "$E2E_DIR/f1.out" su -s /bin/bash bob -c "su - alice -c 'id -un'"
if e2e_wait_text f1 'press Enter' 10; then
    ok su_with_output_to_a_file_keeps_the_prompt
else
    e2e_show f1
    not_ok su_with_output_to_a_file_keeps_the_prompt
fi
e2e_type f1 C-c

# The relay cannot be reached: today's prompt, with the provider's link.
e2e_conf relay timeout=60 http_timeout=5 relay_url=https://127.0.0.1:1 \
    redirect_uri=https://127.0.0.1/cb
e2e_term p1 - su -s /bin/bash bob -c "su - alice -c 'id -un'"
if e2e_wait_text p1 'paste the code shown' 15; then
    ok su_relay_unreachable_asks_for_a_pasted_code
else
    e2e_show p1
    not_ok su_relay_unreachable_asks_for_a_pasted_code
fi
e2e_type p1 C-c

# HB_BENCH=N: N su logins, each timed from the moment the phone's browser
# sends the provider's redirect to the relay (GET /cb) to the moment the
# new shell prints (its first output is the time it started).
if [ "${HB_BENCH:-0}" -gt 0 ]; then
    e2e_conf relay timeout=60 http_timeout=5
    curl() {
        case "$*" in *"/cb?"*) echo "$EPOCHREALTIME" >"$E2E_DIR/cb.time" ;; esac
        command curl "$@"
    }
    times=()
    for i in $(seq "$HB_BENCH"); do
        t=b$i
        e2e_term "$t" - su -s /bin/bash bob -c \
            "su - alice -c 'date +%s.%N; id -un'"
        e2e_wait_text "$t" 'the login goes on by itself' 10 || { e2e_show "$t"; break; }
        sleep 0.3 # the module is in its long poll
        phone_approve "$(e2e_link "$t")" alice "$(e2e_number "$t")"
        e2e_wait_end "$t" 15 && [ "$(e2e_exit_status "$t")" = 0 ] || { e2e_show "$t"; break; }
        started=$(e2e_scrollback "$t" | grep -oE '^[0-9]{10}\.[0-9]+' | tail -n1)
        echo "login $i: callback at $(cat "$E2E_DIR/cb.time"), shell started at $started"
        times+=("$(e2e_ms_between "$(cat "$E2E_DIR/cb.time")" "$started")")
        e2e_tmux kill-session -t "$t"
    done
    e2e_bench_summary "su" su_bench_logins "$HB_BENCH" ${times[@]+"${times[@]}"}
fi

finish
