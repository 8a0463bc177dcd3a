# SPDX-License-Identifier: BSD-2-Clause
# Shared by the end-to-end tests (tests/e2e/*.sh) and tools/demo: the real
# sshd, sudo and su load the built module through the documented
# configuration (examples/), inside private mount and PID namespaces where
# /etc, the PAM module directory and /run are copies that vanish with them;
# the test accounts exist only there; the real clients run in a terminal
# (tmux on a socket of our own).
# Sourced after tests/lib/lib.sh; expects HB_BUILD and HB_SRC.

ALICE_UUID=5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60
BOB_UUID=0a1b2c3d4e5f60718293a4b5c6d7e8f9
E2E_DIR=
E2E_PIDS=()
E2E_SSHD_PID=

e2e_say() { printf '%s\n' "$*" >&2; }

# Each line of stdin with the time it arrived (for logs without their own).
e2e_stamp() {
    local line t
    while IFS= read -r line; do
        t=$EPOCHREALTIME
        printf '%(%T)T.%s %s\n' "${t%.*}" "${t#*.}" "$line"
    done
}

# e2e_qr_is_the_link NAME [WANTED]... [-- UNWANTED...]: NAME's screen says
# who is logging in, shows the short link on a line of its own and a QR
# code that decodes to it, matches each WANTED (grep -E) and no UNWANTED
# (grep -iE); otherwise it is shown and the check fails.
e2e_qr_is_the_link() {
    local name=$1 screen link re unwanted=0
    shift
    screen=$(e2e_screen "$name")
    link=$(printf '%s\n' "$screen" | grep -oE '^https://[^ ]+/s/[^ ]+$')
    { printf '%s\n' "$screen" | grep -q 'Sign in with haobtc to log in as alice on' &&
        [ -n "$link" ] &&
        [ "$(printf '%s\n' "$screen" | python3 "$HB_SRC/tests/bin/qr-decode")" = "$link" ]; } ||
        { e2e_show "$name"; return 1; }
    for re; do
        if [ "$re" = -- ]; then
            unwanted=1
        elif [ "$unwanted" = 0 ]; then
            printf '%s\n' "$screen" | grep -qE -- "$re" || { e2e_show "$name"; return 1; }
        else
            ! printf '%s\n' "$screen" | grep -qiE -- "$re" || { e2e_show "$name"; return 1; }
        fi
    done
    echo "$name: the QR code decodes to $link"
}

# e2e_sudoers: Debian's sudoers as it ships (env_reset, a secure_path)
# with alice allowed everything, mounted over the namespace's /etc/sudoers.
e2e_sudoers() {
    cat >"$E2E_DIR/etc/sudoers" <<'EOF'
Defaults env_reset
Defaults secure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
Defaults lecture=never
root  ALL=(ALL:ALL) ALL
alice ALL=(ALL:ALL) ALL
EOF
    chmod 440 "$E2E_DIR/etc/sudoers" &&
        mount --bind "$E2E_DIR/etc/sudoers" /etc/sudoers
}

# e2e_enter SCRIPT ARGS...: runs SCRIPT again as root in private mount and
# PID namespaces and returns inside them. Without root there is no namespace
# to make: the test says so and skips.
e2e_enter() {
    local script=$1
    shift
    if [ -n "${HB_E2E_INSIDE:-}" ]; then
        mount --make-rprivate / || { e2e_say "cannot make mounts private"; exit 1; }
        return 0
    fi
    if [ "$(id -u)" -ne 0 ]; then
        echo "SKIP $(basename "$script" .sh): needs root for a private mount namespace"
        exit 0
    fi
    local tool
    for tool in unshare tmux curl zbarimg python3 ssh /usr/sbin/sshd; do
        command -v "$tool" >/dev/null ||
            { not_ok "$(basename "$script" .sh)_prerequisites" "$tool is missing"; exit 1; }
    done
    export HB_E2E_INSIDE=1 HB_BUILD HB_SRC
    # A PID namespace too: whatever the test leaves running is killed by
    # the kernel when the script, its first process, ends.
    exec unshare --mount --propagation private --pid --fork --mount-proc \
        -- bash "$script" "$@"
}

