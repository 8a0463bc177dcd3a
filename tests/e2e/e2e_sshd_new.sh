#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# End to end with OpenSSH 10.3 or later, which sends PAM info messages to
# the client at once (commit b9a6dd4d6): its sshd, built from Debian sid's
# source package by tests/bin/build-openssh-new (cached in the build tree),
# loads the module through examples/pam.d/sshd and the example sshd_config
# drop-in, with sshd_instant_info = yes, in a private mount namespace. The
# no-keypress cases use the file's haobtc-only line; as shipped
# (sufficient with or_password) the prompt stays, so that a password user
# can type the password there: sshd has no terminal to read during a wait.
#  - with its own 10.3 client: no keypress, and the QR code on the client's
#    80x24 screen decodes to the short link;
#  - with Debian 12's 9.2 client: no keypress, the short link readable (the
#    QR may come out escaped: that client prints through its logger).
# (Debian 12's own sshd 9.2 with prompt = auto keeps the prompt: e2e_sshd.)
# When no such sshd can be had, this fails with the reason; it is not
# skipped. tools/check builds that sshd in the background meanwhile.
set -u
. "$(dirname "$0")/../lib/e2e-prelude.sh"
# built_sshd: the build's sshd in $prefix, or else the reason in $why. Only
# an sshd of 10.3 or later under the prefix the build printed counts: an
# empty prefix once made "$prefix/sbin/sshd" the machine's own 9.2.
built_sshd() {
    local out rc v
    out=$(HB_BUILD=$HB_BUILD bash "$HB_SRC/tests/bin/build-openssh-new" 2>"$HB_BUILD/openssh-build.err")
    rc=$?
    prefix=$(printf '%s\n' "$out" | tail -n1)
    why=$(tail -n1 "$HB_BUILD/openssh-build.err" | sed 's/^build-openssh-new: //')
    if [ "$rc" -ne 0 ]; then
        why="tests/bin/build-openssh-new failed (exit $rc): $why"
    elif [[ $prefix != /* ]] || [ ! -x "$prefix/sbin/sshd" ]; then
        why="tests/bin/build-openssh-new printed no install prefix with an sbin/sshd ('$prefix')"
    else
        version=$("$prefix/sbin/sshd" -V 2>&1 | head -n1)
        v=$(printf '%s\n' "$version" | sed -n 's/^OpenSSH_\([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
        read -r major minor <<<"$v"
        [ -n "${minor:-}" ] && [ $((major * 100 + minor)) -ge 1003 ] && return 0
        why="$prefix/sbin/sshd is not OpenSSH 10.3 or later: '$version'"
    fi
    return 1
}
if [ -z "${HB_E2E_INSIDE:-}" ] && [ "$(id -u)" = 0 ]; then
    started=$SECONDS
    if ! built_sshd; then
        not_ok sshd_10_3_or_later_is_built "$why"
        exit 1
    fi
    ok "sshd_10_3_or_later_is_built ($version; $((SECONDS - started))s: $why)"
    export HB_OPENSSH_NEW=$prefix
fi
e2e_enter "$0" "$@"
prefix=$HB_OPENSSH_NEW
e2e_setup e2e_sshd_new
e2e_pam_service sshd
# The stricter line examples/pam.d/sshd gives in its comment.
sed -i 's/^auth *sufficient *pam_haobtc\.so or_password$/auth [success=done default=die] pam_haobtc.so/' \
    /etc/pam.d/sshd
check sshd_new_haobtc_only_line grep -qx 'auth \[success=done default=die\] pam_haobtc.so' /etc/pam.d/sshd
E2E_SSHD_BIN=$prefix/sbin/sshd
e2e_sshd "LoginGraceTime 70" || { not_ok sshd_new_starts_with_the_example_config; exit 1; }
ok sshd_new_starts_with_the_example_config
e2e_conf relay timeout=60 http_timeout=5 sshd_instant_info=yes

# ssh_login NAME CLIENT: alice logs in with CLIENT and runs "id -un"; its
# output goes to NAME.out, the messages to the terminal.
ssh_login() {
    e2e_ssh_args alice@127.0.0.1 'id -un'
    SSH_ARGS[0]=$2
    e2e_term "$1" "$E2E_DIR/$1.out" "${SSH_ARGS[@]}"
}
logged_in_untouched() {
    e2e_wait_end "$1" 15 && [ "$(e2e_exit_status "$1")" = 0 ] &&
        [ "$(cat "$E2E_DIR/$1.out")" = alice ] || { e2e_show "$1"; return 1; }
    e2e_nothing_typed "$1" || { echo "keys were sent to $1"; return 1; }
}
qr_decodes_to_the_link() {
    e2e_qr_is_the_link "$1" -- 'press Enter'
}
link_is_readable() {
    e2e_screen "$1" | grep -qE '^https://[^ ]+/s/[^ ]+$' || { e2e_show "$1"; return 1; }
    echo "$1: what the 9.2 client shows first:"
    e2e_screen "$1" | head -n 5 | cut -c1-78 | sed 's/^/    | /'
}

# The setup check agrees that this sshd shows info messages at once.
"$HB_LOGIN" check --sshd "$E2E_SSHD_BIN" --sshd-config "$E2E_DIR/etc/ssh/sshd_config" \
    --skip network,map,pam >"$E2E_DIR/check.out" 2>&1
check setup_check_says_sshd_instant_info_fits_10_3 \
    grep -q '^ok   sshd version: OpenSSH 10\.3, sshd_instant_info = yes' "$E2E_DIR/check.out"

# The 10.3 client.
ssh_login n1 "$prefix/bin/ssh"
if e2e_wait_text n1 'the login goes on by itself' 15; then
    check sshd_new_client_new_qr_on_screen_decodes_to_the_link qr_decodes_to_the_link n1
    phone_approve "$(e2e_link n1)" alice "$(e2e_number n1)"
    check sshd_new_client_new_logs_in_with_no_keypress logged_in_untouched n1
else
    e2e_show n1
    not_ok sshd_new_client_new_shows_the_link_with_no_prompt
fi

# Debian 12's client (9.2).
ssh_login o1 /usr/bin/ssh
if e2e_wait_text o1 'the login goes on by itself' 15; then
    check sshd_new_client_9_2_shows_the_link_readable link_is_readable o1
    phone_approve "$(e2e_link o1)" alice "$(e2e_number o1)"
    check sshd_new_client_9_2_logs_in_with_no_keypress logged_in_untouched o1
else
    e2e_show o1
    not_ok sshd_new_client_9_2_shows_the_link_with_no_prompt
fi

# As shipped (or_password): the hidden prompt, which takes a password.
e2e_pam_service sshd
ssh_login p1 "$prefix/bin/ssh"
if e2e_wait_text p1 'or type your password: *$' 15; then
    ok sshd_new_or_password_keeps_the_prompt_for_the_password
else
    e2e_show p1
    not_ok sshd_new_or_password_keeps_the_prompt_for_the_password
fi
e2e_type p1 C-c

# HB_BENCH=N: N logins with the 10.3 client, from the provider's redirect
# reaching the relay (GET /cb) to the remote shell's first output.
if [ "${HB_BENCH:-0}" -gt 0 ]; then
    curl() {
        case "$*" in *"/cb?"*) echo "$EPOCHREALTIME" >"$E2E_DIR/cb.time" ;; esac
        command curl "$@"
    }
    times=()
    for i in $(seq "$HB_BENCH"); do
        t=b$i
        e2e_ssh_args alice@127.0.0.1 'date +%s.%N; id -un'
        SSH_ARGS[0]=$prefix/bin/ssh
        e2e_term "$t" "$E2E_DIR/$t.out" "${SSH_ARGS[@]}"
        e2e_wait_text "$t" 'the login goes on by itself' 15 || { e2e_show "$t"; break; }
        sleep 0.3 # the module is in its long poll
        phone_approve "$(e2e_link "$t")" alice "$(e2e_number "$t")"
        e2e_wait_end "$t" 15 && [ "$(e2e_exit_status "$t")" = 0 ] || { e2e_show "$t"; break; }
        started=$(head -n1 "$E2E_DIR/$t.out")
        echo "login $i: callback at $(cat "$E2E_DIR/cb.time"), shell started at $started"
        times+=("$(e2e_ms_between "$(cat "$E2E_DIR/cb.time")" "$started")")
        e2e_tmux kill-session -t "$t"
    done
    e2e_bench_summary "sshd 10.3" sshd_new_bench_logins "$HB_BENCH" ${times[@]+"${times[@]}"}
fi

finish
