# A real browser on the relay's pages while a PAM login waits at its prompt:
# pamtester (the real libpam under pam_wrapper) shows the short link;
# Debian's chromium, driven by playwright-core (tests/browser/), opens it,
# sees the user and host on the context page, continues to the mock
# provider's authorize page, approves, and lands on the relay's done page;
# then Enter at the prompt logs alice in. A second session, registered as
# a module would, is approved from a phone that asks for Chinese
# (Accept-Language: zh-CN): every page is Chinese, drawn in a CJK font, and
# the code it shows is the one the relay hands over. Screenshots of the
# pages go to $HB_BUILD/artifacts/ (context.png, authorize.png, done.png,
# and context-zh-CN.png, authorize-zh-CN.png, done-zh-CN.png).
# shellcheck shell=bash disable=SC2153 # MOCK2_URL, PT_PID come from outside
. "$HB_SRC/tests/lib.sh"
bdir=$(mktemp -d "$HB_TEST_DIR/browser.XXXXXX")
chmod 755 "$bdir"
artifacts=$HB_BUILD/artifacts
deps=$HB_BUILD/browser-deps
chromium=${HB_CHROMIUM:-/usr/bin/chromium}
pt_pid=
cleanup() { stop_pid "$pt_pid"; }
trap cleanup EXIT

for tool in node npm "$chromium" pamtester openssl; do
    command -v "$tool" >/dev/null ||
        { not_ok browser_prerequisites "$tool is missing (apt: chromium, nodejs, npm, pamtester)"; exit 1; }
done
ok "browser_prerequisites (node $(node --version), $("$chromium" --version 2>/dev/null | head -n 1))"

# playwright-core from the committed lock, once per build tree and outside
# the source tree; it never downloads a browser of its own.
if ! cmp -s "$HB_SRC/tests/browser/package-lock.json" "$deps/package-lock.json" ||
    [ ! -f "$deps/node_modules/playwright-core/package.json" ]; then
    rm -rf "$deps" && mkdir -p "$deps"
    cp "$HB_SRC/tests/browser/package.json" "$HB_SRC/tests/browser/package-lock.json" "$deps/"
    if ! PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$deps" --ignore-scripts \
        --no-audit --no-fund >"$bdir/npm.log" 2>&1; then
        not_ok browser_dependencies_install "$(tail -n 5 "$bdir/npm.log")"
        rm -rf "$deps"
        exit 1
    fi
fi
ok "browser_dependencies_installed (playwright-core $(sed -n 's/^  "version": "\(.*\)",$/\1/p' \
    "$deps/node_modules/playwright-core/package.json"))"

# The module, configured for the relay and the provider behind it.
mkdir -p "$bdir/pam.d"
printf 'uuid:5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60 alice\n' >"$bdir/map"
write_conf "$bdir/conf" "site_url=$MOCK2_URL" "ca_file=$HB_PKI/ca.pem" \
    "client_id=test-client" "client_secret=test-secret" \
    "relay_url=$RELAY_URL" "redirect_uri=$RELAY_URL/cb" "map_file=$bdir/map" \
    "fleet_key_file=$HB_FLEET_KEY"
printf 'auth required %s conf=%s\n' \
    "$HB_MODULE" "$bdir/conf" >"$bdir/pam.d/haobtc-browser"

coproc PT {
    LD_PRELOAD="$HB_PRELOAD_BASE:$HB_PAM_WRAPPER" \
    PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$bdir/pam.d" \
    PAM_WRAPPER_DEBUGLEVEL=4 PAM_WRAPPER_DISABLE_DEEPBIND=1 \
        pamtester -v haobtc-browser alice authenticate 2>&1
}
pt_pid=$PT_PID
# Copies of its ends: bash closes its own once it has ended.
exec {PT_OUT}<&"${PT[0]}" {PT_IN}>&"${PT[1]}"
link='' host=''
while IFS= read -r -t 15 line <&"$PT_OUT"; do
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

# The Chinese phone's session: registered with the fleet key as the module
# registers one; its poll secret P stays here.
b64url() { basenc --base64url | tr -d '='; }
zh_secret=$(head -c 32 /dev/urandom | b64url)
zh_state=$(printf %s "$zh_secret" | openssl dgst -sha256 -binary | b64url)
zh_tag_key=$(head -c 32 /dev/urandom | b64url)
# and its PKCE challenge, whose verifier (never used: the test polls the
# code, it does not redeem it) stays here too.
zh_challenge=$(pkce_challenge "$(head -c 32 /dev/urandom | b64url)")
"$HB_SRC/tests/relay-post" --out "$bdir/zh.json" "$RELAY_URL" /api/v1/sessions \
    "state=$zh_state" "code_challenge=$zh_challenge" "tag_key=$zh_tag_key" \
    "host=$host" user=alice >/dev/null
zh_link=$(sed -n 's/.*"link":"\([^"]*\)".*/\1/p' "$bdir/zh.json")
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
HB_LINK=$link HB_LINK_ZH=$zh_link HB_CODE_ZH=$bdir/zh.code \
HB_USER=alice HB_HOST=$host HB_SPKI=$spki HB_CHROMIUM=$chromium \
HB_ARTIFACTS=$artifacts HB_PROFILE=$bdir/profile NODE_PATH=$deps/node_modules \
    timeout 90 node "$HB_SRC/tests/browser/relay-login.js" >"$bdir/browser.out" 2>&1
rc=$?
cat "$bdir/browser.out"
if [ "$rc" -ne 0 ] && ! grep -q '^\[  FAILED  \]' "$bdir/browser.out"; then
    not_ok browser_script_finishes "exit $rc"
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
"$HB_SRC/tests/relay-post" --out "$bdir/zh-poll.json" "$RELAY_URL" /api/v1/poll \
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

# The phone approved: Enter polls the relay, which hands the code over.
printf '\n' >&"$PT_IN"
timeout 30 cat <&"$PT_OUT" >"$bdir/out"
wait "$pt_pid" 2>/dev/null
pt_pid=
grep -a SYSLOG "$bdir/out" >>"$HB_TEST_DIR/module-syslog.txt"
check pam_enter_after_browser_approval_authenticates_alice \
    grep -q 'pamtester: successfully authenticated' "$bdir/out"
finish