# e2e_setup NAME: the scratch directory, the services, and the namespace's
# private /run, accounts, PAM module directory, /etc/security and /etc/pam.d.
e2e_setup() {
    E2E_DIR=$(mktemp -d "${HB_TEST_DIR:-/tmp}/$1.XXXXXX") || exit 1
    chmod 755 "$E2E_DIR"
    trap e2e_cleanup EXIT
    trap 'exit 130' INT TERM HUP
    e2e_services || exit 1
    e2e_private_state || exit 1
    e2e_accounts || exit 1
    e2e_module_dir || exit 1
    e2e_etc_dir security || exit 1
    e2e_etc_dir pam.d || exit 1
    printf 'uuid:%s alice\nuuid:%s bob\n' "$ALICE_UUID" "$BOB_UUID" \
        >"$E2E_DIR/etc/security/pam_haobtc.map"
    chmod 644 "$E2E_DIR/etc/security/pam_haobtc.map"
    cat >"$E2E_DIR/tmux.conf" <<'EOF'
set -g status off
set -g remain-on-exit on
set -g history-limit 10000
EOF
}

e2e_cleanup() {
    local rc=$?
    # A second signal (a closed terminal sends more than one) must not cut
    # the cleanup short.
    trap '' INT TERM HUP
    local t
    if [ "${HB_E2E_SHOW:-0}" = 1 ] && [ -S "$E2E_DIR/tmux.sock" ]; then
        for t in $(e2e_tmux list-sessions -F '#{session_name}' 2>/dev/null); do
            e2e_show "$t"
        done
    fi
    [ -S "$E2E_DIR/tmux.sock" ] && e2e_tmux kill-server 2>/dev/null
    stop_pid "$E2E_SSHD_PID"
    local p
    for p in "${E2E_PIDS[@]}"; do stop_pid "$p"; done
    e2e_stop_namespace
    if [ "${HB_KEEP:-0}" = 1 ]; then
        e2e_say "kept $E2E_DIR"
    elif [ -n "$E2E_DIR" ]; then
        rm -rf "$E2E_DIR"
    fi
    exit "$rc"
}

