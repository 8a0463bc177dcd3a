# SPDX-License-Identifier: BSD-2-Clause
# pamtester, the whole stack as an administrator would try it: pam_wrapper's
# service directory, the built module, a pasted code approved by the
# simulated phone.
. "$HB_SRC/tests/lib/lib.sh"
dir=$(mktemp -d "$HB_TEST_DIR/pamtester.XXXXXX")
mkdir "$dir/pam.d"
printf 'uuid:5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60 alice\n' >"$dir/map"
write_conf "$dir/conf" "site_url=$MOCK_URL" "ca_file=$HB_PKI/ca.pem" \
    "client_id=test-client" "client_secret=test-secret" \
    "redirect_uri=https://127.0.0.1/cb" "map_file=$dir/map"
printf 'auth required %s conf=%s\n' \
    "$HB_MODULE" "$dir/conf" >"$dir/pam.d/haobtc"

run_pamtester() { # run_pamtester USER APPROVER
    coproc PT {
        LD_PRELOAD="$HB_PRELOAD_BASE:$HB_PAM_WRAPPER" \
        PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$dir/pam.d" \
        PAM_WRAPPER_DEBUGLEVEL=4 PAM_WRAPPER_DISABLE_DEEPBIND=1 \
            pamtester -v haobtc "$1" authenticate 2>&1
    }
    pid=$PT_PID
    # Copies of its ends: bash closes its own once it has ended.
    exec {PT_OUT}<&"${PT[0]}" {PT_IN}>&"${PT[1]}"
    local url= line
    while IFS= read -r -t 15 line <&"$PT_OUT"; do
        case $line in https://*) url=$line; break ;; esac
    done
    [ -n "$url" ] || { echo "no link in the prompt"; return 1; }
    printf '%s\n' "$(approve_tagged "$2" "$(url_query "$url" state)" \
        "$(url_query "$url" code_challenge)")" >&"$PT_IN"
    cat <&"$PT_OUT" >"$dir/out"
    grep -a SYSLOG "$dir/out" >>"$HB_TEST_DIR/module-syslog.txt"
    wait "$pid"
}

run_pamtester alice alice
check pamtester_pasted_code_authenticates_alice \
    grep -q 'pamtester: successfully authenticated' "$dir/out"
run_pamtester bob alice
check pamtester_alice_identity_cannot_log_in_as_bob \
    grep -q 'pamtester: Authentication failure' "$dir/out"
finish
