#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Fail closed, end to end: the real sudo, su and sshd load the module
# through the stack an admin might write to keep passwords for an outage,
#   auth [success=done authinfo_unavail=ignore default=die] pam_haobtc.so
#   @include common-auth              (pam_unix; alice and bob have passwords)
# so a PAM_AUTHINFO_UNAVAIL would show a password prompt that the known
# password answers. Nothing the person at the terminal controls may get
# there: answering after the deadline, stopping su across it, tight
# ulimits, a flood of unsigned requests on the relay. Each ends in a
# failure with no password prompt ever shown. A real outage is the control:
# there the password prompt follows, and the password logs in. Last, the
# stacks as the examples ship them (su and sudo haobtc only): in a real
# outage an administrator's break-glass code lets the account in, once,
# while with haobtc up it is refused, and Enter leaves nothing to fall to.
set -u
. "$(dirname "$0")/../lib/e2e-prelude.sh"
e2e_enter "$0" "$@"
e2e_setup e2e_fail_closed

LENIENT='auth [success=done authinfo_unavail=ignore default=die] pam_haobtc.so'
PASSWORD=Known-to-the-attacker-7
# The module's deadline, and how long after its prompt appeared an answer
# is surely late.
TIMEOUT=8
LATE=9.5

# lenient_service NAME: examples/pam.d/NAME with its haobtc line replaced by
# the lenient one (the examples no longer ship it: su and sudo are haobtc
# only, sshd "sufficient").
lenient_service() {
    sed -E "s/^auth[[:space:]].*pam_haobtc\.so.*$/$LENIENT/" \
        "$HB_SRC/examples/pam.d/$1" >"/etc/pam.d/$1" &&
        chmod 644 "/etc/pam.d/$1" &&
        [ "$(grep -c '^[^#]*pam_haobtc' "/etc/pam.d/$1")" = 1 ] &&
        grep -qxF "$LENIENT" "/etc/pam.d/$1" && grep -qx '@include common-auth' "/etc/pam.d/$1"
}

set_passwords() { e2e_set_passwords "$PASSWORD" alice bob; }

stacks_are_lenient() {
    lenient_service su && lenient_service sudo && lenient_service sshd
}
check lenient_stacks_for_su_sudo_and_sshd stacks_are_lenient
check alice_and_bob_have_known_passwords set_passwords
e2e_sudoers || exit 1
# The module's deadline ends a login well before sshd's own.
e2e_sshd "LoginGraceTime 60" || { not_ok sshd_starts; exit 1; }

# The terminals: alice's "sudo id -un", bob's "su - alice -c 'id -un'", and
# alice's ssh login running "id -un"; PREFIX (e.g. "ulimit -n 12;") runs in
# the shell before sudo or su. The command's output goes to NAME.out.
as_user() { e2e_as_user "$@"; } # NAME USER COMMAND
sudo_term() { as_user "$1" alice "${2:-} sudo -k; sudo id -un"; } # NAME [PREFIX]
su_term() { as_user "$1" bob "${2:-} su - alice -c 'id -un'"; }  # NAME [PREFIX]
ssh_term() { # NAME
    e2e_ssh_args alice@127.0.0.1 'id -un'
    e2e_term "$1" "$E2E_DIR/$1.out" "${SSH_ARGS[@]}"
}

# Drivers: the person at terminal NAME, run in the background while the
# others are driven too; they only type and send signals, the checks come
# after. Every driver gives up after 40 s.
MODULE_PROMPT='press Enter|paste the code shown'
prompts() { e2e_scrollback "$1" | grep -cE "$MODULE_PROMPT"; }
tries() { e2e_scrollback "$1" | grep -c 'Sign in with haobtc to log in as alice on '; }
first_prompt() { e2e_wait_text "$1" "$MODULE_PROMPT" 15; }

