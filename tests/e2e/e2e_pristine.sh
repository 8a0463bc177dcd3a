#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# A new developer's first commands on freshly installed Debian 12 and 13,
# where nothing was installed by hand: pristine roots (tests/bin/pristine-root:
# mmdebstrap --variant=apt, cached in build/pristine), each with a fresh
# clone of this checkout's HEAD in /root, entered as root in private mount
# and PID namespaces. In each, tools/demo installs what it needs with apt,
# builds, logs in over ssh and must end with its success line. In Debian 13
# the packages are then built as the README says (make dist, apt-get
# build-dep, dpkg-buildpackage -us -uc -b with dh_auto_test, as root),
# installed with apt-get, enabled with pam-auth-update and configured for
# the mock provider and the installed relay; one ssh login through the
# common-auth pam-auth-update wrote ends in a shell. Every step is bounded
# in time; one that fails or times out is a FAIL with its reason.
# Stages: on the machine (roots, demo), and in the Debian 13 root (build,
# login), where this script runs again from the clone.
set -u
. "$(dirname "$0")/../lib/e2e-prelude.sh"

# Seconds each step may take, so that nothing hangs: 3 to 7 times what it
# takes on an idle two-core machine (demo 45 s, package build 310 s, install
# and login 5 s; tests/bin/pristine-root gives mmdebstrap 300 s).
DEMO_SECONDS=300
BUILD_SECONDS=900
LOGIN_SECONDS=120

# tools/demo's last line when it succeeded.
DEMO_DONE='No FAIL: each line above is one thing a broken setup would get wrong.'

# The local account logged in to; the installed example map file, edited,
# sends the mock's haobtc user alice (tests/data/users) to it.
LOCAL_USER=hbpristine

# ---- On the machine: the roots and the demo.

pristine=$HB_SRC/tests/bin/pristine-root
ROOT_DIR=
remove_root() {
    [ -n "$ROOT_DIR" ] || return 0
    if [ "${HB_KEEP:-0}" = 1 ]; then
        echo "kept $ROOT_DIR"
    else
        "$pristine" remove "$ROOT_DIR" || echo "could not remove $ROOT_DIR"
    fi
    ROOT_DIR=
}

# in_root SECONDS LOG COMMAND...: COMMAND in the current root, its output
# in LOG; says why when it fails.
in_root() {
    local seconds=$1 log=$2 rc
    shift 2
    "$pristine" run "$ROOT_DIR" "$seconds" "$@" </dev/null >"$log" 2>&1
    rc=$?
    case $rc in
    0) return 0 ;;
    124 | 137) why="timed out after $seconds s" ;;
    *) why="exit $rc" ;;
    esac
    echo "    $log ends:"
    tail -n 25 "$log" | sed 's/^/    | /'
    return 1
}

# demo_ended_well LOG: the demo's last line is its success line.
demo_ended_well() {
    local last
    last=$(grep -v '^[[:space:]]*$' "$1" | tail -n1 | sed 's/^[[:space:]]*//')
    [ "$last" = "$DEMO_DONE" ] || { why="its last line is '$last'"; return 1; }
}

# one_release RELEASE: the root, the demo, and in Debian 13 the packages.
one_release() {
    local rel=$1 start=$SECONDS now made log cache tarball
    cache=${HB_PRISTINE_DIR:-$HB_SRC/build/pristine}
    mkdir -p "$cache" && ROOT_DIR=$(mktemp -d "$cache/$rel.XXXXXX") || exit 1
    now=$(date +%s)
    if ! tarball=$("$pristine" tarball "$rel" 2>"$ROOT_DIR/tarball.log"); then
        not_ok "pristine_${rel}_root_is_made" "$(tail -n1 "$ROOT_DIR/tarball.log")"
        return 1
    fi
    made=$(cat "$tarball.made" 2>/dev/null)
    [ "$(stat -c %Y "$tarball")" -ge "$now" ] || made="cached, $made"
    if ! "$pristine" unpack "$rel" "$ROOT_DIR" >"$ROOT_DIR/unpack.log" 2>&1; then
        not_ok "pristine_${rel}_root_is_made" "$(tail -n1 "$ROOT_DIR/unpack.log")"
        return 1
    fi
    ok "pristine_${rel}_root_is_made ($made; ready in $((SECONDS - start)) s)"

    start=$SECONDS
    log=$ROOT_DIR/demo.log
    if in_root "$DEMO_SECONDS" "$log" bash -c 'cd /root/pam_haobtc && tools/demo' &&
        demo_ended_well "$log"; then
        ok "tools_demo_in_pristine_${rel}_installs_builds_logs_in_and_ends_well ($((SECONDS - start)) s)"
    else
        not_ok "tools_demo_in_pristine_${rel}_installs_builds_logs_in_and_ends_well" "$why"
        return 1
    fi
    [ "$rel" = trixie ] || return 0

    stage build "$BUILD_SECONDS" || return 1
    stage login "$LOGIN_SECONDS"
}

