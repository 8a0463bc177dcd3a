# SPDX-License-Identifier: BSD-2-Clause
# What the PAM application's memory holds after a login. The network code
# belongs in a helper process, so once pam_authenticate has returned, the
# process that called it must hold no access or refresh token, no
# authorization code and no client secret. tests/pam-app (libpam alone: no
# libcurl, no json-c) logs in with a pasted code through pam_wrapper and
# waits; tests/bin/memscan reads its memory through /proc/PID/mem (root).
. "$HB_SRC/tests/lib/lib.sh"

# The module under test: the only line to change when its path changes.
memscan_module=$HB_MODULE

pam_app=$HB_BUILD/tests/pam-app
if [ "$(id -u)" -ne 0 ]; then
    not_ok memscan_runs_as_root "reading another process's memory needs root (ptrace); run the suite as root as CI does"
    finish
    exit
fi
if [ ! -x "$pam_app" ]; then
    not_ok memscan_pam_app_is_built "$pam_app is missing (make check TESTS=)"
    finish
    exit
fi

dir=$(mktemp -d "$HB_TEST_DIR/memscan.XXXXXX")
chmod 755 "$dir"
app_pid=
MOCK_PID=
cleanup() {
    exec 3>&- 2>/dev/null
    stop_pid "$app_pid"
    stop_pid "$MOCK_PID"
}
trap cleanup EXIT

# A client secret no other test uses, so finding it means this login put
# it there: the mock of this test knows it (the suite's mock knows only
# test-secret).
secret=$(openssl rand -hex 16)
start_mock "$dir" --client-secret "$secret" || exit 1
# The suite's final check looks for these in every log.
printf '%s\n' "$secret" >>"$HB_TEST_DIR/mock-secrets.txt"

mkdir "$dir/pam.d"
printf 'uuid:5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60 alice\n' >"$dir/map"
conf_common=("site_url=$MOCK_URL" "ca_file=$HB_PKI/ca.pem"
    "client_id=test-client" "redirect_uri=https://127.0.0.1/cb"
    "map_file=$dir/map")
printf '%s\n' "$secret" >"$dir/secret"
chmod 600 "$dir/secret"
write_conf "$dir/conf-file" "${conf_common[@]}" "client_secret_file=$dir/secret"
write_conf "$dir/conf-inline" "${conf_common[@]}" "client_secret=$secret"
for c in file inline; do
    printf 'auth required %s conf=%s\n' "$memscan_module" "$dir/conf-$c" \
        >"$dir/pam.d/haobtc-memscan-$c"
done

# The simulated phone: approves as alice and prints CODE:TAG; the code is
# also kept for the scan. It runs without the preloads (curl and bash need
# none, and a sanitizer runtime would check them for leaks).
cat >"$dir/approve" <<'EOF'
#!/bin/bash
. "$HB_SRC/tests/lib/lib.sh"
code=$(approve alice "$1" "$2")
printf '%s\n' "$code" >>"$MEMSCAN_CODES"
paste_answer "$1" "$code"
echo
EOF
chmod 755 "$dir/approve"
export MOCK_URL

# scan_all CASE NEEDLE_FILE...: one memscan pass over the waiting pam-app
# for all the files; its report is in the log and in $dir/scan-CASE.
scan_all() {
    local c=$1
    shift
    python3 "$HB_SRC/tests/bin/memscan" "$app_pid" "$@" >"$dir/scan-$c" 2>"$dir/scan-$c.err"
    scan_rc=$?
    echo "-- memscan (exit $scan_rc):"
    cat "$dir/scan-$c.err" "$dir/scan-$c"
}

# found CASE NEEDLE_FILE: "LABEL xCOUNT, ..." for the file's needles that
# the scan of CASE found; empty when none.
found() {
    awk -v f="$2" '$3 == f && $2 > 0 {printf "%s%s x%s", s, $1, $2; s = ", "}' "$dir/scan-$1"
}

# expect_none CHECK CASE NEEDLE_FILE WHAT: one check line: the needles of
# NEEDLE_FILE are nowhere in pam-app's memory.
expect_none() {
    local n hits
    n=$(grep -c . "$3")
    if [ "$n" -eq 0 ]; then
        not_ok "$1" "no $4 to look for"
    elif [ "$scan_rc" -gt 1 ]; then
        not_ok "$1" "memscan could not scan: $(head -n 1 "$dir/scan-$2.err")"
    else
        hits=$(found "$2" "$3")
        if [ -z "$hits" ]; then
            ok "$1 ($n $4 looked for)"
        else
            not_ok "$1" "found in pam-app's memory: $hits (of $n $4)"
        fi
    fi
}