# answer_prompts NAME: until the program ends, answers every prompt not
# answered yet: the module's with Enter in the program's first try (the
# module then asks the relay, which has nothing, until the deadline), and
# with the password in its later tries (sudo and ssh ask three times), where
# it must go to the module, never to pam_unix; and, as an attacker would,
# a password prompt with the password (which fails the check).
answer_prompts() {
    local t=$1 end=$((SECONDS + 40)) answered=0 asked=0 n
    until e2e_ended "$t" || [ "$SECONDS" -ge "$end" ]; do
        n=$(e2e_scrollback "$t" | grep -cE "$PASSWORD_PROMPT")
        if [ "$n" -gt "$asked" ]; then
            asked=$n
            e2e_type "$t" -l "$PASSWORD"
            e2e_type "$t" Enter
        fi
        n=$(prompts "$t")
        if [ "$n" -gt "$answered" ]; then
            answered=$n
            [ "$(tries "$t")" -gt 1 ] && e2e_type "$t" -l "$PASSWORD"
            e2e_type "$t" Enter
        fi
        sleep 0.2
    done
}

# late NAME: waits at the first prompt until the deadline has passed, then
# answers.
late() {
    first_prompt "$1" || return 1
    sleep "$LATE"
    answer_prompts "$1"
}

# late_paste NAME: waits at the first (paste) prompt until the deadline has
# passed, then pastes a code of the right shape (its tag made from the
# link's state, as anyone can) that haobtc never issued.
late_paste() {
    first_prompt "$1" || return 1
    sleep "$LATE"
    paste_made_up_code "$1"
    answer_prompts "$1"
}
paste_made_up_code() {
    e2e_type "$1" -l "$(paste_answer "$(e2e_state "$1")" never-issued-code)"
}

# stopped_across NAME [paste]: SIGSTOP on the su that runs PAM (bob's
# "su - alice") from its prompt until past the deadline, then SIGCONT and
# Enter (or a made-up code).
stopped_across() {
    local t=$1 pid
    first_prompt "$t" || return 1
    pid=$(pam_su "$(e2e_pid "$t")")
    [ -n "$pid" ] || return 1
    kill -STOP "$pid" && echo "$pid" >"$E2E_DIR/$t.stopped"
    sleep "$LATE"
    kill -CONT "$pid"
    sleep 0.5
    [ "${2:-}" = paste ] && paste_made_up_code "$t"
    answer_prompts "$t"
}

# pam_su PID: PID or the first of its descendants that is su.
pam_su() {
    local p=$1
    while [ -n "$p" ]; do
        [ "$(cat "/proc/$p/comm" 2>/dev/null)" = su ] && { echo "$p"; return; }
        p=$(ps -o pid= --ppid "$p" | head -n 1 | tr -d ' ')
    done
}

# phone_approves NAME: the phone approves as alice, then Enter.
phone_approves() {
    first_prompt "$1" || return 1
    phone_approve "$(e2e_link "$1")" alice "$(e2e_number "$1")" || return 1
    e2e_type "$1" Enter
}

# password_at_the_prompt NAME: the person types PASSWORD at the password
# prompt that follows the module.
password_at_the_prompt() {
    e2e_wait_text "$1" "$PASSWORD_PROMPT" 20 || return 1
    e2e_type "$1" -l "$PASSWORD"
    e2e_type "$1" Enter
}

DRIVERS=()
drive() { # drive DRIVER NAME [ARG]: the driver in the background
    "$@" &
    DRIVERS+=($!)
}
drivers_done() {
    local p
    for p in "${DRIVERS[@]}"; do wait "$p"; done
    DRIVERS=()
}