# stage NAME SECONDS: this script's stage NAME in the Debian 13 root; its
# result lines are passed on and counted; a stage that timed out, or ended
# badly without a result line (a crash), fails for that too.
stage() {
    local name=$1 log=$ROOT_DIR/$1.log start=$SECONDS rc line
    in_root "$2" "$log" bash /root/pam_haobtc/tests/e2e/e2e_pristine.sh "$name"
    rc=$?
    while IFS= read -r line; do
        echo "$line"
        case $line in
        "[       OK ] "*) hb_pass=$((hb_pass + 1)) ;;
        *) hb_fail=$((hb_fail + 1)) ;;
        esac
    done < <(grep -a -E '^\[ +(OK|FAILED) +\] ' "$log")
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        not_ok "pristine_trixie_${name}_stage_ends_in_time" "$why"
    elif [ "$rc" -ne 0 ] && ! grep -aq '^\[  FAILED  \] ' "$log"; then
        not_ok "pristine_trixie_${name}_stage_ends" "$why"
    fi
    echo "($name stage: $((SECONDS - start)) s)"
    [ "$rc" -eq 0 ]
}

stage_machine() {
    if [ "$(id -u)" -ne 0 ]; then
        not_ok e2e_pristine_runs "needs root: roots are made and entered with mmdebstrap, unshare and chroot"
        exit 1
    fi
    local tool rel
    for tool in mmdebstrap unshare chroot git findmnt timeout; do
        command -v "$tool" >/dev/null ||
            { not_ok pristine_prerequisites "$tool is missing"; exit 1; }
    done
    trap 'remove_root' EXIT
    trap 'exit 130' INT TERM HUP
    for rel in bookworm trixie; do
        one_release "$rel"
        remove_root
    done
    finish
}

# ---- In the Debian 13 root, from the clone in /root/pam_haobtc.

