#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The Debian packages as an administrator gets them: built from this tree's
# distribution files with dpkg-buildpackage, checked by lintian, then
# installed into a throw-away copy of this machine (an overlay of / in
# private mount and PID namespaces, entered with chroot), where dpkg,
# pam-auth-update and every edit land in an upper directory that is deleted
# at the end. There: enabling the profile before any configuration keeps
# password logins working; configured for the mock provider and the
# installed relay, a real ssh login through the common-auth that
# pam-auth-update wrote ends in a shell; removed and purged, the packages
# leave no file behind and passwords still work.
# Three stages run this script: on the machine (build, lintian), in the
# namespaces (the overlay), and in the chroot (everything that installs,
# logs in or compares files).
set -u
. "$(dirname "$0")/../lib/e2e-prelude.sh"
script=$HB_SRC/tests/e2e/e2e_packages.sh

# The local account logged in to; the installed example map file, edited,
# sends the mock's haobtc user alice (tests/data/users) to it.
LOCAL_USER=hbpkg

# ---- Stage 1, on the machine: build the packages once, run lintian.

pkg_version() { # the version configure.ac gives
    sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$HB_SRC/configure.ac"
}

# pkg_build VERSION: the packages in $PKG_DIR/src; sets LIBPAM_DEB,
# RELAY_DEB and BUILD_SECONDS.
pkg_build() {
    local src=$PKG_DIR/src/pam-haobtc-$1 start=$SECONDS
    mkdir -p "$PKG_DIR/src" || return 1
    # The distribution's files (what make dist ships), in a directory of
    # our own: the tree's build directories are not touched.
    # Relative to the build tree: gettext's po/ takes distdir as one.
    make -s -C "$HB_BUILD" distdir distdir="$(realpath -m --relative-to="$HB_BUILD" "$src")" \
        >"$PKG_DIR/distdir.log" 2>&1 ||
        { cat "$PKG_DIR/distdir.log"; return 1; }
    # The tests already ran in this tree's builds; no debug packages.
    (cd "$src" && DEB_BUILD_PROFILES=nocheck \
        DEB_BUILD_OPTIONS="nocheck noddebs parallel=$(nproc)" \
        dpkg-buildpackage -us -uc -b) >"$PKG_DIR/build.log" 2>&1 ||
        { tail -n 40 "$PKG_DIR/build.log"; return 1; }
    BUILD_SECONDS=$((SECONDS - start))
    LIBPAM_DEB=$(ls "$PKG_DIR/src/libpam-haobtc_$1-"*.deb) &&
        RELAY_DEB=$(ls "$PKG_DIR/src/haobtc-relay_$1-"*.deb)
}

# pkg_lists DEB PATTERN...: the package holds a path matching each PATTERN.
pkg_lists() {
    local deb=$1 p f found files
    shift
    mapfile -t files < <(dpkg-deb -c "$deb" | awk '{print substr($6, 2)}')
    for p in "$@"; do
        found=
        for f in "${files[@]}"; do
            # shellcheck disable=SC2053
            [[ $f == $p ]] && found=1 && break
        done
        [ -n "$found" ] || { echo "$(basename "$deb") lacks $p"; return 1; }
    done
}

libpam_holds_its_files() {
    pkg_lists "$LIBPAM_DEB" /usr/lib/x86_64-linux-gnu/security/pam_haobtc.so \
        /usr/libexec/pam_haobtc/haobtc-helper /usr/bin/haobtc-login \
        /usr/share/pam-configs/haobtc /usr/share/man/man8/pam_haobtc.8.gz \
        /usr/lib/sysusers.d/haobtc-helper.conf \
        /usr/share/man/man5/pam_haobtc.conf.5.gz /usr/share/man/man1/haobtc-login.1.gz \
        '/usr/share/doc/libpam-haobtc/examples/pam_haobtc.conf*' \
        '/usr/share/doc/libpam-haobtc/examples/pam.d/sshd*' \
        '/usr/share/doc/libpam-haobtc/examples/sshd_config.d/haobtc.conf*' &&
        dpkg-deb -f "$LIBPAM_DEB" Depends | grep -q systemd &&
        ! dpkg-deb -c "$LIBPAM_DEB" | grep -E 'haobtc-mock|\.la$'
}