# Results. PASSWORD_PROMPT: pam_unix's prompt, as su ("Password: "), sudo
# ("[sudo] password for alice: ") and ssh ("(alice@127.0.0.1) Password: ")
# show it.
PASSWORD_PROMPT='([Pp]assword|password for alice): *$'
no_password_prompt() { ! e2e_scrollback "$1" | grep -qE "$PASSWORD_PROMPT"; }
said() { e2e_scrollback "$1" | grep -qE "$2"; }
ran_nothing() {
    e2e_wait_end "$1" 30 && [ "$(e2e_exit_status "$1")" != 0 ] && [ ! -s "$E2E_DIR/$1.out" ]
}
# refused NAME [REGEX...]: the command did not run, the program said it
# failed (su: "su: Authentication failure"; sudo, which never prints PAM's
# text, after its three tries: "3 incorrect password attempts"; ssh:
# "Permission denied"), no password prompt was shown, and each REGEX is on
# the screen.
refused() {
    local t=$1 re
    shift
    ran_nothing "$t" && no_password_prompt "$t" || { e2e_show "$t"; return 1; }
    case $t in
    sudo*) set -- 'sudo: 3 incorrect password attempts' "$@" ;;
    su*) set -- '^su: Authentication failure' "$@" ;;
    ssh*) set -- 'Permission denied' "$@" ;;
    esac
    for re; do said "$t" "$re" || { e2e_say "$t: no \"$re\""; e2e_show "$t"; return 1; }; done
}
# ran NAME WHO: the command ran as WHO.
ran() {
    e2e_wait_end "$1" 30 && [ "$(e2e_exit_status "$1")" = 0 ] &&
        [ "$(cat "$E2E_DIR/$1.out")" = "$2" ] || { e2e_show "$1"; return 1; }
}
approved_without_password() { ran "$1" "$2" && no_password_prompt "$1" || { e2e_show "$1"; return 1; }; }
# The password typed at a later try reached the module, which refused it
# as a pasted code.
password_not_a_code() { said "$1" 'The pasted code was not used'; }

e2e_conf relay timeout=$TIMEOUT http_timeout=3

# The limits: bash's "ulimit -n 12" and "ulimit -s 64" set the hard limit
# too. The module gives its helper ordinary limits before execve, but root
# raises a hard limit only with CAP_SYS_RESOURCE, which containers and some
# machines drop from every process's bounding set. Without it the helper
# keeps a 64 KiB stack, cannot run, and the login must fail closed even
# with the phone approving; a soft "ulimit -S -s 64" it undoes anywhere.
if (((0x$(awk '/^CapBnd:/ {print $2}' /proc/self/status) >> 24) & 1)); then
    stack_ok=1 stack_failed='No approval arrived in time'
else
    stack_ok=0 stack_failed='haobtc sign-in failed'
    echo "note: no CAP_SYS_RESOURCE here: under a hard ulimit -s 64 the helper cannot start"
fi

# 1, 2, 3 and 5 at once: answers after the deadline (sudo, ssh), su stopped
# across it, and the tight limits with nobody approving and with the phone
# approving.
sudo_term sudo_late
su_term su_stopped
ssh_term ssh_late
sudo_term sudo_n12 'ulimit -n 12;'
sudo_term sudo_s64 'ulimit -s 64;'
su_term su_n12 'ulimit -n 12;'
su_term su_s64 'ulimit -s 64;'
sudo_term sudo_n12_ok 'ulimit -n 12;'
sudo_term sudo_s64_ok 'ulimit -s 64;'
sudo_term sudo_soft_s64_ok 'ulimit -S -s 64;'
su_term su_n12_ok 'ulimit -n 12;'
su_term su_s64_ok 'ulimit -s 64;'
su_term su_soft_s64_ok 'ulimit -S -s 64;'
drive late sudo_late
drive stopped_across su_stopped
drive late ssh_late
for t in sudo_n12 sudo_s64 su_n12 su_s64; do drive answer_prompts "$t"; done
for t in sudo_n12_ok sudo_soft_s64_ok su_n12_ok su_soft_s64_ok; do drive phone_approves "$t"; done
for t in sudo_s64_ok su_s64_ok; do
    if [ "$stack_ok" = 1 ]; then drive phone_approves "$t"; else drive answer_prompts "$t"; fi
done
drivers_done

late_is_expired='No approval arrived in time'
check sudo_enter_after_the_deadline_fails_without_a_password_prompt \
    refused sudo_late "$late_is_expired"
