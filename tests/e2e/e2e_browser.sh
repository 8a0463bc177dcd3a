# SPDX-License-Identifier: BSD-2-Clause
# A real browser on the relay's pages while a PAM login waits at its prompt:
# pamtester (the real libpam under pam_wrapper) shows the short link;
# Debian's chromium, driven through Debian's chromedriver by python3-selenium
# (tests/e2e/browser/relay-login.py), opens it, sees the user and host on the
# context page, continues to the mock provider's authorize page, approves,
# and lands on the relay's done page; then Enter at the prompt logs alice
# in. A second session, registered as a module would, is approved from a
# tab that asks for Chinese (Accept-Language: zh-CN): every page is
# Chinese, drawn in a CJK font, and the code it shows is the one the relay
# hands over. Screenshots of the pages go to $HB_BUILD/artifacts/
# (context.png, authorize.png, done.png, and context-zh-CN.png,
# authorize-zh-CN.png, done-zh-CN.png).
# Nothing here waits unbounded: pamtester, the browser and every request
# run under timeout, and a browser that fails ends the login at once.
# HB_BROWSER_TIMEOUT (60) bounds the browser's whole run.
# shellcheck shell=bash disable=SC2153 # MOCK2_URL, PT_PID come from outside
. "$HB_SRC/tests/lib/lib.sh"
bdir=$(mktemp -d "$HB_TEST_DIR/browser.XXXXXX")
chmod 755 "$bdir"
artifacts=$HB_BUILD/artifacts
chromium=${HB_CHROMIUM:-/usr/bin/chromium}
chromedriver=${HB_CHROMEDRIVER:-/usr/bin/chromedriver}
# Debian's python, where python3-selenium is (not one earlier on PATH).
python=/usr/bin/python3
browser_s=${HB_BROWSER_TIMEOUT:-60}
pt_pid=
# stop_pt: pamtester and its timeout, whatever state they are in; timeout
# leads a process group of its own, so nothing of it outlives the test.
stop_pt() {
    [ -n "$pt_pid" ] || return 0
    stop_pid "$pt_pid"
    kill -KILL -- "-$pt_pid" 2>/dev/null
    pt_pid=
}
trap stop_pt EXIT

for tool in "$chromium" "$chromedriver" "$python" pamtester openssl timeout; do
    command -v "$tool" >/dev/null || {
        not_ok browser_prerequisites \
            "$tool is missing (apt: chromium, chromium-driver, python3-selenium, pamtester)"
        exit 1
    }
done
if ! selenium=$(timeout -k 2 10 "$python" -c \
    'import selenium; print(selenium.__version__)' 2>&1); then
    not_ok browser_prerequisites "$python has no selenium (apt: python3-selenium): $selenium"
    exit 1
fi
chromium_v=$(timeout -k 2 10 "$chromium" --version 2>/dev/null | head -n 1)
driver_v=$(timeout -k 2 10 "$chromedriver" --version 2>&1 | head -n 1)
case $chromium_v/$driver_v in
    Chromium\ */ChromeDriver\ *) ;;
    *) not_ok browser_prerequisites "'$chromium_v', '$driver_v'"; exit 1 ;;
esac
ok "browser_prerequisites ($chromium_v, ${driver_v% (*}, selenium $selenium)"

# The module, configured for the relay and the provider behind it.
mkdir -p "$bdir/pam.d"
printf 'uuid:5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60 alice\n' >"$bdir/map"
write_conf "$bdir/conf" "site_url=$MOCK2_URL" "ca_file=$HB_PKI/ca.pem" \
    "client_id=test-client" "client_secret=test-secret" \
    "relay_url=$RELAY_URL" "redirect_uri=$RELAY_URL/cb" "map_file=$bdir/map" \
    "fleet_key_file=$HB_FLEET_KEY"
printf 'auth required %s conf=%s\n' \
    "$HB_MODULE" "$bdir/conf" >"$bdir/pam.d/haobtc-browser"

