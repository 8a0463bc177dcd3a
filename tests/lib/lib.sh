# SPDX-License-Identifier: BSD-2-Clause
# Shared by the shell tests and the driver: a test PKI, the mock provider
# started on a free loopback port, and result lines in one format.
# Sourced; expects HB_BUILD (build tree) and HB_SRC (source tree).

hb_pass=0
hb_fail=0
# The module and haobtc-login that start this build tree's helper.
HB_MODULE=${HB_MODULE:-$HB_BUILD/tests/.libs/pam_haobtc.so}
HB_LOGIN=${HB_LOGIN:-$HB_BUILD/tests/haobtc-login}

# One result line per test, the same shape as cmocka's, so the driver can
# count every test the same way.
ok() { echo "[       OK ] $1"; hb_pass=$((hb_pass + 1)); }
not_ok() { echo "[  FAILED  ] $1${2:+: $2}"; hb_fail=$((hb_fail + 1)); }
# A failing check says what it ran and, when its last word is a file, what
# that file held (the first lines).
check() { # check NAME COMMAND...
    name=$1; shift
    if "$@"; then
        ok "$name"
        return
    fi
    not_ok "$name" "$*"
    local last=${*: -1}
    if [ -f "$last" ] && [ -r "$last" ]; then
        echo "    $last begins:"
        head -n 5 "$last" | cut -c1-200 | sed 's/^/    | /'
    fi
}
finish() { [ "$hb_fail" -eq 0 ]; }

# wait_for_file FILE SECONDS
wait_for_file() {
    i=0
    while [ ! -s "$1" ]; do
        i=$((i + 1))
        [ "$i" -gt $(($2 * 10)) ] && return 1
        sleep 0.1
    done
}

# start_mock DIR [extra mock options...]: sets MOCK_PID, MOCK_PORT, MOCK_URL.
# The mock requires PKCE, so every test that logs in proves the module
# sends a code_challenge and its verifier.
start_mock() {
    dir=$1; shift
    rm -f "$dir/mock.port"
    "$HB_BUILD/tests/mock/haobtc-mock" --port 0 --port-file "$dir/mock.port" \
        --cert "$HB_PKI/server.pem" --key "$HB_PKI/server-key.pem" \
        --users "$HB_SRC/tests/data/users" --client-id test-client \
        --client-secret test-secret --redirect-uri https://127.0.0.1/cb \
        --blocked-client blocked-client \
        --secrets-log "$dir/mock-secrets.txt" --require-pkce "$@" \
        >>"$dir/mock.log" 2>&1 &
    MOCK_PID=$!
    if ! wait_for_file "$dir/mock.port" 10; then
        echo "haobtc-mock did not start; its log:" >&2
        cat "$dir/mock.log" >&2
        return 1
    fi
    MOCK_PORT=$(cat "$dir/mock.port")
    MOCK_URL="https://127.0.0.1:$MOCK_PORT"
}