check sudo_password_typed_at_later_tries_is_no_code password_not_a_code sudo_late
stopped_across_the_deadline() {
    [ -s "$E2E_DIR/su_stopped.stopped" ] || { e2e_say "su_stopped: no su to stop"; return 1; }
    refused su_stopped "$late_is_expired"
}
check su_sigstop_across_the_deadline_fails_without_a_password_prompt stopped_across_the_deadline
check ssh_enter_after_the_deadline_is_permission_denied_without_a_password_prompt \
    refused ssh_late "$late_is_expired"
check ssh_password_typed_at_later_tries_is_no_code password_not_a_code ssh_late
check sudo_ulimit_n_12_nobody_approving_fails_without_a_password_prompt \
    refused sudo_n12 "$late_is_expired"
check su_ulimit_n_12_nobody_approving_fails_without_a_password_prompt \
    refused su_n12 "$late_is_expired"
check sudo_ulimit_s_64_nobody_approving_fails_without_a_password_prompt \
    refused sudo_s64 "$stack_failed"
check su_ulimit_s_64_nobody_approving_fails_without_a_password_prompt \
    refused su_s64 "$stack_failed"
check sudo_ulimit_n_12_phone_approving_runs_the_command approved_without_password sudo_n12_ok root
check su_ulimit_n_12_phone_approving_makes_bob_alice approved_without_password su_n12_ok alice
check sudo_soft_ulimit_s_64_phone_approving_runs_the_command \
    approved_without_password sudo_soft_s64_ok root
check su_soft_ulimit_s_64_phone_approving_makes_bob_alice \
    approved_without_password su_soft_s64_ok alice
if [ "$stack_ok" = 1 ]; then
    check sudo_ulimit_s_64_phone_approving_runs_the_command \
        approved_without_password sudo_s64_ok root
    check su_ulimit_s_64_phone_approving_makes_bob_alice approved_without_password su_s64_ok alice
else
    check sudo_ulimit_s_64_unraisable_fails_closed_without_a_password_prompt \
        refused sudo_s64_ok "$stack_failed"
    check su_ulimit_s_64_unraisable_fails_closed_without_a_password_prompt \
        refused su_s64_ok "$stack_failed"
fi

# 4: unsigned POSTs to the relay's module routes from 127.0.0.1, the
# module's own address, until they are answered 429 and on while sudo runs:
# the flood spends its own budget, never the signed one of this host's
# module. On a relay of its own with haobtc-relay's default budgets
# (run-tests' relay has a test's generous ones), and a provider whose
# registered redirect is that relay's.
budget_dir=$E2E_DIR/budget
mkdir -p "$budget_dir"
budget_provider_port=$(free_port)
main_mock=("$MOCK_PORT" "$MOCK_URL")
start_relay "$budget_dir" "$budget_provider_port" --rate 20 --burst 60 \
    --module-rate 100 --module-burst 1000 || { not_ok budget_relay_starts; exit 1; }
E2E_PIDS+=("$RELAY_PID")
start_mock "$budget_dir" --port "$budget_provider_port" \
    --redirect-uri "$RELAY_URL/cb" || { not_ok budget_provider_starts; exit 1; }
E2E_PIDS+=("$MOCK_PID")
# phone_approve and e2e_conf use the relay's provider as MOCK2.
MOCK2_URL=$MOCK_URL
MOCK_PORT=${main_mock[0]} MOCK_URL=${main_mock[1]}
e2e_conf relay timeout=$TIMEOUT http_timeout=3