# exec: PT_PID is timeout itself, which ends pamtester with it. Its
# limit covers the whole test; the waits below are shorter.
coproc PT {
    exec timeout -k 5 $((browser_s + 120)) env \
        LD_PRELOAD="$HB_PRELOAD_BASE:$HB_PAM_WRAPPER" \
        PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$bdir/pam.d" \
        PAM_WRAPPER_DEBUGLEVEL=4 PAM_WRAPPER_DISABLE_DEEPBIND=1 \
        pamtester -v haobtc-browser alice authenticate 2>&1
}
pt_pid=$PT_PID
# Copies of its ends: bash closes its own once it has ended.
exec {PT_OUT}<&"${PT[0]}" {PT_IN}>&"${PT[1]}"
link='' host='' number=''
deadline=$((SECONDS + 20))
while [ "$SECONDS" -lt "$deadline" ] && IFS= read -r -t 5 line <&"$PT_OUT"; do
    [ -n "$number" ] || number=$(number_shown "$line")
    case $line in
        "Sign in with haobtc to log in as alice on "*) host=${line#* on }; host=${host%.} ;;
        https://*) link=$line; break ;;
    esac
done
if [ -z "$link" ] || [ -z "$host" ]; then
    not_ok pam_prompt_shows_the_short_link "link '$link', host '$host'"
    exit 1
fi
ok "pam_prompt_shows_the_short_link ($link)"
if [ -n "$number" ]; then
    ok "pam_prompt_shows_the_number_to_pick ($number)"
else
    not_ok pam_prompt_shows_the_number_to_pick
    exit 1
fi

# The Chinese phone's session: registered with the fleet key as the module
# registers one under "sudo systemctl restart x" (the page shows the
# command); its poll secret P stays here.
zh_command='systemctl restart x'
b64url() { basenc --base64url | tr -d '='; }
zh_secret=$(head -c 32 /dev/urandom | b64url)
zh_state=$(printf %s "$zh_secret" | openssl dgst -sha256 -binary | b64url)
zh_tag_key=$(head -c 32 /dev/urandom | b64url)
# and its PKCE challenge, whose verifier (never used: the test polls the
# code, it does not redeem it) stays here too.
zh_challenge=$(pkce_challenge "$(head -c 32 /dev/urandom | b64url)")
timeout -k 2 20 "$HB_SRC/tests/bin/relay-post" --out "$bdir/zh.json" "$RELAY_URL" /api/v1/sessions \
    "state=$zh_state" "code_challenge=$zh_challenge" "tag_key=$zh_tag_key" \
    "host=$host" user=alice service=sudo "command=$zh_command" number_match=yes >/dev/null
zh_link=$(sed -n 's/.*"link":"\([^"]*\)".*/\1/p' "$bdir/zh.json")
zh_number=$(sed -n 's/.*"number":\([0-9]*\).*/\1/p' "$bdir/zh.json")
# A third login, whose phone picks another number than its terminal shows.
wrong_secret=$(head -c 32 /dev/urandom | b64url)
timeout -k 2 20 "$HB_SRC/tests/bin/relay-post" --out "$bdir/wrong.json" "$RELAY_URL" /api/v1/sessions \
    "state=$(printf %s "$wrong_secret" | openssl dgst -sha256 -binary | b64url)" \
    "code_challenge=$zh_challenge" "tag_key=$zh_tag_key" "host=$host" user=alice \
    number_match=yes >/dev/null
wrong_link=$(sed -n 's/.*"link":"\([^"]*\)".*/\1/p' "$bdir/wrong.json")
wrong_number=$(sed -n 's/.*"number":\([0-9]*\).*/\1/p' "$bdir/wrong.json")
if [ -z "$zh_link" ]; then
    not_ok relay_registers_the_chinese_phones_session "$(cat "$bdir/zh.json")"
    exit 1
fi

# Trusted by the hash of its key, not by switching certificate checks off.
spki=$(openssl x509 -in "$HB_PKI/server.pem" -noout -pubkey |
    openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
mkdir -p "$artifacts" "$bdir/profile"
shots=(context authorize 'done' context-zh-CN authorize-zh-CN done-zh-CN)
for shot in "${shots[@]}"; do rm -f "$artifacts/$shot.png"; done
# timeout leads a process group of its own: whatever of chromedriver and
# chromium a failed run leaves is killed with it. The script's own limit
# comes first, so that its FAILED line names the step that hung.
run_s=$((browser_s - 15))
[ "$run_s" -ge 5 ] || run_s=5
HB_LINK=$link HB_LINK_ZH=$zh_link HB_CODE_ZH=$bdir/zh.code \
HB_USER=alice HB_HOST=$host HB_SERVICE=haobtc-browser \
HB_COMMAND_ZH=$zh_command HB_NUMBER=$number HB_NUMBER_ZH=$zh_number \
HB_LINK_WRONG=$wrong_link HB_NUMBER_WRONG=$wrong_number HB_SPKI=$spki HB_CHROMIUM=$chromium \
HB_CHROMEDRIVER=$chromedriver HB_DRIVER_LOG=$bdir/chromedriver.log \
HB_ARTIFACTS=$artifacts HB_PROFILE=$bdir/profile HB_RUN_TIMEOUT=$run_s \
    timeout -k 5 "$browser_s" "$python" "$HB_SRC/tests/e2e/browser/relay-login.py" \
    >"$bdir/browser.out" 2>&1 {PT_IN}>&- {PT_OUT}<&- &
browser_pid=$!
wait "$browser_pid"
rc=$?
kill -KILL -- "-$browser_pid" 2>/dev/null
cat "$bdir/browser.out"
if [ "$rc" -ne 0 ]; then
    # Nobody will approve: pamtester is ended now, not left at its prompt.
    stop_pt
    # Its own FAILED line names the step; one more says when it was killed
    # or ended without one.
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        not_ok browser_script_finishes "killed after ${browser_s}s (HB_BROWSER_TIMEOUT)"
    elif ! grep -q '^\[  FAILED  \]' "$bdir/browser.out"; then
        not_ok browser_script_finishes "exit $rc: $(tail -n 3 "$bdir/browser.out" | tr '\n' ' ')"
    fi
    not_ok pam_enter_after_browser_approval_authenticates_alice \
        "not tried: the browser did not approve (exit $rc), pamtester ended"
    exit 1
fi
for shot in "${shots[@]}"; do
    if [ "$(head -c 8 "$artifacts/$shot.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
        ok "screenshot_${shot}_png_kept ($(stat -c %s "$artifacts/$shot.png") bytes)"
    else
        not_ok "screenshot_${shot}_png_kept"
    fi
done

# The Chinese done page showed CODE:TAG; the relay hands CODE over to the
# poll secret, and TAG is the one made with this session's tag key.
zh_shown=$(cat "$bdir/zh.code" 2>/dev/null)
timeout -k 2 20 "$HB_SRC/tests/bin/relay-post" --out "$bdir/zh-poll.json" "$RELAY_URL" /api/v1/poll \
    "secret=$zh_secret" wait=0 >/dev/null
zh_code=$(sed -n 's/.*"code":"\([^"]*\)".*/\1/p' "$bdir/zh-poll.json")
zh_tag=$(printf %s "$zh_code" | openssl dgst -sha256 -mac HMAC \
    -macopt "key:$zh_tag_key" -binary | b64url | cut -c1-8)
if [ -n "$zh_code" ] && [ "$zh_shown" = "$zh_code:$zh_tag" ]; then
    ok relay_hands_over_the_code_the_chinese_done_page_showed
else
    not_ok relay_hands_over_the_code_the_chinese_done_page_showed \
        "shown '$zh_shown', polled $(cat "$bdir/zh-poll.json")"
fi

# The wrong pick ended its login: its poll answers "number mismatch", as
# the module's terminal then says.
timeout -k 2 20 "$HB_SRC/tests/bin/relay-post" --out "$bdir/wrong-poll.json" "$RELAY_URL" /api/v1/poll \
    "secret=$wrong_secret" wait=0 >/dev/null
check wrong_pick_login_polls_number_mismatch \
    grep -qx '{"ok":false,"error":"number mismatch"}' "$bdir/wrong-poll.json"

# The phone approved: Enter polls the relay, which hands the code over.
printf '\n' >&"$PT_IN"
# Nothing more to say: a second prompt reads end of file, never waits.
exec {PT_IN}>&-
[ -z "${PT[1]:-}" ] || eval "exec ${PT[1]}>&-"
timeout -k 2 30 cat <&"$PT_OUT" >"$bdir/out"
stop_pt
grep -a SYSLOG "$bdir/out" >>"$HB_TEST_DIR/module-syslog.txt"
check pam_enter_after_browser_approval_authenticates_alice \
    grep -q 'pamtester: successfully authenticated' "$bdir/out"
finish