# The build as the README's "Install from packages" gives it, in the tree
# the demo built in (its build dependencies are installed).
stage_build() {
    export DEBIAN_FRONTEND=noninteractive
    local deb=/root/pam_haobtc/build/deb version start
    cd /root/pam_haobtc || exit 1
    version=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' configure.ac)
    # As in a build chroot, no service that a package installs starts.
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    mkdir -p "$deb" && cd "$deb" || exit 1
    start=$SECONDS
    if (cd /root/pam_haobtc && autoreconf -fi) >autoreconf.log 2>&1 &&
        ../../configure >configure.log 2>&1 && make dist >dist.log 2>&1 &&
        tar xf "pam_haobtc-$version.tar.gz"; then
        ok "pristine_trixie_make_dist_gives_pam_haobtc_$version ($((SECONDS - start)) s)"
    else
        tail -n 20 configure.log dist.log
        not_ok "pristine_trixie_make_dist_gives_pam_haobtc_$version"
        exit 1
    fi
    start=$SECONDS
    if apt-get build-dep -y -q "./pam_haobtc-$version" >build-dep.log 2>&1; then
        ok "pristine_trixie_apt_get_build_dep_installs_the_build_depends ($((SECONDS - start)) s)"
    else
        tail -n 20 build-dep.log
        not_ok pristine_trixie_apt_get_build_dep_installs_the_build_depends
        exit 1
    fi
    # Cases Debian 13's own test run (dh_auto_test) is known to fail, each
    # open in an issue; none now. While the list is not empty, its cases must fail and every other
    # pass (a fix shows here, to shrink the list), and the packages are then
    # built without the tests to go on; with it empty, any failure is one.
    local known=""
    local failed
    start=$SECONDS
    if (cd "pam_haobtc-$version" && dpkg-buildpackage -us -uc -b) >dpkg-buildpackage.log 2>&1; then
        ok "pristine_trixie_dpkg_buildpackage_as_root_passes_dh_auto_test ($(tests_passed); $((SECONDS - start)) s)"
        [ -z "$known" ] ||
            not_ok pristine_trixie_known_failures_still_fail "they pass now: take them out of tests/e2e/e2e_pristine.sh"
    else
        failed=$(cat "pam_haobtc-$version"/tests/*/*.log 2>/dev/null |
            grep -a '^\[  FAILED  \] [a-z_0-9]*' |
            sed 's/^\[  FAILED  \] \([a-z_0-9]*\).*/\1/' | grep -vx tests | sort -u | tr '\n' ' ')
        if [ -n "$known" ] && [ "$failed" = "$(printf '%s\n' $known | sort -u | tr '\n' ' ')" ]; then
            ok "pristine_trixie_dh_auto_test_fails_only_its_known_cases ($(tests_passed); $((SECONDS - start)) s)"
        else
            cat "pam_haobtc-$version"/tests/*/*.log 2>/dev/null | grep -a '^\[  FAILED  \]\|^not ok' | head -n 20
            tail -n 20 dpkg-buildpackage.log
            not_ok pristine_trixie_dpkg_buildpackage_as_root_passes_dh_auto_test "failed: ${failed:-none found}"
            exit 1
        fi
        start=$SECONDS
        if (cd "pam_haobtc-$version" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b) >dpkg-buildpackage-nocheck.log 2>&1; then
            ok "pristine_trixie_dpkg_buildpackage_builds_the_packages ($((SECONDS - start)) s)"
        else
            tail -n 20 dpkg-buildpackage-nocheck.log
            not_ok pristine_trixie_dpkg_buildpackage_builds_the_packages
            exit 1
        fi
    fi
    finish
}

# What dh_auto_test counted: make check's log of each test
# (tests/KIND/NAME.log) ends with its own tally.
tests_passed() {
    cat "pam_haobtc-$version"/tests/*/*.log 2>/dev/null |
        awk '/^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 } END { printf "%d passed, %d failed", p, f }'
}

# From here on, as tests/e2e/e2e_packages.sh does on Debian 12: sshd on a free
# loopback port with its own host key, the installed example drop-in.
sshd_setup() {
    rm -f /etc/ssh/sshd_config.d/*.conf
    e2e_installed_sshd_conf e2e-pristine || return 1
    install -m 0644 /usr/share/doc/libpam-haobtc/examples/sshd_config.d/haobtc.conf \
        /etc/ssh/sshd_config.d/ || return 1
    mkdir -m 755 /run/sshd || return 1
    e2e_sshd_start
}

# The installed relay as its unit runs it (its user, the fleet key and the
# certificate as credentials only it reads) on a free port.
start_installed_relay() {
    local cred=$E2E_DIR/credentials
    mkdir -m 700 "$cred" &&
        install -o haobtc-relay -g haobtc-relay -m 0400 "$HB_FLEET_KEY" "$cred/fleet-key" &&
        install -o haobtc-relay -g haobtc-relay -m 0400 "$HB_PKI/server.pem" "$cred/cert" &&
        install -o haobtc-relay -g haobtc-relay -m 0400 "$HB_PKI/server-key.pem" "$cred/key" &&
        chown haobtc-relay:haobtc-relay "$cred" || return 1
    RELAY_PORT=$(free_port)
    RELAY_URL=https://127.0.0.1:$RELAY_PORT
    MOCK2_PORT=$(free_port)
    sed -i -e "s|^#public-url = .*|public-url = $RELAY_URL|" \
        -e 's|^#client-id = .*|client-id = test-client|' \
        -e "s|^authorize-url = .*|authorize-url = https://127.0.0.1:$MOCK2_PORT/auth/oauth/authorize/|" \
        /etc/haobtc-relay.conf
    setpriv --reuid haobtc-relay --regid haobtc-relay --clear-groups --no-new-privs \
        /usr/sbin/haobtc-relay --config /etc/haobtc-relay.conf \
        --fleet-key-file "$cred/fleet-key" --cert "$cred/cert" --key "$cred/key" \
        --port "$RELAY_PORT" --port-file "$cred/relay.port" >>"$E2E_DIR/relay.log" 2>&1 &
    E2E_PIDS+=($!)
    wait_for_file "$cred/relay.port" 10 || { cat "$E2E_DIR/relay.log"; return 1; }
}

run_setup_check() {
    haobtc-login check >"$E2E_DIR/setup-check.log" 2>&1 ||
        { cat "$E2E_DIR/setup-check.log"; return 1; }
}

# The ssh client in a terminal, Enter at the prompt with the QR code, the
# phone approving through the relay's page, then a shell of the account.
haobtc_ssh() {
    e2e_ssh_args -tt "$LOCAL_USER@127.0.0.1"
    e2e_term h1 - "${SSH_ARGS[@]}"
    e2e_wait_text h1 'press Enter' 15 || { e2e_show h1; return 1; }
    e2e_scrollback h1 | grep -q "Sign in with haobtc to log in as $LOCAL_USER" ||
        { e2e_show h1; return 1; }
    e2e_type h1 Enter
    sleep 1
    phone_approve "$(e2e_link h1)" alice "$(e2e_number h1)" || { e2e_show h1; return 1; }
    e2e_wait_text h1 "^$LOCAL_USER@[^:]+:~\\$" 15 || { e2e_show h1; return 1; }
    e2e_type h1 -l 'echo "shell of $(id -un)"; exit'
    e2e_type h1 Enter
    e2e_wait_end h1 15 && [ "$(e2e_exit_status h1)" = 0 ] &&
        e2e_scrollback h1 | grep -qx "shell of $LOCAL_USER" || { e2e_show h1; return 1; }
}

stage_login() {
    export DEBIAN_FRONTEND=noninteractive
    export HB_SRC=/root/pam_haobtc HB_BUILD=/root/pam_haobtc/build/demo
    . "$HB_SRC/tests/lib/e2e-lib.sh"
    cd "$HB_SRC/build/deb" || exit 1
    E2E_DIR=$(mktemp -d /tmp/e2e_pristine.XXXXXX) || exit 1
    chmod 755 "$E2E_DIR"
    export HB_TEST_DIR=$E2E_DIR
    trap e2e_cleanup EXIT
    trap 'exit 130' INT TERM HUP
    printf '%s\n' 'set -g status off' 'set -g remain-on-exit on' \
        'set -g history-limit 10000' >"$E2E_DIR/tmux.conf"
    local debs
    debs=(./libpam-haobtc_*.deb ./haobtc-relay_*.deb)
    if apt-get install -y -q "${debs[@]}" >"$E2E_DIR/install.log" 2>&1; then
        ok "pristine_trixie_apt_get_installs_both_packages (${debs[*]#./})"
    else
        tail -n 20 "$E2E_DIR/install.log"
        not_ok pristine_trixie_apt_get_installs_both_packages
        exit 1
    fi
    pam-auth-update --enable haobtc >"$E2E_DIR/pam-auth-update.log" 2>&1
    check pristine_trixie_pam_auth_update_enable_puts_haobtc_before_pam_unix \
        e2e_common_auth_has_haobtc_first

    local password
    password=$(head -c 12 /dev/urandom | base64 | tr -dc A-Za-z0-9)
    useradd -m -s /bin/bash "$LOCAL_USER" && echo "$LOCAL_USER:$password" | chpasswd ||
        { not_ok pristine_trixie_local_account_is_made; exit 1; }
    export HB_PKI=$E2E_DIR/pki HB_FLEET_KEY=$E2E_DIR/fleet.key
    sh "$HB_SRC/tests/lib/make-ca" "$HB_PKI" >"$E2E_DIR/make-ca.log" 2>&1 &&
        (umask 077 && head -c 32 /dev/urandom | base64 >"$HB_FLEET_KEY") ||
        { not_ok pristine_trixie_test_pki_is_made; exit 1; }
    start_installed_relay || { not_ok pristine_trixie_installed_relay_runs; exit 1; }
    start_mock "$E2E_DIR" --port "$MOCK2_PORT" --redirect-uri "$RELAY_URL/cb" ||
        { not_ok pristine_trixie_mock_provider_starts; exit 1; }
    E2E_PIDS+=("$MOCK_PID")
    MOCK2_URL=$MOCK_URL
    e2e_configure_module || { not_ok pristine_trixie_module_configured_from_the_installed_examples; exit 1; }
    sshd_setup || { not_ok pristine_trixie_sshd_starts_with_the_installed_drop_in; exit 1; }
    check pristine_trixie_installed_haobtc_login_check_passes run_setup_check
    check "pristine_trixie_ssh_haobtc_login_through_common_auth_ends_in_a_shell ($(/usr/sbin/sshd -V 2>&1 | cut -d, -f1))" \
        haobtc_ssh
    finish
}

case ${1:-machine} in
machine) stage_machine ;;
build) stage_build ;;
login) stage_login ;;
*) not_ok e2e_pristine_stage "unknown stage '$1'" ;;
esac