# One curl for 300 requests: past the module budget's refill rate (100 a
# second), as a relay that counted both by address would show.
flood() {
    local urls=() i path
    for ((i = 0; i < 100; i++)); do
        for path in /api/v1/sessions /api/v1/poll /api/v1/ping; do
            urls+=(-o /dev/null "$RELAY_URL$path")
        done
    done
    until [ -e "$E2E_DIR/flood.stop" ]; do
        curl -s -w '%{http_code}\n' --cacert "$HB_PKI/ca.pem" -X POST \
            --data 'host=flood' "${urls[@]}"
    done >>"$E2E_DIR/flood.codes" 2>&1
}
limited() { [ "$(grep -c '^429$' "$E2E_DIR/flood.codes")" -gt "$1" ]; }
flood &
flood_pid=$!
n=0
until limited 0 || [ "$n" -gt 100 ]; do sleep 0.1; n=$((n + 1)); done
refused_before=$(grep -c '^429$' "$E2E_DIR/flood.codes")
sudo_term sudo_flood_ok
sudo_term sudo_flood
drive phone_approves sudo_flood_ok
drive answer_prompts sudo_flood
drivers_done
: >"$E2E_DIR/flood.stop"
wait "$flood_pid"
flood_was_limited() {
    local codes
    codes=$(sort "$E2E_DIR/flood.codes" | uniq -c | tr -s ' \n' ' ')
    echo "flood: $codes(429 before sudo: $refused_before)"
    [ "$refused_before" -gt 0 ] && limited "$refused_before" &&
        [ -z "$(grep -vxE '401|429' "$E2E_DIR/flood.codes")" ]
}
check relay_answers_the_unsigned_flood_429_before_and_during_sudo flood_was_limited
check sudo_during_the_flood_phone_approving_runs_the_command \
    approved_without_password sudo_flood_ok root
check sudo_during_the_flood_nobody_approving_fails_without_a_password_prompt \
    refused sudo_flood "$late_is_expired"

# Outages found after the deadline: haobtc unreachable (a closed port), no
# relay, so the paste prompt comes up without the network; a code pasted
# after the deadline is not sent anywhere, and the login fails: no outage
# was found in time.
write_conf /etc/security/pam_haobtc.conf site_url=https://127.0.0.1:1 \
    redirect_uri=https://127.0.0.1/cb ca_file="$HB_PKI/ca.pem" \
    client_id=test-client client_secret=test-secret timeout=$TIMEOUT http_timeout=3
sudo_term sudo_late_outage
su_term su_late_outage
su_term su_stopped_outage
ssh_term ssh_late_outage
drive late_paste sudo_late_outage
drive late_paste su_late_outage
drive stopped_across su_stopped_outage paste
drive late_paste ssh_late_outage
# sudo's later tries read the configuration again: it stays until the end.
drivers_done
check sudo_code_pasted_after_the_deadline_in_an_outage_fails_without_a_password_prompt \
    refused sudo_late_outage "$late_is_expired"
check su_code_pasted_after_the_deadline_in_an_outage_fails_without_a_password_prompt \
    refused su_late_outage "$late_is_expired"
check su_stopped_across_the_deadline_in_an_outage_fails_without_a_password_prompt \
    refused su_stopped_outage "$late_is_expired"
check ssh_code_pasted_after_the_deadline_in_an_outage_is_permission_denied_without_a_password_prompt \
    refused ssh_late_outage "$late_is_expired"

# 6, the control: haobtc and the relay really unreachable (a closed port),
# found in time: PAM_AUTHINFO_UNAVAIL, which this stack lets through to the
# password prompt, and the password logs in.
write_conf /etc/security/pam_haobtc.conf site_url=https://127.0.0.1:1 \
    relay_url=https://127.0.0.1:1 fleet_key_file="$HB_FLEET_KEY" \
    ca_file="$HB_PKI/ca.pem" client_id=test-client client_secret=test-secret \
    timeout=$TIMEOUT http_timeout=3
sudo_term sudo_outage
su_term su_outage
ssh_term ssh_outage
for t in sudo_outage su_outage ssh_outage; do drive password_at_the_prompt "$t"; done
drivers_done
outage_falls_through() { # NAME WHO
    ran "$1" "$2" && said "$1" 'haobtc sign-in is unavailable right now' &&
        said "$1" "$PASSWORD_PROMPT" || { e2e_show "$1"; return 1; }
}
check sudo_real_outage_falls_through_to_the_password outage_falls_through sudo_outage root
check su_real_outage_falls_through_to_the_password outage_falls_through su_outage alice
check ssh_real_outage_falls_through_to_the_password outage_falls_through ssh_outage alice