# Whatever else still runs in our namespaces was started by this script
# (sshd's per-connection processes, a PAM process still polling): stop it
# in order, before the kernel would, so sshd and PAM can clean up.
e2e_stop_namespace() {
    local p left=() round
    for round in TERM KILL; do
        left=()
        for p in /proc/[0-9]*; do
            p=${p#/proc/}
            [ "$p" != $$ ] && [ "$p" != "$BASHPID" ] &&
                [ /proc/$p/ns/mnt -ef /proc/$$/ns/mnt ] && left+=("$p")
        done
        [ ${#left[@]} -eq 0 ] && return 0
        kill -s "$round" "${left[@]}" 2>/dev/null
        for p in 1 2 3 4 5 6 7 8 9 10; do
            e2e_any_running "${left[@]}" || break
            sleep 0.1
        done
    done
}

e2e_any_running() { # PID...: true while one of them runs (zombies do not)
    local p k v
    for p in "$@"; do
        while read -r k v _; do
            [ "$k" = State: ] && [ "$v" != Z ] && return 0
        done 2>/dev/null <"/proc/$p/status"
    done
    return 1
}

# The mock provider and the relay: the ones run-tests started, or our own.
e2e_services() {
    if [ -n "${MOCK_URL:-}" ] && [ -n "${RELAY_URL:-}" ] &&
        [ -n "${MOCK2_URL:-}" ] && [ -n "${HB_PKI:-}" ]; then
        return 0
    fi
    export HB_PKI=$E2E_DIR/pki
    sh "$HB_SRC/tests/lib/make-ca" "$HB_PKI" || return 1
    export HB_FLEET_KEY=$E2E_DIR/fleet.key
    (umask 077 && head -c 32 /dev/urandom | base64 >"$HB_FLEET_KEY") || return 1
    mkdir -p "$E2E_DIR/svc" "$E2E_DIR/svc/relay"
    start_mock "$E2E_DIR/svc" || return 1
    E2E_PIDS+=("$MOCK_PID")
    local main_pid=$MOCK_PID main_port=$MOCK_PORT main_url=$MOCK_URL
    MOCK2_PORT=$(free_port)
    start_relay "$E2E_DIR/svc/relay" "$MOCK2_PORT" || return 1
    E2E_PIDS+=("$RELAY_PID")
    start_mock "$E2E_DIR/svc/relay" --port "$MOCK2_PORT" \
        --redirect-uri "$RELAY_URL/cb" || return 1
    E2E_PIDS+=("$MOCK_PID")
    MOCK2_PID=$MOCK_PID MOCK2_URL=$MOCK_URL
    MOCK_PID=$main_pid MOCK_PORT=$main_port MOCK_URL=$main_url
    export MOCK_URL MOCK2_URL RELAY_URL
}

# State the real programs write outside /etc (utmp, wtmp, sudo's lecture
# and timestamps, sshd's privilege separation directory) goes to the
# namespace's own copies.
e2e_private_state() {
    mount -t tmpfs -o mode=755 e2e-run /run || return 1
    mkdir -m 755 /run/sshd
    [ -d /var/lib/sudo ] && { mount -t tmpfs -o mode=711 e2e-sudo /var/lib/sudo || return 1; }
    local f
    mkdir -p "$E2E_DIR/var-log"
    for f in /var/log/wtmp /var/log/btmp /var/log/lastlog /var/log/faillog; do
        [ -f "$f" ] || continue
        : >"$E2E_DIR/var-log/${f##*/}"
        chmod --reference="$f" "$E2E_DIR/var-log/${f##*/}"
        mount --bind "$E2E_DIR/var-log/${f##*/}" "$f" || return 1
    done
}

# alice and bob, with a shell and a home directory, in copies of the account
# files; any accounts of those names on the machine are hidden.
e2e_accounts() {
    local etc=$E2E_DIR/etc f id=61000 u
    mkdir -p "$etc" "$E2E_DIR/home"
    for f in passwd shadow group gshadow; do
        [ -f "/etc/$f" ] || continue
        grep -Ev '^(alice|bob):' "/etc/$f" >"$etc/$f"
        chmod --reference="/etc/$f" "$etc/$f"
        chown --reference="/etc/$f" "$etc/$f"
    done
    for u in alice bob; do
        while cut -d: -f3 "$etc/passwd" | grep -qx "$id" ||
            cut -d: -f3 "$etc/group" | grep -qx "$id"; do
            id=$((id + 1))
        done
        echo "$u:x:$id:$id:$u (pam_haobtc e2e):$E2E_DIR/home/$u:/bin/bash" >>"$etc/passwd"
        echo "$u:*:19000:0:99999:7:::" >>"$etc/shadow"
        echo "$u:x:$id:" >>"$etc/group"
        [ -f "$etc/gshadow" ] && echo "$u:!::" >>"$etc/gshadow"
        mkdir -m 700 "$E2E_DIR/home/$u"
        chown "$id:$id" "$E2E_DIR/home/$u"
        id=$((id + 1))
    done
    for f in passwd shadow group gshadow; do
        [ -f "$etc/$f" ] || continue
        mount --bind "$etc/$f" "/etc/$f" || return 1
    done
}

# The system's PAM module directory with the built module added, so that
# the documented "pam_haobtc.so" (no path) loads it.
e2e_module_dir() {
    local unix dir
    unix=$(ls /usr/lib/*/security/pam_unix.so /lib/*/security/pam_unix.so \
        /lib/security/pam_unix.so /lib64/security/pam_unix.so 2>/dev/null | head -n1)
    [ -n "$unix" ] || { e2e_say "cannot find the PAM module directory"; return 1; }
    dir=$(dirname "$(readlink -f "$unix")")
    cp -a "$dir" "$E2E_DIR/pam-modules" || return 1
    install -o root -g root -m 644 "$HB_BUILD/tests/.libs/pam_haobtc.so" \
        "$E2E_DIR/pam-modules/" || return 1
    mount --bind "$E2E_DIR/pam-modules" "$dir"
}

# e2e_set_passwords PASSWORD USER...: the users get PASSWORD in the
# namespace's shadow copy (written in place: /etc/shadow is a bind mount of
# it, which a rename would miss), for pam_unix to take.
e2e_set_passwords() {
    local password=$1 hash new users
    shift
    users=$(IFS='|'; echo "$*")
    hash=$(openssl passwd -6 "$password") || return 1
    new=$(sed -E "s#^($users):[^:]*:#\1:$hash:#" "$E2E_DIR/etc/shadow") || return 1
    printf '%s\n' "$new" >"$E2E_DIR/etc/shadow" &&
        [ "$(grep -cF ":$hash:" /etc/shadow)" = "$#" ]
}

# e2e_as_user NAME USER COMMAND: terminal NAME runs COMMAND in USER's bash,
# its output into NAME.out. The shell is started with setpriv, which keeps
# the terminal as its controlling one: "su USER -c" would start a new
# session without one, where sudo cannot read a password at all (it ends
# in "a terminal is required" instead of showing its password prompt).
e2e_as_user() {
    e2e_term "$1" "$E2E_DIR/$1.out" setpriv --reuid="$2" --regid="$2" --init-groups \
        --reset-env env LANG=C.UTF-8 LC_ALL=C.UTF-8 bash -c "$3"
}

# e2e_etc_dir NAME: /etc/NAME becomes a copy that the test may change.
e2e_etc_dir() {
    cp -a "/etc/$1" "$E2E_DIR/etc/$1" || return 1
    mount --bind "$E2E_DIR/etc/$1" "/etc/$1"
}

# e2e_zh_locale: zh_CN.UTF-8 exists in the namespace. su and sudo are
# setuid, so glibc ignores LOCPATH and reads only /usr/lib/locale: a copy
# of it with the locale from hb_zh_locale added is mounted there.
e2e_zh_locale() {
    local made
    made=$(hb_zh_locale) || return 1
    # The locale directories only (Debian's C.utf8 is one): a locale
    # archive, if the machine has one, is left out rather than copied.
    mkdir -p "$E2E_DIR/locale" || return 1
    find /usr/lib/locale -mindepth 1 -maxdepth 1 -type d \
        -exec cp -a {} "$E2E_DIR/locale/" \; || return 1
    cp -a "$made/zh_CN.utf8" "$E2E_DIR/locale/" || return 1
    mount --bind "$E2E_DIR/locale" /usr/lib/locale
}

# e2e_syslog: what the programs and the module send to syslog goes to
# E2E_DIR/syslog, one message a line ("<PRIORITY>..."). /dev is the
# machine's, so the namespace gets an overlay of it (its pts and shm mounted
# again on top, its changes in the namespace's /run) where /dev/log is a
# socket of our own; the machine's /dev is not changed.
e2e_syslog() {
    local ov=/run/e2e-dev sub n=0
    mkdir -p "$ov/upper" "$ov/work" "$ov/dev" || return 1
    mount -t overlay -o "lowerdir=/dev,upperdir=$ov/upper,workdir=$ov/work" \
        e2e-dev "$ov/dev" || return 1
    for sub in pts shm mqueue hugepages; do
        mountpoint -q "/dev/$sub" || continue
        mount --rbind "/dev/$sub" "$ov/dev/$sub" || return 1
    done
    mount --move "$ov/dev" /dev || return 1
    # A journald /dev/log is a link into /run, which the namespace replaced.
    rm -f /dev/log
    python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)
with open(sys.argv[1], "ab", buffering=0) as log:
    while True:
        log.write(s.recv(65536).rstrip(b"\0\n") + b"\n")
' "$E2E_DIR/syslog" &
    E2E_PIDS+=($!)
    until [ -S /dev/log ]; do
        n=$((n + 1))
        [ "$n" -le 50 ] || { e2e_say "no syslog socket at /dev/log"; return 1; }
        sleep 0.1
    done
}

# e2e_pam_service NAME: /etc/pam.d/NAME is examples/pam.d/NAME, as it is.
e2e_pam_service() {
    install -o root -g root -m 644 "$HB_SRC/examples/pam.d/$1" "/etc/pam.d/$1"
}

# e2e_conf paste|relay [key=value...]: /etc/security/pam_haobtc.conf for the
# mock provider, either pasting its code (redirect to 127.0.0.1/cb) or
# through the relay.
e2e_conf() {
    local how=$1
    shift
    if [ "$how" = relay ]; then
        set -- site_url="$MOCK2_URL" relay_url="$RELAY_URL" \
            fleet_key_file="$HB_FLEET_KEY" "$@"
    else
        set -- site_url="$MOCK_URL" redirect_uri=https://127.0.0.1/cb "$@"
    fi
    write_conf /etc/security/pam_haobtc.conf "$@" ca_file="$HB_PKI/ca.pem" \
        client_id=test-client client_secret=test-secret
}

# e2e_sshd [sshd_config lines...]: Debian 12's sshd_config, with
# examples/sshd_config.d/haobtc.conf in its drop-in directory as it is and
# the test's own settings (port, host key) beside it; sets SSH_PORT. The
# sshd is E2E_SSHD_BIN (default: Debian's /usr/sbin/sshd).
e2e_sshd() {
    local ssh=$E2E_DIR/etc/ssh
    mkdir -p "$ssh/sshd_config.d"
    cat >"$ssh/sshd_config" <<'EOF'
# Debian 12's /etc/ssh/sshd_config, without its comments.
Include /etc/ssh/sshd_config.d/*.conf
KbdInteractiveAuthentication no
UsePAM yes
X11Forwarding yes
PrintMotd no
AcceptEnv LANG LC_*
Subsystem	sftp	/usr/lib/openssh/sftp-server
EOF
    install -m 644 "$HB_SRC/examples/sshd_config.d/haobtc.conf" "$ssh/sshd_config.d/"
    [ -f /etc/ssh/moduli ] && cp /etc/ssh/moduli "$ssh/"
    ssh-keygen -q -t ed25519 -N '' -C e2e-host -f "$ssh/ssh_host_ed25519_key" || return 1
    SSH_PORT=$(free_port)
    # The client knows the host key beforehand, as a real one would.
    echo "[127.0.0.1]:$SSH_PORT $(cut -d' ' -f1,2 "$ssh/ssh_host_ed25519_key.pub")" \
        >"$E2E_DIR/known_hosts"
    {
        echo "# The test's own settings (read before haobtc.conf)."
        echo "ListenAddress 127.0.0.1"
        echo "Port $SSH_PORT"
        echo "HostKey /etc/ssh/ssh_host_ed25519_key"
        echo "PubkeyAuthentication no"
        echo "PasswordAuthentication no"
        echo "LogLevel DEBUG"
        printf '%s\n' "$@"
    } >"$ssh/sshd_config.d/00-e2e.conf"
    mount --bind "$ssh" /etc/ssh || return 1
    e2e_sshd_start
}

# e2e_sshd_start: E2E_SSHD_BIN (default: Debian's /usr/sbin/sshd) with
# the configuration in /etc/ssh checked first, then in the background
# (E2E_SSHD_PID, its log in $E2E_DIR/sshd.log); returns once it listens
# on $SSH_PORT.
e2e_sshd_start() {
    if ! "${E2E_SSHD_BIN:-/usr/sbin/sshd}" -t >"$E2E_DIR/sshd-t.log" 2>&1; then
        e2e_say "sshd -t:"
        cat "$E2E_DIR/sshd-t.log" >&2
        return 1
    fi
    "${E2E_SSHD_BIN:-/usr/sbin/sshd}" -D -e 2> >(e2e_stamp >>"$E2E_DIR/sshd.log") &
    E2E_SSHD_PID=$!
    local n=0
    until grep -qs "Server listening on 127.0.0.1 port $SSH_PORT" "$E2E_DIR/sshd.log"; do
        n=$((n + 1))
        if [ "$n" -gt 100 ] || ! kill -0 "$E2E_SSHD_PID" 2>/dev/null; then
            e2e_say "sshd did not start; its log:"
            cat "$E2E_DIR/sshd.log" >&2
            return 1
        fi
        sleep 0.1
    done
}

# e2e_ssh_args USER@HOST [options] COMMAND: the real ssh client's
# arguments for our sshd, as an array in SSH_ARGS.
e2e_ssh_args() {
    SSH_ARGS=(ssh -F /dev/null -p "$SSH_PORT" -o StrictHostKeyChecking=yes
        -o UserKnownHostsFile="$E2E_DIR/known_hosts" -o GlobalKnownHostsFile=/dev/null
        -o PreferredAuthentications=keyboard-interactive "$@")
}

# tmux on a socket of our own, so no one else's sessions are touched.
e2e_tmux() { tmux -S "$E2E_DIR/tmux.sock" -f "$E2E_DIR/tmux.conf" "$@"; }

# e2e_term NAME OUT COMMAND [ARGS...]: a detached 80x24 UTF-8 terminal
# running COMMAND, its standard output going to OUT ("-": the terminal),
# in the locale E2E_LANG (default C.UTF-8).
# NAME.pid gets the command's process id; NAME.rc its exit status when it
# ends. (tmux's own view of a pane's end is not used: libutempter runs a
# helper with SIGCHLD at its default, and a child ending meanwhile stays a
# zombie until the next one.)
e2e_term() {
    local t=$1 out=$2 script=$E2E_DIR/$1.term
    shift 2
    [ "$out" = - ] && out=/dev/stdout
    {
        printf 'export LANG=%q LC_ALL=%q\n' "${E2E_LANG:-C.UTF-8}" "${E2E_LANG:-C.UTF-8}"
        printf 'sh -c %q %q' 'echo $$ >"$0" && exec "$@"' "$E2E_DIR/$t.pid"
        printf ' %q' "$@"
        printf ' >%q\n' "$out"
        printf 'echo $? >%q && mv %q %q\n' "$E2E_DIR/$t.rc.new" \
            "$E2E_DIR/$t.rc.new" "$E2E_DIR/$t.rc"
    } >"$script"
    rm -f "$E2E_DIR/$t.pid" "$E2E_DIR/$t.rc"
    e2e_tmux new-session -d -s "$t" -x 80 -y 24 "bash $(printf %q "$script")"
}

# e2e_screen NAME: what the terminal shows now; e2e_scrollback NAME: all of
# it since it started, wrapped lines joined.
e2e_screen() { e2e_tmux capture-pane -p -t "$1"; }
e2e_scrollback() { e2e_tmux capture-pane -p -J -S - -t "$1"; }
# e2e_type NAME KEYS...: sends keys to the terminal, and notes them in
# NAME.typed, so a test can show that nothing was typed (e2e_nothing_typed).
e2e_type() {
    local t=$1
    shift
    printf '%s\n' "$*" >>"$E2E_DIR/$t.typed"
    e2e_tmux send-keys -t "$t" "$@"
}
e2e_nothing_typed() { [ ! -e "$E2E_DIR/$1.typed" ]; }
e2e_ended() { [ -s "$E2E_DIR/$1.rc" ]; }
e2e_exit_status() { cat "$E2E_DIR/$1.rc"; }
e2e_pid() { cat "$E2E_DIR/$1.pid"; }

# e2e_wait_count NAME REGEX COUNT SECONDS: until the scrollback holds COUNT
# lines matching REGEX (or the command in it has ended).
e2e_wait_count() {
    local end=$((SECONDS + $4))
    while [ "$SECONDS" -lt "$end" ]; do
        [ "$(e2e_scrollback "$1" | grep -cE -- "$2")" -ge "$3" ] && return 0
        e2e_ended "$1" && break
        sleep 0.2
    done
    [ "$(e2e_scrollback "$1" | grep -cE -- "$2")" -ge "$3" ]
}
e2e_wait_text() { e2e_wait_count "$1" "$2" 1 "$3"; }

# e2e_wait_end NAME SECONDS: until the terminal's command has ended.
e2e_wait_end() {
    local end=$((SECONDS + $2))
    until e2e_ended "$1"; do
        [ "$SECONDS" -lt "$end" ] || return 1
        sleep 0.2
    done
}

# The last link and state the module showed in terminal NAME.
e2e_link() { e2e_scrollback "$1" | grep -oE '^https://[^ ]+' | tail -n1; }
e2e_state() { e2e_scrollback "$1" | grep -oE '[?&]state=[^& ]+' | tail -n1 | cut -d= -f2; }
# e2e_challenge NAME: the PKCE code_challenge of the authorize link shown
e2e_challenge() { e2e_scrollback "$1" | grep -oE '[?&]code_challenge=[^& ]+' | tail -n1 | cut -d= -f2; }

# e2e_number NAME: the number the terminal shows last for the phone to
# pick (number matching), as the person reads it.
e2e_number() { number_shown "$(e2e_scrollback "$1")"; }

# e2e_relay_state LINK NUMBER: the state in the address the relay's page
# for a short link sends the phone on to (picking NUMBER).
e2e_relay_state() {
    local href jar
    jar=$(mktemp "$E2E_DIR/jar.XXXXXX")
    href=$(phone_continue "$1" "$jar" "$2")
    rm -f "$jar"
    href=${href##*[?&]state=}
    echo "${href%%&*}"
}

# e2e_show NAME: the terminal's scrollback, indented, for a failure report.
e2e_show() {
    e2e_say "---- terminal $1 at $(date +%T.%N):"
    e2e_scrollback "$1" | sed 's/^/    | /' >&2
    e2e_say "---- its command:"
    [ -s "$E2E_DIR/$1.pid" ] && kill -0 "$(e2e_pid "$1")" 2>/dev/null &&
        ps -o pid,stat,etime,args -p "$(e2e_pid "$1")" >&2
    e2e_ended "$1" && e2e_say "(ended with status $(e2e_exit_status "$1"))"
    e2e_say "----"
}

# For the tests of the installed packages (e2e_packages, e2e_pristine), as
# root where the package is installed:
# e2e_configure_module: the configuration the README's steps give, from the
# installed examples, for the mock provider behind the relay ($MOCK2_URL,
# $RELAY_URL, $HB_FLEET_KEY, $HB_PKI), mapping haobtc's alice to $LOCAL_USER.
e2e_configure_module() {
    local ex=/usr/share/doc/libpam-haobtc/examples
    install -m 0600 "$ex/pam_haobtc.conf" /etc/security/pam_haobtc.conf &&
        (umask 077 && echo test-secret >/etc/security/pam_haobtc.secret) &&
        install -m 0644 "$ex/pam_haobtc.map" /etc/security/pam_haobtc.map &&
        (umask 077 && cp "$HB_FLEET_KEY" /etc/security/haobtc-fleet.key) &&
        sed -i -e "s|^site_url = .*|site_url = $MOCK2_URL|" \
            -e 's|^client_id = .*|client_id = test-client|' \
            -e "s|^# relay_url = .*|relay_url = $RELAY_URL|" \
            -e 's|^# fleet_key_file = |fleet_key_file = |' \
            /etc/security/pam_haobtc.conf &&
        echo "ca_file = $HB_PKI/ca.pem" >>/etc/security/pam_haobtc.conf &&
        sed -i "s/[[:space:]]alice\$/ $LOCAL_USER/" /etc/security/pam_haobtc.map
}

# e2e_common_auth_has_haobtc_first: pam-auth-update put the profile's
# "haobtc or password" line first in common-auth, pam_unix still after it.
e2e_common_auth_has_haobtc_first() {
    local first
    first=$(grep -E '^auth' /etc/pam.d/common-auth | head -n1)
    [[ $first =~ ^auth[[:space:]]+\[success=[0-9]+\ default=ignore\][[:space:]]+pam_haobtc\.so[[:space:]]+or_password[[:space:]]*$ ]] &&
        grep -qE '^auth.*pam_unix\.so' /etc/pam.d/common-auth ||
        { cat /etc/pam.d/common-auth; return 1; }
}

# e2e_installed_sshd_conf COMMENT: for the installed sshd in the packages'
# roots: a fresh host key (named COMMENT), a free loopback port (SSH_PORT)
# the client knows the key for, in sshd_config.d/00-test.conf.
e2e_installed_sshd_conf() {
    rm -f /etc/ssh/ssh_host_*
    ssh-keygen -q -t ed25519 -N '' -C "$1" -f /etc/ssh/ssh_host_ed25519_key || return 1
    SSH_PORT=$(free_port)
    echo "[127.0.0.1]:$SSH_PORT $(cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub)" \
        >"$E2E_DIR/known_hosts"
    cat >/etc/ssh/sshd_config.d/00-test.conf <<EOF
ListenAddress 127.0.0.1
Port $SSH_PORT
HostKey /etc/ssh/ssh_host_ed25519_key
PubkeyAuthentication no
LogLevel DEBUG
EOF
}

# For the benchmarks (HB_BENCH=N): e2e_ms_between START END, the
# milliseconds between two times in seconds (date +%s.%N);
# e2e_bench_summary LABEL CASE WANTED TIMES...: their median, least and
# most as a "bench:" line, or CASE failed when fewer than WANTED logins
# ended well.
e2e_ms_between() {
    python3 -c 'import sys; print("%.1f" % ((float(sys.argv[2]) - float(sys.argv[1])) * 1000))' "$1" "$2"
}
e2e_bench_summary() {
    local label=$1 case=$2 wanted=$3
    shift 3
    if [ "$#" -eq "$wanted" ]; then
        printf '%s\n' "$@" | sort -n | awk -v label="$label" '{a[NR]=$1} END {
            m = NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2
            printf "bench: %s callback -> first shell output: median %.1f ms, min %.1f, max %.1f over %d logins\n", label, m, a[1], a[NR], NR }'
    else
        not_ok "$case" "only $# of $wanted logins ended well"
    fi
}
