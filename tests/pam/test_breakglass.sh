# SPDX-License-Identifier: BSD-2-Clause
# Break-glass: when haobtc is really down, an administrator's one-time code
# (haobtc-login breakglass issue) lets the account in, once, and only while
# a fresh helper still finds haobtc unreachable; never the password. Real
# libpam (pamtester, pam_wrapper) with the module's stack alone.
. "$HB_SRC/tests/lib/lib.sh"
dir=$(mktemp -d "$HB_TEST_DIR/breakglass.XXXXXX")
mkdir "$dir/pam.d"
printf 'uuid:5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60 alice\n' >"$dir/map"
printf 'auth required %s conf=%s\n' "$HB_MODULE" "$dir/conf" >"$dir/pam.d/haobtc"
bg=$dir/breakglass
# pamtester may be gone before an answer it no longer asks for.
trap "" PIPE

conf() {
    write_conf "$dir/conf" "site_url=$MOCK_URL" "ca_file=$HB_PKI/ca.pem" \
        "client_id=test-client" "client_secret=test-secret" \
        "redirect_uri=https://127.0.0.1/cb" "map_file=$dir/map" \
        "breakglass_file=$bg" timeout=30 http_timeout=3 "$@"
}
issue() { # issue USER: prints the new code
    "$HB_LOGIN" breakglass issue --user "$1" --ttl 1h --file "$bg" | tail -n 1
}
state_of() { "$HB_LOGIN" breakglass list --file "$bg" | awk -v id="$1" '$1 == id {print $NF}'; }

# login [-n] CODE: pamtester as alice; answers the first prompt with a code
# the phone approved (-n: there is none, the login fails before it), then
# the break-glass prompt with CODE (may be empty). Output in $dir/out.
login() {
    local first=paste
    [ "$1" = -n ] && { first=none; shift; }
    fifo_pamtester "$dir" haobtc
    local i url=$FP_LINK
    if [ "$first" = paste ] && [ -n "$url" ]; then
        approve_tagged alice "$(url_query "$url" state)" \
            "$(url_query "$url" code_challenge)" >&"$FP_PERSON"
        echo >&"$FP_PERSON"
    fi
    for ((i = 0; i < 300; i++)); do
        grep -aq 'break-glass code from your administrator' "$dir/out" && break
        kill -0 "$FP_PID" 2>/dev/null || break
        sleep 0.1
    done
    printf '%s\n' "$1" >&"$FP_PERSON" 2>/dev/null
    fifo_pamtester_end
}
shown() { grep -av 'PWRAP_TRACE\|^[█▀▄ ]*$' "$dir/out" | tail -n 8 | sed 's/^/    | /'; return 1; }
let_in() { grep -q 'pamtester: successfully authenticated' "$dir/out" || shown; }
refused() { grep -q 'pamtester: Authentication failure' "$dir/out" || shown; }
asked() { grep -aq 'break-glass code from your administrator' "$dir/out" || shown; }
said() { grep -aq "$1" "$dir/out" || shown; }

# No file of codes: nothing is asked, the outage stands.
conf "site_url=https://127.0.0.1:1"
login ""
check no_breakglass_file_asks_nothing sh -c "! grep -aq 'break-glass' '$dir/out'"
check no_breakglass_file_keeps_authinfo_unavail said 'cannot retrieve authentication info'

code=$(issue alice)
id=$(awk '/ alice /{print $1}' "$bg" | tail -n 1)
check issue_prints_a_code_once sh -c "printf '%s' '$code' | grep -Eq '^BG-([0-9A-Z]{5}-){3}[0-9A-Z]{5}$'"
check issued_file_is_root_only_and_holds_no_code \
    sh -c "[ \"\$(stat -c %a '$bg')\" = 600 ] && ! grep -q '${code#BG-}' '$bg'"

# haobtc up, only the relay (haobtc's redirect) down: the login is
# unavailable, but a fresh look finds haobtc: the code is refused, unspent.
conf "relay_url=https://127.0.0.1:1" "redirect_uri=https://127.0.0.1:1/cb" \
    "fleet_key_file=$HB_FLEET_KEY"
login -n "$code"
check breakglass_prompt_follows_an_outage asked
check breakglass_code_is_refused_while_haobtc_is_up refused
check breakglass_refusal_says_haobtc_is_reachable said 'can be reached again'
check refused_code_stays_unused [ "$(state_of "$id")" = unused ]

# haobtc really down: the code lets alice in, once, logged at LOG_ALERT.
conf "site_url=https://127.0.0.1:1"
login "$code"
check breakglass_code_logs_in_during_an_outage let_in
check breakglass_use_is_logged_at_alert said "SYSLOG(1).*break-glass code $id let alice in"
check used_code_is_marked_used sh -c "'$HB_LOGIN' breakglass list --file '$bg' | grep -q '^$id .* used '"
login "$code"
check breakglass_code_works_only_once refused
check second_use_is_logged_at_alert_with_why \
    said "SYSLOG(1).*was not accepted: not an unused, unexpired break-glass code of alice's"

# Enter at the break-glass prompt: the outage stands.
login ""
check enter_at_breakglass_prompt_is_authinfo_unavail said 'cannot retrieve authentication info'
# Someone else's code, a made-up one, and a revoked one.
bob=$(issue bob)
login "$bob"
check another_accounts_code_is_refused refused
login "BG-00000-00000-00000-00000"
check made_up_code_is_refused refused
spare=$(issue alice)
spare_id=$(awk '/ alice /{print $1}' "$bg" | tail -n 1)
"$HB_LOGIN" breakglass revoke "$spare_id" --file "$bg" >/dev/null
login "$spare"
check revoked_code_is_refused refused
check no_breakglass_code_in_any_log \
    sh -c "! grep -aF -e '${code#BG-}' -e '${bob#BG-}' -e '${spare#BG-}' '$HB_TEST_DIR/module-syslog.txt'"
# An unsafe file is a configuration error, not a way in.
last=$(issue alice)
chmod 644 "$bg"
login "$last"
check world_readable_breakglass_file_is_refused \
    sh -c "! grep -q 'successfully authenticated' '$dir/out' && grep -q 'Error in service module' '$dir/out'"
finish