# 7, break-glass: su, sudo and sshd with the examples' services as they
# ship (su and sudo haobtc only, no fallback; sshd "sufficient"), codes an
# administrator issued with the built haobtc-login into the namespace's
# /etc/security/pam_haobtc.breakglass (the module's default file), and
# syslog read from the namespace's own /dev/log.
BG_FILE=/etc/security/pam_haobtc.breakglass
BG_QUESTION='haobtc cannot be reached\. A break-glass code from your administrator'
shipped_services() { e2e_pam_service su && e2e_pam_service sudo && e2e_pam_service sshd; }
check examples_su_sudo_and_sshd_services_as_they_ship shipped_services
check syslog_goes_to_the_namespaces_own_dev_log e2e_syslog
# issue USER: a new code for USER in BG_CODE, its id in BG_ID.
issue() {
    BG_CODE=$("$HB_LOGIN" breakglass issue --user "$1" --ttl 1h --file "$BG_FILE" | tail -n 1)
    BG_ID=$(awk -v u="$1" '$2 == u {id = $1} END {print id}' "$BG_FILE")
    [[ $BG_CODE =~ ^BG-([0-9A-Z]{5}-){3}[0-9A-Z]{5}$ ]] && [ -n "$BG_ID" ]
}
# bg_state ID: "used" or "unused", as haobtc-login breakglass list shows it
# (ID USER until DATE TIME UTC STATE [DATE TIME UTC]).
bg_state() { "$HB_LOGIN" breakglass list --file "$BG_FILE" | awk -v id="$1" '$1 == id {print $7}'; }
bg_conf() { # key=value...: the relay and provider settings of this case
    write_conf /etc/security/pam_haobtc.conf "$@" redirect_uri=https://127.0.0.1:1/cb \
        relay_url=https://127.0.0.1:1 fleet_key_file="$HB_FLEET_KEY" \
        ca_file="$HB_PKI/ca.pem" client_id=test-client client_secret=test-secret \
        timeout=30 http_timeout=3
}
# break_glass NAME [CODE]: at the module's question, CODE (none: only Enter).
break_glass() {
    e2e_wait_text "$1" "$BG_QUESTION" 15 || return 1
    [ -n "${2:-}" ] && e2e_type "$1" -l "$2"
    e2e_type "$1" Enter
}
# asked_then_refused NAME REGEX: the question came, the code was typed, and
# the login ended as refused() says, REGEX on the screen.
asked_then_refused() { said "$1" "$BG_QUESTION" && refused "$@" || { e2e_show "$1"; return 1; }; }
let_in_by_code() { # NAME WHO
    ran "$1" "$2" && said "$1" "$BG_QUESTION" && no_password_prompt "$1" ||
        { e2e_show "$1"; return 1; }
}
REFUSED_CODE='The break-glass code was not accepted\.'

check breakglass_code_is_issued_by_the_built_haobtc_login issue alice
up_code=$BG_CODE up_id=$BG_ID
root_only() { [ "$(stat -c '%a %U %G' "$BG_FILE")" = '600 root root' ]; }
check breakglass_file_is_root_only root_only

# 7a: haobtc up, only the relay (haobtc's redirect) down: the login finds
# the relay unreachable and asks, but a fresh helper finds haobtc: the
# code is refused and stays unused.
bg_conf site_url="$MOCK_URL"
su_term su_bg_up
drive break_glass su_bg_up "$up_code"
drivers_done
check su_breakglass_code_while_haobtc_is_up_is_refused_without_a_password_prompt \
    asked_then_refused su_bg_up "$REFUSED_CODE"
check breakglass_code_refused_while_haobtc_is_up_stays_unused [ "$(bg_state "$up_id")" = unused ]