# login_and_scan CASE SUFFIX: one login through pam-app --wait with the
# service of CASE, then the scans; check names end in SUFFIX.
login_and_scan() {
    local c=$1 sfx=$2 before line rc canary
    before=$(wc -l <"$dir/mock-secrets.txt" 2>/dev/null || echo 0)
    export MEMSCAN_CODES=$dir/codes-$c
    : >"$MEMSCAN_CODES"
    # Something the scan must find: proof it reads this process at all.
    canary=memscan-canary-$(openssl rand -hex 12)
    printf '%s\n' "$canary" >"$dir/canary-$c"
    rm -f "$dir/in-$c"
    mkfifo "$dir/in-$c"
    LD_PRELOAD="$HB_PRELOAD_BASE:$HB_PAM_WRAPPER" \
    PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$dir/pam.d" \
    PAM_WRAPPER_DEBUGLEVEL=4 PAM_WRAPPER_DISABLE_DEEPBIND=1 \
    MEMSCAN_CANARY=$canary \
        "$pam_app" --wait "haobtc-memscan-$c" alice -- \
        env -u LD_PRELOAD "$dir/approve" \
        <"$dir/in-$c" >"$dir/out-$c" 2>"$dir/err-$c" &
    app_pid=$!
    exec 3>"$dir/in-$c"
    line=
    for _ in $(seq 600); do
        line=$(grep -a '^ready ' "$dir/out-$c")
        [ -n "$line" ] || ! kill -0 "$app_pid" 2>/dev/null && break
        sleep 0.1
    done
    rc=${line##* }
    grep -a SYSLOG "$dir/err-$c" >>"$HB_TEST_DIR/module-syslog.txt"
    if [ -z "$line" ] || [ "$rc" != 0 ]; then
        not_ok "pam_app_login_with_pasted_code_succeeds$sfx" "${line:-pam-app did not get ready}"
        tail -n 20 "$dir/err-$c"
    else
        ok "pam_app_login_with_pasted_code_succeeds$sfx"
        echo "pam-app $(grep VmHWM "/proc/$app_pid/status" | tr -s ' \t' ' ') after one login ($c secret)"
        # The tokens and codes the mock issued during this login; the
        # pasted code is checked on its own.
        tail -n +"$((before + 1))" "$dir/mock-secrets.txt" |
            grep -avxFf "$MEMSCAN_CODES" >"$dir/tokens-$c"
        printf '%s\n' "$secret" >"$dir/secret-$c"
        scan_all "$c" "$dir/canary-$c" "$dir/tokens-$c" "$MEMSCAN_CODES" "$dir/secret-$c"
        if [ -n "$(found "$c" "$dir/canary-$c")" ]; then
            ok "memscan_finds_a_canary_in_pam_app$sfx"
        else
            not_ok "memscan_finds_a_canary_in_pam_app$sfx" "the scan is blind"
        fi
        expect_none "pam_application_memory_holds_no_token_after_login$sfx" \
            "$c" "$dir/tokens-$c" tokens
        expect_none "pam_application_memory_holds_no_code_after_login$sfx" \
            "$c" "$MEMSCAN_CODES" codes
        expect_none "pam_application_memory_holds_no_client_secret_after_login$sfx" \
            "$c" "$dir/secret-$c" secrets
    fi
    exec 3>&-
    for _ in $(seq 100); do
        kill -0 "$app_pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$app_pid" 2>/dev/null; then
        not_ok "pam_app_exits_when_stdin_ends$sfx"
        stop_pid "$app_pid"
    else
        wait "$app_pid"
        rc=$?
        if [ "$rc" -eq 0 ]; then
            ok "pam_app_exits_when_stdin_ends$sfx"
        else
            not_ok "pam_app_exits_when_stdin_ends$sfx" "exit status $rc"
            grep -av SYSLOG "$dir/err-$c" | tail -n 30
        fi
    fi
    app_pid=
}

login_and_scan file ""
login_and_scan inline _with_inline_secret
# The suite's final check looks for what this mock issued in every log.
cat "$dir/mock-secrets.txt" >>"$HB_TEST_DIR/mock-secrets.txt"
finish
