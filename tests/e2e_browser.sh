# A real browser on the relay's pages while a PAM login waits at its prompt:
# pamtester (the real libpam under pam_wrapper) shows the short link;
# Debian's chromium, driven by playwright-core (tests/browser/), opens it,
# sees the user and host on the context page, continues to the mock
# provider's authorize page, approves, and lands on the relay's done page;
# then Enter at the prompt logs alice in. Screenshots of the three pages go
# to $HB_BUILD/artifacts/ (context.png, authorize.png, done.png).
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
link='' host=''
while IFS= read -r -t 15 line <&"${PT[0]}"; do
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

# Trusted by the hash of its key, not by switching certificate checks off.
spki=$(openssl x509 -in "$HB_PKI/server.pem" -noout -pubkey |
    openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
mkdir -p "$artifacts" "$bdir/profile"
rm -f "$artifacts/context.png" "$artifacts/authorize.png" "$artifacts/done.png"
HB_LINK=$link HB_USER=alice HB_HOST=$host HB_SPKI=$spki HB_CHROMIUM=$chromium \
HB_ARTIFACTS=$artifacts HB_PROFILE=$bdir/profile NODE_PATH=$deps/node_modules \
    timeout 90 node "$HB_SRC/tests/browser/relay-login.js" >"$bdir/browser.out" 2>&1
rc=$?
cat "$bdir/browser.out"
if [ "$rc" -ne 0 ] && ! grep -q '^\[  FAILED  \]' "$bdir/browser.out"; then
    not_ok browser_script_finishes "exit $rc"
fi
for shot in context authorize 'done'; do
    if [ "$(head -c 8 "$artifacts/$shot.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
        ok "screenshot_${shot}_png_kept ($(stat -c %s "$artifacts/$shot.png") bytes)"
    else
        not_ok "screenshot_${shot}_png_kept"
    fi
done

# The phone approved: Enter polls the relay, which hands the code over.
printf '\n' >&"${PT[1]}"
timeout 30 cat <&"${PT[0]}" >"$bdir/out"
wait "$pt_pid" 2>/dev/null
pt_pid=
grep -a SYSLOG "$bdir/out" >>"$HB_TEST_DIR/module-syslog.txt"
check pam_enter_after_browser_approval_authenticates_alice \
    grep -q 'pamtester: successfully authenticated' "$bdir/out"
finish