# 7b: haobtc and the relay really down (closed ports, the redirect at the
# dead relay: no paste either). The code refused above makes bob alice, a
# code of alice's runs sudo and another logs her in over ssh; Enter at the
# question ends su with nothing to fall back to. Then the spent code again.
bg_conf site_url=https://127.0.0.1:1
issue alice
sudo_code=$BG_CODE sudo_id=$BG_ID
issue alice
ssh_code=$BG_CODE ssh_id=$BG_ID
su_term su_bg
sudo_term sudo_bg
ssh_term ssh_bg
su_term su_bg_enter
drive break_glass su_bg "$up_code"
drive break_glass sudo_bg "$sudo_code"
drive break_glass ssh_bg "$ssh_code"
drive break_glass su_bg_enter
drivers_done
e2e_wait_end su_bg 30
su_term su_bg_again
drive break_glass su_bg_again "$up_code"
drivers_done
check su_breakglass_code_in_a_real_outage_makes_bob_alice let_in_by_code su_bg alice
check sudo_breakglass_code_in_a_real_outage_runs_the_command let_in_by_code sudo_bg root
check ssh_breakglass_code_in_a_real_outage_logs_alice_in let_in_by_code ssh_bg alice
check su_spent_breakglass_code_again_fails_without_a_password_prompt \
    asked_then_refused su_bg_again "$REFUSED_CODE"
# Enter leaves the outage (PAM_AUTHINFO_UNAVAIL), which su prints as
# pam_strerror's text; the shipped stack has nothing after it.
gave_up() {
    said su_bg_enter "$BG_QUESTION" && ran_nothing su_bg_enter && no_password_prompt su_bg_enter &&
        said su_bg_enter 'haobtc sign-in is unavailable right now' &&
        said su_bg_enter '^su: Authentication service cannot retrieve authentication info' ||
        { e2e_show su_bg_enter; return 1; }
}
check su_enter_at_the_breakglass_question_fails_without_a_password_prompt gave_up
all_spent() {
    local id
    for id in "$up_id" "$sudo_id" "$ssh_id"; do
        [ "$(bg_state "$id")" = used ] || { e2e_say "code $id: $(bg_state "$id")"; return 1; }
    done
}
check breakglass_codes_used_in_the_outage_are_marked_used all_spent
# Each use at LOG_ALERT (priority 1, facility authpriv: <81>), and each
# code refused too; no code in the log or on a screen (asked echo off).
alert() { # REGEX COUNT
    [ "$(grep -cE "^<81>.*$1" "$E2E_DIR/syslog")" = "$2" ] ||
        { e2e_say "syslog: not $2 alert(s) \"$1\":"; sed 's/^/    | /' "$E2E_DIR/syslog" >&2; return 1; }
}
uses_are_alerts() {
    local su='pam_haobtc\(su-l:auth\): ' no='a break-glass code for alice from local was not accepted'
    alert "${su}break-glass code $up_id let alice in from local" 1 &&
        alert "pam_haobtc\(sudo:auth\): break-glass code $sudo_id let alice in from local" 1 &&
        alert "pam_haobtc\(sshd:auth\): break-glass code $ssh_id let alice in from 127\.0\.0\.1" 1 &&
        alert "$su$no: haobtc can be reached again" 1 &&
        alert "$su$no: not an unused, unexpired break-glass code of alice's" 1
}
check each_breakglass_use_and_refusal_is_logged_at_alert uses_are_alerts
codes_shown_nowhere() {
    local t code
    for code in "$up_code" "$sudo_code" "$ssh_code"; do
        ! grep -qF "${code#BG-}" "$E2E_DIR/syslog" || { e2e_say "a code in syslog"; return 1; }
        for t in su_bg_up su_bg sudo_bg ssh_bg su_bg_again; do
            ! e2e_scrollback "$t" | grep -qF "${code#BG-}" || { e2e_show "$t"; return 1; }
        done
    done
}
check no_breakglass_code_on_a_screen_or_in_syslog codes_shown_nowhere

if ! finish; then
    echo "---- tail of sshd's log:"
    tail -n 40 "$E2E_DIR/sshd.log"
fi
finish