# free_port: a loopback port nobody listens on right now
# hb_zh_locale: prints a directory holding zh_CN.utf8, the zh_CN.UTF-8
# locale (for LOCPATH, or to copy), made with localedef from the locales
# package: CI machines have none generated. It takes seconds, so the
# build tree keeps it for the tests after.
hb_zh_locale() {
    local dir=$HB_BUILD/tests/locale tmp
    if [ ! -d "$dir/zh_CN.utf8" ]; then
        mkdir -p "$dir" && tmp=$(mktemp -d "$dir/new.XXXXXX") || return 1
        if ! localedef -i zh_CN -f UTF-8 "$tmp/zh_CN.utf8" >"$tmp/log" 2>&1; then
            cat "$tmp/log" >&2
            rm -rf "$tmp"
            return 1
        fi
        # Two tests may make it at once: the first rename wins.
        mv -T "$tmp/zh_CN.utf8" "$dir/zh_CN.utf8" 2>/dev/null
        rm -rf "$tmp"
        [ -d "$dir/zh_CN.utf8" ] || return 1
    fi
    echo "$dir"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_relay DIR PROVIDER_PORT [extra relay options...]: the relay with the
# test certificate and the fleet key $HB_FLEET_KEY, sending browsers to that
# provider's authorize page as client test-client; sets RELAY_PID,
# RELAY_PORT, RELAY_URL
start_relay() {
    dir=$1; port=$2; shift 2
    rm -f "$dir/relay.port"
    RELAY_PORT=$(free_port)
    "$HB_BUILD/tools/relay/haobtc-relay" --port "$RELAY_PORT" --port-file "$dir/relay.port" \
        --cert "$HB_PKI/server.pem" --key "$HB_PKI/server-key.pem" \
        --public-url "https://127.0.0.1:$RELAY_PORT" \
        --fleet-key-file "$HB_FLEET_KEY" --client-id test-client \
        --authorize-url "https://127.0.0.1:$port/auth/oauth/authorize/" \
        --rate 1000 --burst 1000 --module-rate 1000 --module-burst 10000 "$@" >>"$dir/relay.log" 2>&1 &
    RELAY_PID=$!
    if ! wait_for_file "$dir/relay.port" 10; then
        echo "haobtc-relay did not start; its log:" >&2
        cat "$dir/relay.log" >&2
        return 1
    fi
    RELAY_URL="https://127.0.0.1:$RELAY_PORT"
}

stop_pid() {
    [ -n "${1:-}" ] || return 0
    kill "$1" 2>/dev/null || return 0
    i=0
    while kill -0 "$1" 2>/dev/null && [ "$i" -lt 50 ]; do
        sleep 0.1; i=$((i + 1))
    done
    kill -9 "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# write_conf FILE key=value...: a root-owned 0600 config file
write_conf() {
    f=$1; shift
    : >"$f"
    chmod 600 "$f"
    for kv in "$@"; do printf '%s\n' "$kv" | sed 's/=/ = /' >>"$f"; done
}

# url_query URL NAME: the value of NAME= in URL's query (empty if none)
url_query() {
    case $1 in *[?\&]"$2"=*) ;; *) return 0 ;; esac
    local v=${1##*[?&]"$2"=}
    printf '%s' "${v%%&*}"
}

# pkce_challenge VERIFIER: its S256 code_challenge, base64url(SHA-256)
pkce_challenge() {
    printf %s "$1" | openssl dgst -sha256 -binary | basenc --base64url | tr -d =
}

# pkce_form CHALLENGE: curl arguments for an authorize request's PKCE
# parameters (none for an empty CHALLENGE)
pkce_form() {
    [ -n "$1" ] || return 0
    printf -- '--data-urlencode\ncode_challenge=%s\n' "$1"
    printf -- '--data-urlencode\ncode_challenge_method=S256\n'
}

# approve USERNAME STATE [CHALLENGE]: the simulated phone; prints the code
# (issued with the PKCE challenge the login's link carries)
approve() {
    local pkce
    mapfile -t pkce < <(pkce_form "${3:-}")
    curl -sS --cacert "$HB_PKI/ca.pem" -X POST "$MOCK_URL/mock/approve" \
        --data-urlencode "client_id=test-client" \
        --data-urlencode "username=$1" --data-urlencode "state=$2" "${pkce[@]}" |
        sed -n 's/.*"auth_code" *: *"\([^"]*\)".*/\1/p'
}

# provider_approve HREF USER [PROVIDER_URL]: approves as USER the provider
# link HREF (the relay's Continue sends the phone there) with its state and
# code_challenge, at PROVIDER_URL (MOCK2_URL by default); prints where the
# provider sends the phone back (the relay's /cb?code=...&state=...)
provider_approve() {
    local pkce
    mapfile -t pkce < <(pkce_form "$(url_query "$1" code_challenge)")
    curl -sS --cacert "$HB_PKI/ca.pem" -X POST "${3:-$MOCK2_URL}/mock/approve" \
        --data-urlencode client_id=test-client --data-urlencode "username=$2" \
        --data-urlencode "state=$(url_query "$1" state)" "${pkce[@]}" |
        sed -n 's/.*"location" *: *"\([^"]*\)".*/\1/p' | sed 's|\\/|/|g'
}

# paste_answer STATE CODE: what a page without a relay shows for pasting,
# CODE:TAG with TAG = base64url(HMAC-SHA256(key = STATE, CODE)), first 8
paste_answer() {
    printf '%s:%s' "$2" "$(printf %s "$2" | openssl dgst -sha256 -mac HMAC \
        -macopt "key:$1" -binary | basenc --base64url | cut -c1-8)"
}

# approve_tagged USERNAME STATE CHALLENGE: the simulated phone without a
# relay; prints what the page shows for pasting (CODE:TAG)
approve_tagged() {
    local code
    code=$(approve "$1" "$2" "$3") && [ -n "$code" ] && paste_answer "$2" "$code"
}

# pamtester_start PAM_DIR SERVICE [SECONDS]: pamtester authenticating alice
# through PAM_DIR/pam.d/SERVICE (pam_wrapper) as the coprocess PT; sets
# pt_pid, link from the first https:// line it prints and number from the
# number it shows to pick before it (waiting SECONDS,
# 15 by default)
pamtester_start() {
    coproc PT {
        LD_PRELOAD="$HB_PRELOAD_BASE:$HB_PAM_WRAPPER" \
        PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$1/pam.d" \
        PAM_WRAPPER_DEBUGLEVEL=4 PAM_WRAPPER_DISABLE_DEEPBIND=1 \
            pamtester -v "$2" alice authenticate 2>&1
    }
    pt_pid=$PT_PID
    # Copies of its ends: bash closes its own once it has ended.
    exec {PT_OUT}<&"${PT[0]}" {PT_IN}>&"${PT[1]}"
    link= number=
    local line
    while IFS= read -r -t "${3:-15}" line <&"$PT_OUT"; do
        [ -n "$number" ] || number=$(number_shown "$line")
        case $line in https://*) link=$line; break ;; esac
    done
}

# fifo_pamtester DIR SERVICE [SHELL-WORDS]: pamtester authenticating alice
# through DIR/pam.d/SERVICE in the background, its answers from the FIFO
# DIR/in (held open here as $FP_PERSON, so it waits at its prompts), its
# output in DIR/out; SHELL-WORDS (e.g. "ulimit -n 12;") run in its shell
# first. Sets FP_PID, FP_LINK to the first https:// line it printed
# (empty if none came within 20 s or it ended), and FP_NUMBER to the number
# it showed to pick (number matching). fifo_pamtester_end closes
# the FIFO, reaps it and keeps what it logged for the secrets check.
fifo_pamtester() {
    local i
    rm -f "$1/in"
    mkfifo "$1/in"
    : >"$1/out"
    (
        eval "${3:-}"
        exec env LD_PRELOAD="$HB_PRELOAD_BASE:$HB_PAM_WRAPPER" \
            PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$1/pam.d" \
            PAM_WRAPPER_DEBUGLEVEL=4 PAM_WRAPPER_DISABLE_DEEPBIND=1 \
            pamtester -v "$2" alice authenticate <"$1/in" >"$1/out" 2>&1
    ) &
    FP_PID=$!
    FP_DIR=$1
    exec {FP_PERSON}>"$1/in"
    FP_LINK=
    for ((i = 0; i < 200; i++)); do
        FP_LINK=$(grep -a -m1 '^https://' "$1/out")
        [ -n "$FP_LINK" ] || ! kill -0 "$FP_PID" 2>/dev/null && break
        sleep 0.1
    done
    FP_NUMBER=$(number_shown "$(cat "$1/out")")
}
fifo_pamtester_end() {
    exec {FP_PERSON}>&-
    wait "$FP_PID" 2>/dev/null
    grep -a SYSLOG "$FP_DIR/out" >>"$HB_TEST_DIR/module-syslog.txt"
    return 0
}

# phone_continue LINK JAR: the simulated phone opens the short link and
# presses Continue (a POST with the page's anti-CSRF value), keeping the
# cookie in JAR; prints where the relay sends it (the provider's page).
phone_continue() {
    local page action csrf pick=()
    page=$(curl -sS --cacert "$HB_PKI/ca.pem" "$1") || return 1
    page=$(printf '%s' "$page" | tr '\n' ' ')
    action=$(printf '%s' "$page" | grep -o '<form method="post" action="[^"]*"' |
        sed 's/.*action="\([^"]*\)"/\1/')
    csrf=$(printf '%s' "$page" | grep -o 'name="csrf" value="[^"]*"' |
        sed 's/.*value="\([^"]*\)"/\1/')
    [ -n "$action" ] && [ -n "$csrf" ] || return 1
    # Number matching: the page asks for the number the terminal showed
    # (NUMBER); without one the phone cannot go on.
    if printf '%s' "$page" | grep -q 'name="number"'; then
        [ -n "${3:-}" ] || { echo "phone_continue: the page asks for a number" >&2; return 1; }
        pick=(--data-urlencode "number=$3")
    fi
    curl -sS --cacert "$HB_PKI/ca.pem" -c "$2" -b "$2" -o /dev/null \
        -w '%{redirect_url}' --data-urlencode "csrf=$csrf" "${pick[@]}" "$action"
}

# number_shown TEXT: the number a terminal's text asks the phone to pick
# (its last "Your number is N" line, in English or Chinese), or nothing.
number_shown() {
    printf '%s\n' "$1" | sed -n 's/^.*\(Your number is\|您的数字是\) \([1-9][0-9]\)[:：].*$/\2/p' | tail -n 1
}

# phone_approve LINK USER [NUMBER]: the simulated phone with a relay: opens
# the short link, presses Continue picking NUMBER when the page asks for
# one (which sets the relay's cookie), approves as USER
# at the provider (MOCK2), and follows the redirect back to the relay's
# callback with the cookie.
phone_approve() {
    local jar href location rc=1
    jar=$(mktemp "${HB_TEST_DIR:-/tmp}/jar.XXXXXX") || return 1
    href=$(phone_continue "$1" "$jar" "${3:-}")
    location=$(provider_approve "$href" "$2")
    [ -n "$href" ] && [ -n "$location" ] &&
        curl -sS --cacert "$HB_PKI/ca.pem" -b "$jar" "$location" >/dev/null && rc=0
    rm -f "$jar"
    return $rc
}
