# SPDX-License-Identifier: BSD-2-Clause
# Out of memory at every step: a pasted-code login through the real libpam
# (tests/pam-app) with the Nth allocation of the module failing, for every N
# up to the number one login makes; then the same for the helper. No such
# login may succeed, crash, or (in the sanitizer build) leak.
. "$HB_SRC/tests/lib/lib.sh"
dir=$(mktemp -d "$HB_TEST_DIR/failalloc.XXXXXX")
pam_app=$HB_BUILD/tests/pam-app
printf 'uuid:5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60 alice\n' >"$dir/map"
write_conf "$dir/conf" "site_url=$MOCK_URL" "ca_file=$HB_PKI/ca.pem" \
    "client_id=test-client" "client_secret=test-secret" \
    "redirect_uri=https://127.0.0.1/cb" "map_file=$dir/map"
mkdir -p "$dir/pam.d"
for side in failalloc failhelper; do
    printf 'auth required %s conf=%s\n' \
        "$HB_BUILD/tests/.libs/pam_haobtc_$side.so" "$dir/conf" >"$dir/pam.d/haobtc-$side"
done
cat >"$dir/approve" <<'EOF'
#!/bin/bash
. "$HB_SRC/tests/lib/lib.sh"
approve_tagged alice "$1" "$2"
EOF
chmod 755 "$dir/approve"
export MOCK_URL

# login SIDE: one login; prints pam-app's exit status
login() {
    LD_PRELOAD="$HB_PRELOAD_BASE:$HB_PAM_WRAPPER" \
    PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$dir/pam.d" \
    PAM_WRAPPER_DEBUGLEVEL=0 PAM_WRAPPER_DISABLE_DEEPBIND=1 \
        "$pam_app" "haobtc-$1" alice -- env -u LD_PRELOAD "$dir/approve" \
        >"$dir/out" 2>&1 </dev/null
    echo $?
}

# sweep SIDE FILE WHAT: counts WHAT's allocations in a good login, then
# fails each one in turn
sweep() {
    local side=$1 nfile=$2 what=$3 count n rc bad=
    echo 0 >"$nfile"
    rm -f "$nfile.count" "$HB_BUILD"/tests/failalloc-helper.asan*
    rc=$(login "$side")
    count=$(cat "$nfile.count" 2>/dev/null || echo 0)
    if [ "$rc" != 0 ] || [ "$count" -lt 10 ]; then
        not_ok "${what}_login_without_failures_succeeds" "exit $rc, $count allocations"
        cat "$dir/out"
        return
    fi
    ok "${what}_login_without_failures_succeeds ($count allocations)"
    for n in $(seq 1 "$count"); do
        echo "$n" >"$nfile"
        rc=$(login "$side")
        if [ "$rc" = 0 ]; then
            bad="$bad; allocation $n failed and the login succeeded"
        elif [ "$rc" -ge 128 ] || grep -aq 'Sanitizer\|runtime error' "$dir/out" ||
            grep -aqs 'Sanitizer' "$HB_BUILD"/tests/failalloc-helper.asan*; then
            bad="$bad; allocation $n: exit $rc: $(grep -a -m1 'Sanitizer\|runtime error' "$dir/out" "$HB_BUILD"/tests/failalloc-helper.asan* 2>/dev/null)"
            rm -f "$HB_BUILD"/tests/failalloc-helper.asan*
        fi
    done
    echo 0 >"$nfile"
    if [ -z "$bad" ]; then
        ok "${what}_every_failed_allocation_fails_the_login_cleanly ($count runs)"
    else
        not_ok "${what}_every_failed_allocation_fails_the_login_cleanly" "${bad#; }"
    fi
}

sweep failalloc "$HB_BUILD/tests/failalloc-module.n" module
sweep failhelper "$HB_BUILD/tests/failalloc-helper.n" helper
finish