relay_holds_its_files() {
    pkg_lists "$RELAY_DEB" /usr/sbin/haobtc-relay \
        /lib/systemd/system/haobtc-relay.service /etc/haobtc-relay.conf \
        /usr/lib/sysusers.d/haobtc-relay.conf /usr/share/man/man8/haobtc-relay.8.gz &&
        dpkg-deb -f "$RELAY_DEB" Depends | grep -q systemd &&
        dpkg-deb --ctrl-tarfile "$RELAY_DEB" | tar -xO ./conffiles |
        grep -qx /etc/haobtc-relay.conf &&
        ! dpkg-deb -c "$RELAY_DEB" | grep haobtc-mock
}

stage_machine() {
    if [ "$(id -u)" -ne 0 ]; then
        not_ok e2e_packages_runs "needs root for a private mount namespace"
        exit 1
    fi
    local tool
    for tool in dpkg-buildpackage dh lintian unshare chroot tmux curl python3 ssh \
        /usr/sbin/sshd pam-auth-update setpriv; do
        command -v "$tool" >/dev/null ||
            { not_ok packages_prerequisites "$tool is missing"; exit 1; }
    done
    PKG_DIR=$(mktemp -d "${HB_TEST_DIR:-/tmp}/e2e_packages.XXXXXX") || exit 1
    chmod 755 "$PKG_DIR"
    trap 'if [ "${HB_KEEP:-0}" = 1 ]; then echo "kept $PKG_DIR"; else rm -rf "$PKG_DIR"; fi' EXIT
    local version changelog start=$SECONDS
    version=$(pkg_version)
    changelog=$(dpkg-parsechangelog -l "$HB_SRC/debian/changelog" -S Version)
    check debian_changelog_version_is_configure_ac_version_"$version" \
        test "${changelog%-*}" = "$version"

    if ! pkg_build "$version"; then
        not_ok dpkg_buildpackage_builds_libpam_haobtc_and_haobtc_relay
        exit 1
    fi
    ok "dpkg_buildpackage_builds_libpam_haobtc_and_haobtc_relay ($BUILD_SECONDS s)"
    check libpam_haobtc_holds_module_helper_tool_profile_man_pages_examples \
        libpam_holds_its_files
    check haobtc_relay_holds_daemon_unit_conffile_sysusers_man_page relay_holds_its_files

    local lstart=$SECONDS
    # Overrides, each with its reason, are in debian/*.lintian-overrides.
    if lintian --fail-on error,warning "$PKG_DIR"/src/*.changes >"$PKG_DIR/lintian.log" 2>&1; then
        ok "lintian_reports_no_errors_and_no_warnings ($((SECONDS - lstart)) s)"
    else
        grep -v 'running with root privileges' "$PKG_DIR/lintian.log"
        not_ok lintian_reports_no_errors_and_no_warnings
    fi

    export PKG_DIR LIBPAM_DEB RELAY_DEB HB_SRC HB_BUILD PKG_STAGE=namespace
    # A PID namespace too: whatever is left running ends with it.
    unshare --mount --propagation private --pid --fork --mount-proc -- bash "$script"
    local rc=$?
    echo "e2e_packages took $((SECONDS - start)) s in all"
    finish && [ "$rc" -eq 0 ]
}

# ---- Stage 2, in the namespaces: the throw-away root.

stage_namespace() {
    local root=$PKG_DIR/root d
    mount --make-rprivate / || { not_ok overlay_of_the_root_is_mounted "mount --make-rprivate"; exit 1; }
    mkdir -p "$PKG_DIR/upper" "$PKG_DIR/work" "$root"
    if ! mount -t overlay overlay \
        -o "lowerdir=/,upperdir=$PKG_DIR/upper,workdir=$PKG_DIR/work" "$root"; then
        not_ok overlay_of_the_root_is_mounted
        exit 1
    fi
    for d in proc sys dev; do
        mount --rbind "/$d" "$root/$d" || { not_ok overlay_of_the_root_is_mounted "$d"; exit 1; }
    done
    # /run is on the root file system here: the copy gets an empty one.
    mount -t tmpfs -o mode=755 pkg-run "$root/run" && mkdir -m 755 "$root/run/sshd" || exit 1
    # The scratch directory (packages, logs, the upper directory) and the
    # trees (the mock provider, the test data) are the real ones; so is
    # the machine's root, read-only, to tell our files from its own.
    for d in "$PKG_DIR" "$HB_SRC" "$HB_BUILD"; do
        mkdir -p "$root$d" && mount --bind "$d" "$root$d" || exit 1
    done
    mkdir -p "$PKG_DIR/lower"
    mount --bind -o ro / "$root$PKG_DIR/lower" || exit 1
    # The chroot's shell is the namespace's first process, so the kernel
    # ends whatever it leaves running.
    PKG_STAGE=chroot exec chroot "$root" /bin/bash "$script"
}

# After the purge, the upper directory holds no new path but the
# administrator's own files (the configuration the test wrote, as the
# README says), the test account's home, and man's cache of the page that
# systemd-analyze read; files that the machine has too (dpkg's database,
# logs, /etc/passwd) were changed, not left by us.
nothing_of_ours_is_left() {
    LC_ALL=C comm -13 "$PKG_DIR/upper-before.txt" "$PKG_DIR/upper-after.txt" |
        while IFS= read -r p; do
            [ -e "$PKG_DIR/lower$p" ] || [ -L "$PKG_DIR/lower$p" ] || printf '%s\n' "$p"
        done | grep -Ev "^/home/$LOCAL_USER(/|\$)|^/var/cache/man/" |
        grep -Fxv -f <(printf '%s\n' "${ADMIN_FILES[@]}") >"$E2E_DIR/left.txt"
    [ ! -s "$E2E_DIR/left.txt" ] || { echo "left behind:"; head -n 20 "$E2E_DIR/left.txt"; return 1; }
}

# What the administrator writes by hand (README, "Install from packages"),
# which a purge rightly leaves.
ADMIN_FILES=(/etc/security/pam_haobtc.conf /etc/security/pam_haobtc.secret
    /etc/security/pam_haobtc.map /etc/security/haobtc-fleet.key
    /etc/ssh/sshd_config.d/haobtc.conf)

upper_list() { # every path in the upper directory, as seen from the root
    (cd "$PKG_DIR/upper" && find . -mindepth 1 ! -type c) | cut -c2- | LC_ALL=C sort
}

# ---- Stage 3, in the chroot: install, log in, remove.

# pkg_sshd_setup: sshd on a free loopback port with its own host key, the
# machine's sshd_config.d emptied; the haobtc drop-in comes later, from the
# installed example. LoginGraceTime stays at its default (120 s), above the
# module's timeout (110 s), as the setup check wants it.
pkg_sshd_setup() {
    rm -f /etc/ssh/sshd_config.d/*.conf
    cat >/etc/ssh/sshd_config <<'EOF'
# Debian 12's sshd_config without its comments; the test's settings first.
Include /etc/ssh/sshd_config.d/*.conf
KbdInteractiveAuthentication no
UsePAM yes
PrintMotd no
Subsystem	sftp	/usr/lib/openssh/sftp-server
EOF
    e2e_installed_sshd_conf e2e-packages
}

pkg_sshd_start() {
    e2e_sshd_start
}

# password_ssh NAME: the local account logs in over ssh with its password,
# in an interactive shell that names its user.
password_ssh() {
    local t=$1
    e2e_ssh_args -tt "$LOCAL_USER@127.0.0.1"
    e2e_term "$t" - "${SSH_ARGS[@]}"
    e2e_wait_text "$t" 'Password:' 15 || { e2e_show "$t"; return 1; }
    e2e_type "$t" -l "$PASSWORD"
    e2e_type "$t" Enter
    in_a_shell "$t"
}

# in_a_shell NAME: the login reached a shell: it runs a command, exits 0.
in_a_shell() {
    e2e_wait_text "$1" "^$LOCAL_USER@[^:]+:~\\$" 15 || { e2e_show "$1"; return 1; }
    e2e_type "$1" -l 'echo "shell of $(id -un)"; exit'
    e2e_type "$1" Enter
    e2e_wait_end "$1" 15 && [ "$(e2e_exit_status "$1")" = 0 ] &&
        e2e_scrollback "$1" | grep -qx "shell of $LOCAL_USER" || { e2e_show "$1"; return 1; }
}

# The module ran in that login (the profile's line is live), refused for
# want of a configuration, and the stack went on to the password.
module_fell_through() {
    e2e_scrollback "$1" | grep -q 'haobtc sign-in is not configured' ||
        { e2e_show "$1"; return 1; }
}

# password_su: an ordinary user's su to the local account, with its
# password, through the same common-auth.
password_su() {
    e2e_term su1 "$E2E_DIR/su1.out" su -s /bin/bash nobody -c \
        "su -s /bin/bash -c 'id -un' $LOCAL_USER"
    e2e_wait_text su1 'Password:' 15 || { e2e_show su1; return 1; }
    e2e_type su1 -l "$PASSWORD"
    e2e_type su1 Enter
    e2e_wait_end su1 15 && [ "$(e2e_exit_status su1)" = 0 ] &&
        [ "$(cat "$E2E_DIR/su1.out")" = "$LOCAL_USER" ] || { e2e_show su1; return 1; }
}

no_haobtc_in_stacks() { ! grep -rs haobtc /etc/pam.d; }
# pam-auth-update's own record (/var/lib/pam) forgets the profile too.
no_haobtc_in_pam() { ! grep -rs haobtc /etc/pam.d /var/lib/pam; }

# The installed relay as its unit runs it: the installed configuration
# (public-url and client-id filled in), the fleet key handed over as a
# credential readable by the relay's user only, run as that user; the test
# certificate and a free port on top.
start_installed_relay() {
    local cred=$E2E_DIR/credentials port
    mkdir -m 700 "$cred"
    install -o haobtc-relay -g haobtc-relay -m 0400 "$HB_FLEET_KEY" "$cred/fleet-key"
    install -o haobtc-relay -g haobtc-relay -m 0400 "$HB_PKI/server.pem" "$cred/cert"
    install -o haobtc-relay -g haobtc-relay -m 0400 "$HB_PKI/server-key.pem" "$cred/key"
    chown haobtc-relay:haobtc-relay "$cred"
    RELAY_PORT=$(free_port)
    RELAY_URL=https://127.0.0.1:$RELAY_PORT
    MOCK2_PORT=$(free_port)
    sed -i -e "s|^#public-url = .*|public-url = $RELAY_URL|" \
        -e 's|^#client-id = .*|client-id = test-client|' \
        -e "s|^authorize-url = .*|authorize-url = https://127.0.0.1:$MOCK2_PORT/auth/oauth/authorize/|" \
        /etc/haobtc-relay.conf
    port=$cred/relay.port
    setpriv --reuid haobtc-relay --regid haobtc-relay --clear-groups --no-new-privs \
        /usr/sbin/haobtc-relay --config /etc/haobtc-relay.conf \
        --fleet-key-file "$cred/fleet-key" --cert "$cred/cert" --key "$cred/key" \
        --port "$RELAY_PORT" --port-file "$port" >>"$E2E_DIR/relay.log" 2>&1 &
    RELAY_PID=$!
    E2E_PIDS+=("$RELAY_PID")
    wait_for_file "$port" 10 || { cat "$E2E_DIR/relay.log"; return 1; }
    [ "$(ps -o user= -p "$RELAY_PID")" = haobtc-relay ]
}

# is_a_system_user NAME: made by sysusers, with no login shell.
is_a_system_user() {
    local uid shell
    uid=$(id -u "$1") && shell=$(getent passwd "$1" | cut -d: -f7) &&
        [ "$uid" -lt 1000 ] && [ "$uid" -gt 0 ] && [ "$shell" = /usr/sbin/nologin ] ||
        { getent passwd "$1"; return 1; }
}

unit_verifies() {
    systemd-analyze verify /lib/systemd/system/haobtc-relay.service >"$E2E_DIR/verify.log" 2>&1 ||
        { cat "$E2E_DIR/verify.log"; return 1; }
}

relay_unit_not_enabled() { ! ls /etc/systemd/system/*.wants/haobtc-relay.service 2>/dev/null; }

# The installed setup check, on the installed setup: every check passes.
run_setup_check() {
    haobtc-login check >"$E2E_DIR/setup-check.log" 2>&1
    local rc=$?
    cat "$E2E_DIR/setup-check.log"
    [ "$rc" -eq 0 ]
}

# The ssh client in a terminal, the person pressing Enter at the prompt
# with the QR code, the phone approving through the relay's page.
haobtc_ssh() {
    e2e_ssh_args -tt "$LOCAL_USER@127.0.0.1"
    e2e_term h1 - "${SSH_ARGS[@]}"
    e2e_wait_text h1 'press Enter' 15 || { e2e_show h1; return 1; }
    e2e_scrollback h1 | grep -q "Sign in with haobtc to log in as $LOCAL_USER" ||
        { e2e_show h1; return 1; }
    e2e_type h1 Enter
    sleep 1
    # The installed helper, waiting on the relay, runs as its own user.
    ps -C haobtc-helper -o user:32= >"$E2E_DIR/helper-user.txt"
    phone_approve "$(e2e_link h1)" alice "$(e2e_number h1)" || { e2e_show h1; return 1; }
    in_a_shell h1
}

helper_waited_as_its_user() {
    [ "$(cat "$E2E_DIR/helper-user.txt")" = haobtc-helper ] ||
        { cat "$E2E_DIR/helper-user.txt"; return 1; }
}

stage_chroot() {
    export DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
    E2E_DIR=$PKG_DIR/e2e HB_TEST_DIR=$PKG_DIR/e2e
    mkdir -m 755 "$E2E_DIR" || exit 1
    trap e2e_cleanup EXIT
    trap 'exit 130' INT TERM HUP
    cat >"$E2E_DIR/tmux.conf" <<'EOF'
set -g status off
set -g remain-on-exit on
set -g history-limit 10000
EOF
    # The local account, with a password; any of that name is replaced.
    userdel -r "$LOCAL_USER" >/dev/null 2>&1
    PASSWORD=$(head -c 12 /dev/urandom | base64 | tr -dc A-Za-z0-9)
    useradd -m -s /bin/bash "$LOCAL_USER" &&
        echo "$LOCAL_USER:$PASSWORD" | chpasswd || { not_ok local_account_is_made; exit 1; }
    export HB_PKI=$E2E_DIR/pki HB_FLEET_KEY=$E2E_DIR/fleet.key
    sh "$HB_SRC/tests/lib/make-ca" "$HB_PKI" || exit 1
    (umask 077 && head -c 32 /dev/urandom | base64 >"$HB_FLEET_KEY") || exit 1
    pkg_sshd_setup || { not_ok sshd_is_set_up; exit 1; }
    # man-db's trigger would index every manual page twice (seconds each).
    rm -f /var/lib/man-db/auto-update
    upper_list >"$PKG_DIR/upper-before.txt"

    local start=$SECONDS
    dpkg -i "$LIBPAM_DEB" "$RELAY_DEB" >"$E2E_DIR/dpkg-i.log" 2>&1 ||
        { cat "$E2E_DIR/dpkg-i.log"; not_ok dpkg_installs_both_packages; exit 1; }
    ok dpkg_installs_both_packages
    check installing_enables_no_pam_profile no_haobtc_in_stacks
    check relay_system_user_is_made is_a_system_user haobtc-relay
    check helper_system_user_is_made is_a_system_user haobtc-helper
    check relay_unit_passes_systemd_analyze_verify unit_verifies
    check relay_unit_is_not_enabled_before_it_is_configured relay_unit_not_enabled

    pam-auth-update --enable haobtc >"$E2E_DIR/pam-auth-update.log" 2>&1
    check pam_auth_update_enable_puts_haobtc_before_pam_unix e2e_common_auth_has_haobtc_first

    # The lock-out test: the profile is on, /etc/security/pam_haobtc.conf
    # does not exist; the module refuses (PAM_SERVICE_ERR) and the
    # profile's default=ignore passes on to pam_unix.
    install -m 0644 /usr/share/doc/libpam-haobtc/examples/sshd_config.d/haobtc.conf \
        /etc/ssh/sshd_config.d/
    pkg_sshd_start || { not_ok sshd_starts_with_the_installed_example_drop_in; exit 1; }
    if [ -e /etc/security/pam_haobtc.conf ]; then
        not_ok no_configuration_before_the_lock_out_test
    else
        check ssh_password_login_works_with_profile_enabled_and_no_configuration \
            password_ssh n1
        check the_module_ran_in_that_login_and_fell_through_to_the_password \
            module_fell_through n1
        check su_password_works_with_profile_enabled_and_no_configuration password_su
    fi

    # Configured for the mock provider and the installed relay.
    start_installed_relay || { not_ok installed_relay_runs_as_its_system_user; exit 1; }
    ok installed_relay_runs_as_its_system_user
    start_mock "$E2E_DIR" --port "$MOCK2_PORT" --redirect-uri "$RELAY_URL/cb" ||
        { not_ok mock_provider_starts; exit 1; }
    E2E_PIDS+=("$MOCK_PID")
    MOCK2_URL=$MOCK_URL
    e2e_configure_module || { not_ok module_configured_from_the_installed_examples; exit 1; }
    check haobtc_login_check_passes_against_mock_and_relay run_setup_check
    check ssh_haobtc_login_through_installed_module_and_common_auth_ends_in_a_shell haobtc_ssh
    check installed_helper_waited_as_the_haobtc_helper_user helper_waited_as_its_user

    pam-auth-update --remove haobtc >>"$E2E_DIR/pam-auth-update.log" 2>&1
    check pam_auth_update_remove_takes_haobtc_out_of_every_stack no_haobtc_in_pam
    # The package's prerm does the same for an administrator who did not.
    pam-auth-update --enable haobtc >>"$E2E_DIR/pam-auth-update.log" 2>&1
    stop_pid "$RELAY_PID"
    if apt-get purge -y -qq libpam-haobtc haobtc-relay >"$E2E_DIR/purge.log" 2>&1; then
        ok apt_get_purge_removes_both_packages
    else
        cat "$E2E_DIR/purge.log"
        not_ok apt_get_purge_removes_both_packages
    fi
    check purge_of_an_enabled_profile_takes_haobtc_out_of_every_stack no_haobtc_in_pam
    check ssh_password_login_works_after_purge password_ssh n2
    upper_list >"$PKG_DIR/upper-after.txt"
    check "purge_leaves_no_file_of_ours (install to purge: $((SECONDS - start)) s)" \
        nothing_of_ours_is_left
    finish
}

case ${PKG_STAGE:-machine} in
machine) stage_machine ;;
namespace) stage_namespace ;;
chroot) stage_chroot ;;
esac
