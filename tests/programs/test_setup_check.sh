# SPDX-License-Identifier: BSD-2-Clause
# haobtc-login check: green on a setup like the one tools/demo builds (the
# relay, the examples' PAM services and sshd drop-in), and every FAIL, with
# its fix, on setups broken on purpose (several independent breakages per
# run, to keep the test fast). Nothing in /etc is touched: the check reads
# copies through --pam-dir and --sshd-config, and the case that changes
# the helper does so in a private mount namespace.
. "$HB_SRC/tests/lib/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP test_setup_check: haobtc-login check runs as root"
    exit 0
fi
# sshd -T refuses to run without its privilege separation directory,
# which only a running sshd or systemd-tmpfiles makes (a fresh CI machine
# has neither): made in a private /run, never on the machine.
if [ -z "${HB_SETUP_PRIVATE_RUN:-}" ]; then
    HB_SETUP_PRIVATE_RUN=1 exec unshare -m sh -c \
        'mount -t tmpfs -o mode=755 setup-run /run && mkdir -m 755 /run/sshd &&
         exec "$@"' sh bash "$0" "$@"
fi
t=$(mktemp -d "$HB_TEST_DIR/setup.XXXXXX")
chmod 755 "$t"
ALICE_UUID=5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60
BOB_UUID=0a1b2c3d4e5f60718293a4b5c6d7e8f9

# --- the setup tools/demo builds: relay, map, secret, PAM, sshd
printf 'uuid:%s alice\nuuid:%s bob\n' "$ALICE_UUID" "$BOB_UUID" >"$t/map"
chmod 644 "$t/map"
(umask 077 && echo test-secret >"$t/secret")
write_conf "$t/conf" "site_url=$MOCK2_URL" "relay_url=$RELAY_URL" \
    "fleet_key_file=$HB_FLEET_KEY" "ca_file=$HB_PKI/ca.pem" \
    client_id=test-client "client_secret_file=$t/secret" "map_file=$t/map" \
    "breakglass_file=$t/breakglass"

# Debian 12's common files, then the examples as they are, with the module
# named by its path in this build and this test's configuration.
mkdir -p "$t/pam.d" "$t/empty"
printf '%s\n' 'auth [success=1 default=ignore] pam_unix.so nullok' \
    'auth requisite pam_deny.so' 'auth required pam_permit.so' \
    'auth optional pam_cap.so' >"$t/pam.d/common-auth"
printf '%s\n' 'account [success=1 new_authtok_reqd=done default=ignore] pam_unix.so' \
    'account requisite pam_deny.so' 'account required pam_permit.so' \
    >"$t/pam.d/common-account"
printf '%s\n' 'session [default=1] pam_permit.so' 'session requisite pam_deny.so' \
    'session required pam_permit.so' 'session required pam_unix.so' \
    >"$t/pam.d/common-session"
cp "$t/pam.d/common-session" "$t/pam.d/common-session-noninteractive"
printf '%s\n' 'password [success=1 default=ignore] pam_unix.so obscure yescrypt' \
    'password requisite pam_deny.so' 'password required pam_permit.so' \
    >"$t/pam.d/common-password"
mod="$HB_MODULE conf=$t/conf"
for s in sshd sudo sudo-i su login; do
    sed "s|pam_haobtc.so|$mod|" "$HB_SRC/examples/pam.d/$s" >"$t/pam.d/$s"
done
# Debian 12's su-l, which "su -" reads: it includes su.
printf '%s\n' 'auth include su' 'account include su' 'password include su' \
    'session optional pam_keyinit.so force revoke' 'session include su' >"$t/pam.d/su-l"

# Debian 12's sshd_config, its drop-in directory holding the example.
mkdir -p "$t/ssh/sshd_config.d"
ssh-keygen -q -t ed25519 -N '' -C setup-check -f "$t/ssh/host_key"
printf '%s\n' "Include $t/ssh/sshd_config.d/*.conf" 'KbdInteractiveAuthentication no' \
    'UsePAM yes' 'X11Forwarding yes' 'PrintMotd no' 'AcceptEnv LANG LC_*' \
    'Subsystem sftp /usr/lib/openssh/sftp-server' >"$t/ssh/sshd_config"
printf '%s\n' "HostKey $t/ssh/host_key" 'PubkeyAuthentication no' \
    'PasswordAuthentication no' >"$t/ssh/sshd_config.d/00-test.conf"
cp "$HB_SRC/examples/sshd_config.d/haobtc.conf" "$t/ssh/sshd_config.d/"

# run_check RUN [check options...]: the output in $t/RUN.out, the exit
# status in $t/RUN.rc; options given here win over the green setup's.
run_check() {
    local run=$1
    shift
    LD_PRELOAD=$HB_PRELOAD_BASE "$HB_LOGIN" check -c "$t/conf" --pam-dir "$t/pam.d" \
        --sshd-config "$t/ssh/sshd_config" "$@" >"$t/$run.out" 2>&1
    echo $? >"$t/$run.rc"
}
shown() { sed 's/^/    | /' "$t/$1.out"; }

# expect NAME RUN VERDICT TOPIC REGEX: RUN printed "VERDICT TOPIC: TEXT"
# with TEXT matching REGEX, and for warn and FAIL a fix; a FAIL also made
# RUN exit 1. (Bash only: a process per match costs too much here.)
expect() {
    local name=$1 run=$2 verdict=$3 topic=$4 re=$5 line text= found=0
    local head="^$verdict +$topic: (.*)$"
    while IFS= read -r line; do
        [[ $line =~ $head ]] || continue
        text=${BASH_REMATCH[1]}
        [[ $text =~ $re ]] && { found=1; break; }
    done <"$t/$run.out"
    if [ "$verdict" != ok ] && [[ $text != *". Fix: "?* ]]; then found=0; fi
    if [ "$verdict" = FAIL ] && [ "$(<"$t/$run.rc")" != 1 ]; then found=0; fi
    if [ "$found" = 1 ]; then
        ok "$name"
    else
        not_ok "$name" "no '$verdict $topic: ...' line matching '$re' (exit $(<"$t/$run.rc"))"
        shown "$run"
    fi
}
# variant NAME key=value...: the green configuration with these lines
# added (the last line of a key wins); relay_url= drops the relay.
variant() {
    local f=$t/$1.conf kv
    shift
    cp -p "$t/conf" "$f"
    for kv in "$@"; do
        if [ "$kv" = relay_url= ]; then
            sed -i '/^relay_url = /d' "$f"
        else
            printf '%s = %s\n' "${kv%%=*}" "${kv#*=}" >>"$f"
        fi
    done
}
# pam_variant NAME SERVICE=LINE|LINE... ...: the green PAM directory with
# those services replaced by the given lines.
pam_variant() {
    local d=$t/pam-$1 svc
    shift
    cp -a "$t/pam.d" "$d"
    for svc in "$@"; do
        tr '|' '\n' <<<"${svc#*=}" >"$d/${svc%%=*}"
    done
}
# sshd_variant NAME LINE...: an sshd_config that reads these lines before
# the green setup's (sshd keeps the first value it reads).
sshd_variant() {
    local f=$t/ssh/$1.sshd_config
    shift
    { printf '%s\n' "$@"; cat "$t/ssh/sshd_config"; } >"$f"
}
# A port nothing listens on (port 1 unless something does there).
closed=1
(: </dev/tcp/127.0.0.1/1) 2>/dev/null && closed=$(free_port)
quick=(--pam-dir "$t/empty" --skip sshd)

# --- green
start=$EPOCHREALTIME
run_check green
took=$(((${EPOCHREALTIME/./} - ${start/./}) / 1000))
if [ "$(<"$t/green.rc")" = 0 ] && ! grep -qE '^(warn|FAIL) ' "$t/green.out"; then
    ok check_green_on_the_demo_setup
else
    not_ok check_green_on_the_demo_setup
    shown green
fi
expect green_provider_credentials green ok 'provider credentials' \
    'accepts client_id test-client and its secret \(a made-up code was refused with 40009'
expect green_relay_health green ok 'relay health' 'up, [0-9]+ logins? waiting'
expect green_relay_fleet_key green ok 'relay fleet key' 'accepted a no-op request signed with'
# The keys away from their defaults, judged by the module's own table.
expect green_settings_away_from_defaults green ok 'config settings' \
    "^away from the defaults: map_file = $t/map, breakglass_file = $t/breakglass; every other key at its default \\(pam_haobtc.conf\\(5\\)\\)$"
expect green_pam_sshd_words green ok 'pam sshd' '^haobtc or password \('
expect green_pam_sudo_words green ok 'pam sudo' \
    '^haobtc only, no password even when haobtc is unreachable \('
expect green_pam_su_words green ok 'pam su' \
    '^haobtc only, no password even when haobtc is unreachable \('
expect green_pam_sudo_i_words green ok 'pam sudo-i' \
    '^haobtc only, no password even when haobtc is unreachable \('
expect green_pam_su_l_words green ok 'pam su-l' \
    '^haobtc only, no password even when haobtc is unreachable \('
expect green_sshd_grace green ok 'sshd grace' 'LoginGraceTime 120 s, the module.s timeout 110 s'
expect green_sshd_access green ok 'sshd access' 'every mapped account may log in \(alice, bob\)'
expect green_breakglass_none_issued green ok breakglass \
    '^none issued \(haobtc-login breakglass issue makes one-time codes'
check check_green_ends_with_the_tally grep -qx '[0-9]* ok, 0 warn, 0 FAIL' "$t/green.out"
echo "one check of the green setup took $took ms"
variant paste relay_url= "site_url=$MOCK_URL" redirect_uri=https://127.0.0.1/cb
run_check paste_green -c "$t/paste.conf" --skip pam,sshd
check check_green_without_a_relay [ "$(<"$t/paste_green.rc")" = 0 ]
expect paste_green_says_no_relay paste_green ok relay 'not configured'

# --- the configuration file, the secret, the fleet key, the helper
cp -p "$t/conf" "$t/open.conf" && chmod 664 "$t/open.conf"
run_check config_open -c "$t/open.conf" "${quick[@]}"
expect config_writable_by_group config_open FAIL config \
    'writable by group or others \(mode 664\).*Fix: chmod 600'
ln -s "$t/conf" "$t/link.conf"
run_check config_link -c "$t/link.conf" "${quick[@]}"
expect config_symlink config_link FAIL config 'is a symbolic link.*Fix: replace the symbolic link'
cp -p "$t/conf" "$t/alice.conf" && chown 1001 "$t/alice.conf"
run_check config_alice -c "$t/alice.conf" "${quick[@]}"
expect config_not_roots config_alice FAIL config 'owned by uid 1001, not 0.*Fix: give it to root'
variant badkey colour=blue
run_check config_key -c "$t/badkey.conf" "${quick[@]}"
expect config_unknown_key config_key FAIL config 'badkey.conf line [0-9]+: unknown key .colour.'
expect pam_nothing_wired config_key warn pam 'no PAM service in .* uses pam_haobtc.so yet'
(umask 022 && echo test-secret >"$t/open.secret")
variant opensecret "client_secret_file=$t/open.secret"
run_check secret_open -c "$t/opensecret.conf" "${quick[@]}"
expect secret_readable_by_others secret_open FAIL secret \
    'open.secret holds a secret but is readable by group or others.*Fix: chmod 600'
cp "$HB_FLEET_KEY" "$t/open.key" && chmod 644 "$t/open.key"
variant openkey "fleet_key_file=$t/open.key"
run_check key_open -c "$t/openkey.conf" "${quick[@]}"
expect fleet_key_readable_by_others key_open FAIL 'fleet key' 'open.key holds a secret but is readable'
# The build's helper, replaced (in a private mount namespace only) by a
# group-writable copy.
helper=$HB_BUILD/pam_haobtc/helper/haobtc-helper
cp -p "$helper" "$t/helper" && chmod 775 "$t/helper"
unshare -m sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh "$t/helper" \
    "$helper" env LD_PRELOAD="$HB_PRELOAD_BASE" "$HB_LOGIN" check -c "$t/conf" \
    "${quick[@]}" >"$t/helper_open.out" 2>&1
echo $? >"$t/helper_open.rc"
expect helper_writable_by_group helper_open FAIL helper \
    'haobtc-helper is writable by group or others.*Fix: chown root:root .*; chmod 755'

# --- the break-glass file: what the module would find once haobtc is down
config_only=(--skip "network,map,pam,sshd")
bg_issue() { "$HB_LOGIN" breakglass issue --file "$@" >/dev/null; }
bg_issue "$t/safe.bg" --user alice --ttl 24h
# One spent code beside it (expired at 1000 s after the epoch).
echo '0123abcd bob 1000 0 $y$j9T$salt$hash' >>"$t/safe.bg"
variant safebg "breakglass_file=$t/safe.bg"
run_check bg_safe -c "$t/safebg.conf" "${config_only[@]}"
check breakglass_safe_file_has_no_warning sh -c "! grep -qE '^(warn|FAIL) ' '$t/bg_safe.out'"
expect breakglass_safe_file_counts bg_safe ok breakglass \
    '/safe.bg: root-only, codes: 1 unused \(accounts: alice\), 1 used or expired$'
cp -p "$t/safe.bg" "$t/open.bg" && chmod 644 "$t/open.bg"
variant openbg "breakglass_file=$t/open.bg"
run_check bg_open -c "$t/openbg.conf" "${config_only[@]}"
expect breakglass_readable_by_others bg_open FAIL breakglass \
    'open.bg holds a secret but is readable by group or others.*Fix: chmod 600'
(umask 077 && cp "$t/safe.bg" "$t/bad.bg" && echo 'alice BG-K7P2Q' >>"$t/bad.bg")
variant badbg "breakglass_file=$t/bad.bg"
run_check bg_bad -c "$t/badbg.conf" "${config_only[@]}"
expect breakglass_malformed_line bg_bad FAIL breakglass \
    'bad.bg: line 5 is not "ID USER EXPIRES USED HASH".*Fix: delete that line'
bg_issue "$t/long.bg" --user bob --ttl 30d
variant longbg "breakglass_file=$t/long.bg"
run_check bg_long -c "$t/longbg.conf" "${config_only[@]}"
check breakglass_long_lived_code_is_a_warning [ "$(<"$t/bg_long.rc")" = 0 ]
expect breakglass_long_lived_code bg_long warn breakglass \
    'valid for more than 7 days: [0-9a-f]{8} \(bob, 30 days left\);.*Fix: revoke them'

# --- the provider (DNS, TCP, TLS, client credentials) and the relay
variant dns "site_url=https://haobtc.invalid" "relay_url=https://127.0.0.1:$closed" http_timeout=3
run_check unreachable -c "$t/dns.conf" "${quick[@]}" --skip map
expect provider_dns_fails unreachable FAIL 'provider DNS' \
    'resolve.*Fix: check the host name in site_url'
expect relay_tcp_fails unreachable FAIL 'relay TCP' "Fix: make 127.0.0.1 port $closed reachable"
# Another site_url moves the endpoints with it: they keep their defaults.
expect settings_endpoints_follow_site_url unreachable ok 'config settings' \
    "^away from the defaults: map_file = $t/map, breakglass_file = $t/breakglass, http_timeout = 3; every other"
variant tcp "site_url=https://127.0.0.1:$closed" "relay_url=$MOCK_URL" http_timeout=3
run_check closed -c "$t/tcp.conf" "${quick[@]}" --skip map
expect provider_tcp_fails closed FAIL 'provider TCP' "Fix: make 127.0.0.1 port $closed reachable"
expect relay_url_not_a_relay closed FAIL 'relay health' \
    'answered HTTP 404, not haobtc-relay.s health.*Fix: set relay_url'
variant tls "ca_file=$HB_PKI/untrusted-ca.pem"
run_check untrusted -c "$t/tls.conf" "${quick[@]}" --skip map
expect provider_tls_fails untrusted FAIL 'provider TLS' \
    'certificate.*Fix: set ca_file to the CA that issued the certificate of 127.0.0.1'
expect relay_tls_fails untrusted FAIL 'relay TLS' 'Fix: set ca_file'
(umask 077 && head -c 32 /dev/urandom | base64 >"$t/other.key")
variant wrongid client_id=someone-else "fleet_key_file=$t/other.key"
run_check wrongid -c "$t/wrongid.conf" "${quick[@]}" --skip map
expect wrong_client_id wrongid FAIL 'provider credentials' \
    '^the client id is wrong: haobtc does not know client_id someone-else \(40002'
expect fleet_key_not_the_relays wrongid FAIL 'relay fleet key' \
    'signed with .*other.key \(bad signature\).*Fix: copy the relay.s --fleet-key-file'
(umask 077 && echo not-the-secret >"$t/wrong.secret")
variant wrongsecret "client_secret_file=$t/wrong.secret"
run_check wrongsecret -c "$t/wrongsecret.conf" "${quick[@]}" --skip map
expect wrong_client_secret wrongsecret FAIL 'provider credentials' \
    "^the client secret is wrong: .*40007.*Fix: put the secret .* in $t/wrong.secret"
variant redirect relay_url= "site_url=$MOCK_URL" redirect_uri=https://127.0.0.1/elsewhere
run_check redirect -c "$t/redirect.conf" "${quick[@]}" --skip map
expect wrong_redirect_uri redirect FAIL 'provider credentials' \
    'redirect_uri https://127.0.0.1/elsewhere is not the address registered.*40006'
variant blocked relay_url= "site_url=$MOCK_URL" redirect_uri=https://127.0.0.1/cb \
    client_id=blocked-client
run_check blocked -c "$t/blocked.conf" "${quick[@]}" --skip map
expect blocked_client blocked FAIL 'provider credentials' 'has blocked client_id blocked-client.*40015'
# The mock's fault switch, for the next token request only: a refusal
# with a code that says nothing about the credentials, and an answer too
# slow for http_timeout after a good TLS handshake.
fault() {
    curl -sS --cacert "$HB_PKI/ca.pem" -o /dev/null -X POST "$MOCK_URL/mock/fault" \
        -d target=token -d count=1 "$@"
}
fault -d mode=code -d code=40014
run_check othercode -c "$t/paste.conf" "${quick[@]}" --skip map
expect provider_refusal_not_40009 othercode FAIL 'provider credentials' \
    'a made-up code was refused with 40014 .*, not 40009.*Fix: check site_url and token_url'
variant slow relay_url= "site_url=$MOCK_URL" redirect_uri=https://127.0.0.1/cb http_timeout=1
fault -d mode=delay -d delay_ms=3000
run_check slow -c "$t/slow.conf" "${quick[@]}" --skip map
expect provider_no_answer slow FAIL 'provider HTTP' 'Operation timed out.*Fix: check that site_url'

# --- the map file
printf 'uuid:%s alice\nalice\n' "$ALICE_UUID" >"$t/bad.map" && chmod 644 "$t/bad.map"
variant badmap "map_file=$t/bad.map"
run_check badmap -c "$t/badmap.conf" "${quick[@]}" --skip network
expect map_syntax badmap FAIL map 'bad.map line 2: expected .IDENTITY LOCALUSER.'
cp -p "$t/map" "$t/open.map" && chmod 666 "$t/open.map"
variant openmap "map_file=$t/open.map"
run_check openmap -c "$t/openmap.conf" "${quick[@]}" --skip network
expect map_writable_by_others openmap FAIL map 'writable by group or others.*Fix: chmod 644'
printf 'uuid:%s alice\nuuid:%s alice\nuuid:%s zed\nusername:carol carol\n' \
    "$ALICE_UUID" "$BOB_UUID" "$BOB_UUID" >"$t/odd.map" && chmod 644 "$t/odd.map"
variant oddmap "map_file=$t/odd.map" same_name=yes
run_check doubts -c "$t/oddmap.conf" "${quick[@]}" --skip network
check map_doubts_are_warnings [ "$(<"$t/doubts.rc")" = 0 ]
expect map_account_missing doubts warn map 'line 3: local account zed does not exist'
expect map_account_for_two_identities doubts warn map 'local account alice is named for 2 identities'
expect map_entry_of_the_other_kind doubts warn map 'line 4: username:carol is ignored: with match = uuid'
# same_name refuses uid 0, uids below UID_MIN and accounts the map names
# (identity.c); everyone else is open, nobody (65534) included.
expect same_name_open_accounts doubts warn same_name 'bob \(uid 1002\), dave \(uid 1004\)'
expect same_name_matches_nobody doubts warn same_name \
    'system accounts above UID_MAX [0-9]+: nobody \(uid 65534\)'

# --- the PAM services: each service broken its own way
pam_variant broken "sshd=auth sufficient $mod|auth required pam_permit.so|session required $mod" \
    "sudo=auth sufficient $mod colour=blue|@include common-auth" \
    "sudo-i=auth sufficient $mod client_secret=x|@include common-auth" \
    "su=auth sufficient $mod|@include common-authh" \
    "su-l=auth sufficient $t/nowhere/pam_haobtc.so|@include common-auth" \
    "login=auth required pam_deny.so|auth sufficient $mod"
run_check pam_broken --pam-dir "$t/pam-broken" --skip network,map,sshd
expect pam_refusal_gets_in pam_broken FAIL 'pam sshd' \
    'a refused or failed haobtc login gets in without a password'
expect pam_session_line_without_session_reuse_does_nothing pam_broken warn 'pam sshd' \
    'session .*line 3: required .*pam_haobtc.so.* does nothing: session_reuse is off.*Fix: set session_reuse'
expect pam_bad_module_argument pam_broken FAIL 'pam sudo' 'module argument colour: unknown key'
expect pam_secret_in_arguments pam_broken FAIL 'pam sudo-i' 'client_secret is refused in module arguments'
expect pam_include_missing pam_broken FAIL 'pam su' \
    'libpam refuses the whole su service.*common-authh: No such file'
expect pam_module_missing pam_broken FAIL 'pam su-l' "libpam cannot find $t/nowhere/pam_haobtc.so"
expect pam_nobody_gets_in pam_broken FAIL 'pam login' 'nobody can log in through this stack'
pam_variant odd "sshd=auth optional $mod|@include common-auth" \
    "sudo=auth sufficient $mod|@include common-auth" \
    "su=auth required $mod|@include common-account" \
    "login=auth required $mod|@include common-auth" \
    "sudo-i=auth sufficient $mod|@include common-auth|account sufficient pam_succeed_if.so user ingroup wheel|@include common-account"
run_check pam_odd --pam-dir "$t/pam-odd" --skip network,map,sshd
expect pam_optional_before_password_waits pam_odd FAIL 'pam sshd' \
    "^haobtc is asked on every login, but its answer changes nothing: every password login shows the QR code and waits on the phone for nothing \($t/pam-odd/sshd line 1: optional [^ ]*pam_haobtc.so\)\. Fix: on that line use .sufficient. \(haobtc or password\) or .\[success=done default=die\]. \(haobtc only\), or remove the line\.$"
expect pam_haobtc_only_words pam_odd ok 'pam su' '^haobtc only, no password even when haobtc is unreachable'
expect pam_haobtc_and_password_words pam_odd ok 'pam login' '^haobtc and password, both required'
expect pam_account_bypass pam_odd warn 'pam sudo-i' \
    'account stack lets an expired account in: it skips .*pam_unix.so'
expect pam_or_password_missing pam_odd warn 'pam sudo' \
    "^haobtc or password, but the module is not told \\(or_password\\): a password user waits for the phone's deadline or types the password where it shows \\($t/pam-odd/sudo line 1: sufficient [^ ]*pam_haobtc.so\\)\\. Fix: add or_password to that line \\(pam_haobtc\\(8\\)\\)\\.$"
pam_variant orpw "sudo=auth [success=done default=die] $mod or_password|@include common-auth" \
    "sshd=auth sufficient $mod or_password|@include common-auth"
run_check pam_orpw --pam-dir "$t/pam-orpw" --skip network,map,sshd
expect pam_or_password_on_haobtc_only pam_orpw warn 'pam sudo' \
    "^or_password where a password alone does not get in: the module offers the password, and this stack refuses it \\($t/pam-orpw/sudo line 1: .*\\)\\. Fix: remove or_password from that line\\.$"
expect pam_or_password_told pam_orpw ok 'pam sshd' '^haobtc or password \('
# One FAIL for each mistake, with its fix, and no other FAIL about it.
# fails RUN TOPIC COUNT: RUN printed COUNT FAIL lines for TOPIC ("" for
# all topics).
fails() {
    local n name=$1_has_${3}_fail_${2:-in_all}
    n=$(grep -cE "^FAIL ${2:-[^:]*}:" "$t/$1.out")
    name=${name// /_}
    if [ "$n" = "$3" ]; then ok "$name"; else
        not_ok "$name" "$n FAIL lines"
        shown "$1"
    fi
}
# The optional line before common-auth is the run's only FAIL.
fails pam_odd 'pam sshd' 1
fails pam_odd '' 1
# Misspelled module names (and another module that does not exist): sshd
# still counts as meant for haobtc, so its checks run.
pam_variant typos "sshd=auth sufficient pam_haobct.so|@include common-auth" \
    "sudo=auth [success=done default=die] pam-haobtc.so|@include common-auth" \
    "sudo-i=auth [success=done default=die] PAM_HAOBTC.so|@include common-auth" \
    "su=auth sufficient pam_rootok.so|auth [success=done default=die] pam_haobtc|@include common-auth" \
    "su-l=auth required pam_unixx.so|@include common-auth" \
    "login=@include common-auth|auth sufficient $mod"
run_check pam_typos --pam-dir "$t/pam-typos" --skip network,map
typo_fix='Fix: write the module.s name as pam_haobtc.so on that line'
expect pam_typo_transposed pam_typos FAIL 'pam sshd' \
    "^$t/pam-typos/sshd line 1: sufficient pam_haobct.so: libpam has no module /[^ ]*/pam_haobct.so, so haobtc is never asked there.*$typo_fix"
expect pam_typo_dash pam_typos FAIL 'pam sudo' "line 1: \[success=done default=die\] pam-haobtc.so: libpam has no module.*$typo_fix"
expect pam_typo_case pam_typos FAIL 'pam sudo-i' "line 1: .* PAM_HAOBTC.so: libpam has no module.*$typo_fix"
expect pam_typo_without_so pam_typos FAIL 'pam su' "su line 2: .* pam_haobtc: libpam has no module.*$typo_fix"
expect pam_other_module_missing pam_typos FAIL 'pam su-l' \
    "su-l line 1: required pam_unixx.so: libpam cannot find /[^ ]*/pam_unixx.so, and counts the line as a failing module on every login.*Fix: correct the module.s name on that line"
expect pam_after_common_auth_waits pam_typos FAIL 'pam login' \
    "^haobtc is asked only after the password was accepted, and its answer changes nothing: every password login shows the QR code and waits \($t/pam-typos/login line 2: sufficient .*Fix: move the pam_haobtc.so line before @include common-auth"
for s in sshd sudo sudo-i su su-l login; do fails pam_typos "pam $s" 1; done
fails pam_typos '' 6
expect pam_typo_in_sshd_still_checks_sshd pam_typos ok 'sshd grace' 'LoginGraceTime 120 s'
# The package's profile in common-auth beside per-service lines; sudo -i
# and su - left as Debian has them but for an su-l that does not read su.
pam_variant twice "common-auth=auth [success=2 default=ignore] $mod|auth [success=1 default=ignore] pam_unix.so nullok try_first_pass|auth requisite pam_deny.so|auth required pam_permit.so" \
    "sudo-i=session required pam_limits.so|@include common-auth|@include common-account" \
    "su-l=auth sufficient pam_rootok.so|@include common-auth"
run_check pam_twice --pam-dir "$t/pam-twice" --skip network,map,sshd
twice_fix='Fix: use either the package.s profile in common-auth \(pam-auth-update\) or per-service lines, not both'
expect pam_twice_sshd pam_twice FAIL 'pam sshd' \
    "^pam_haobtc.so runs twice in one login: after a refusal or an outage at $t/pam-twice/sshd line [0-9]+: sufficient [^ ]*pam_haobtc.so, $t/pam-twice/common-auth line 1: \[success=2 default=ignore\] [^ ]*pam_haobtc.so starts a second sign-in\. $twice_fix"
expect pam_twice_login pam_twice FAIL 'pam login' "^pam_haobtc.so runs twice in one login:.*$twice_fix"
expect pam_sudo_i_skips_the_phone pam_twice FAIL 'pam sudo-i' \
    "^sudo -i skips the phone: a password alone passes $t/pam-twice/sudo-i\. Fix: add the same haobtc line as in $t/pam-twice/sudo to $t/pam-twice/sudo-i, before @include common-auth \(examples/pam.d/sudo-i\)"
expect pam_su_l_skips_the_phone pam_twice FAIL 'pam su-l' \
    "^su - skips the phone: a password alone passes $t/pam-twice/su-l\. Fix: make $t/pam-twice/su-l read su.s lines \(auth include su\)"
for s in sshd sudo-i su-l login; do fails pam_twice "pam $s" 1; done
fails pam_twice '' 4
expect pam_twice_done_die_runs_once pam_twice ok 'pam sudo' '^haobtc only'

# --- haobtc-login enable and disable, on a copy of this machine's
# /etc/pam.d (Debian's own files), with Debian 12's cron service added
# when cron is not installed (comments left out)
deb=$t/deb.d
cp -a /etc/pam.d "$deb"
[ -e "$deb/cron" ] || printf '%s\n' '@include common-auth' 'session required pam_loginuid.so' \
    'session required pam_env.so' '@include common-account' \
    '@include common-session-noninteractive' 'session required pam_limits.so' >"$deb/cron"
# sudo-i with a mode and group of its own, which a rewrite must keep.
chmod 640 "$deb/sudo-i" && chgrp 4 "$deb/sudo-i"
layout=ok
for f in sudo sudo-i su su-l login sshd common-auth; do [ -f "$deb/$f" ] || layout="no $f"; done
grep -qE '^auth[[:space:]]+include[[:space:]]+su$' "$deb/su-l" || layout='su-l does not include su'
! grep -rq pam_haobtc "$deb" || layout='pam_haobtc is in it already'
if [ "$layout" = ok ]; then ok enable_debian_pam_d_copied; else
    not_ok enable_debian_pam_d_copied "/etc/pam.d is not Debian's: $layout"
fi
cp -a "$deb" "$t/deb.orig"
line="auth [success=done ignore=ignore default=die] $HB_MODULE conf=$t/conf"
en=(--pam-dir "$deb" -c "$t/conf" --module "$HB_MODULE")
# run_tool RUN ARGS...: haobtc-login ARGS, its output in $t/RUN.out and
# its exit status in $t/RUN.rc.
run_tool() {
    local run=$1
    shift
    LD_PRELOAD=$HB_PRELOAD_BASE "$HB_LOGIN" "$@" >"$t/$run.out" 2>&1
    echo $? >"$t/$run.rc"
}
# line_in NAME RUN LINE: RUN printed exactly LINE.
line_in() {
    if grep -qxF -- "$3" "$t/$2.out"; then ok "$1"; else
        not_ok "$1" "no line '$3'"
        shown "$2"
    fi
}
# exits NAME RUN STATUS
exits() {
    if [ "$(<"$t/$2.rc")" = "$3" ]; then ok "$1"; else
        not_ok "$1" "exit $(<"$t/$2.rc"), not $3"
        shown "$2"
    fi
}
# with_block FILE: FILE as it was, with the block before its first
# "@include common-auth".
with_block() {
    awk -v l="$2" '!done && /^@include common-auth/ {
        print "# haobtc (haobtc-login enable)"; print l; print "# end haobtc"; done = 1 } 1' "$1"
}
at_sudo=$(grep -n -m1 '^@include common-auth' "$deb/sudo" | cut -d: -f1)
at_sudo_i=$(grep -n -m1 '^@include common-auth' "$deb/sudo-i" | cut -d: -f1)
run_tool enable_sudo enable "${en[@]}" sudo
exits enable_sudo_exits_zero enable_sudo 0
line_in enable_sudo_writes_sudo enable_sudo "written $deb/sudo: the haobtc block, before line $at_sudo"
line_in enable_sudo_writes_sudo_i enable_sudo "written $deb/sudo-i: the haobtc block, before line $at_sudo_i"
check enable_sudo_block_in_sudo cmp -s <(with_block "$t/deb.orig/sudo" "$line") "$deb/sudo"
check enable_sudo_block_in_sudo_i cmp -s <(with_block "$t/deb.orig/sudo-i" "$line") "$deb/sudo-i"
check enable_keeps_mode_and_owner test "$(stat -c '%a %u %g' "$deb/sudo-i")" = '640 0 4'
check enable_sudo_leaves_su_alone cmp -s "$t/deb.orig/su" "$deb/su"
check enable_leaves_no_temporary_file test "$(ls -A "$deb" | wc -l)" = "$(ls -A "$t/deb.orig" | wc -l)"
line_in enable_sudo_shows_sudo_policy enable_sudo 'sudo: haobtc required'
line_in enable_sudo_shows_sudo_i_policy enable_sudo 'sudo-i: haobtc required'
line_in enable_sudo_shows_cron_not_asked enable_sudo 'cron: not asked'
line_in enable_sudo_check_has_no_fail enable_sudo '3 ok, 0 warn, 0 FAIL'
run_check enabled --pam-dir "$deb" --skip network,map,sshd
exits check_after_enable_exits_zero enabled 0
line_in check_lists_sudo_haobtc_required enabled 'sudo: haobtc required'
line_in check_lists_sudo_i_haobtc_required enabled 'sudo-i: haobtc required'
line_in check_lists_su_password_only enabled 'su: password only'
line_in check_lists_cron_not_asked enabled 'cron: not asked'
line_in check_lists_runuser_not_asked enabled 'runuser: not asked'
# Twice: nothing is rewritten.
cp -a "$deb" "$t/deb.once"
inode=$(stat -c %i "$deb/sudo")
run_tool enable_again enable "${en[@]}" sudo
exits enable_again_exits_zero enable_again 0
line_in enable_again_says_already enable_again "already $deb/sudo: the same haobtc block is there"
line_in enable_again_says_already_sudo_i enable_again "already $deb/sudo-i: the same haobtc block is there"
check enable_again_changes_no_byte diff -r "$t/deb.once" "$deb"
check enable_again_leaves_the_file_in_place test "$(stat -c %i "$deb/sudo")" = "$inode"
# su: su-l reads su, so su's block covers it; sshd: a word on sshd_config.
run_tool enable_su_sshd enable "${en[@]}" su sshd
exits enable_su_sshd_exits_zero enable_su_sshd 0
line_in enable_su_skips_su_l enable_su_sshd \
    "skipped $deb/su-l: it reads su's lines (line $(grep -nE -m1 '^auth[[:space:]]+include' "$deb/su-l" | cut -d: -f1)), so su's block covers it"
check enable_su_leaves_su_l_alone cmp -s "$t/deb.orig/su-l" "$deb/su-l"
line_in enable_su_l_policy enable_su_sshd 'su-l: haobtc required'
line_in enable_sshd_policy enable_su_sshd 'sshd: haobtc required'
line_in enable_sshd_names_sshd_config enable_su_sshd \
    'note sshd: the QR code and the link reach an ssh client only over keyboard-interactive: copy examples/sshd_config.d/haobtc.conf to /etc/ssh/sshd_config.d/ (this command leaves sshd_config alone; haobtc-login check checks it)'
# A group made inconsistent by hand: one FAIL, on sudo-i, with its fix.
cp -a "$deb" "$t/deb.hand"
sed -i '/^# haobtc (haobtc-login enable)$/,/^# end haobtc$/d' "$t/deb.hand/sudo-i"
run_check sudo_i_by_hand --pam-dir "$t/deb.hand" --skip network,map,sshd
line_in check_group_open_sudo_i sudo_i_by_hand \
    "FAIL pam sudo-i: sudo -i skips the phone: a password alone passes $t/deb.hand/sudo-i. Fix: add the same haobtc line as in $t/deb.hand/sudo to $t/deb.hand/sudo-i, before @include common-auth (examples/pam.d/sudo-i)."
fails sudo_i_by_hand '' 1
line_in check_group_open_lists_sudo_i sudo_i_by_hand 'sudo-i: password only'
# The other way round: sudo open, sudo -i asking for the phone.
cp -a "$deb" "$t/deb.hand2"
sed -i '/^# haobtc (haobtc-login enable)$/,/^# end haobtc$/d' "$t/deb.hand2/sudo"
run_check sudo_by_hand --pam-dir "$t/deb.hand2" --skip network,map,sshd
line_in check_group_open_sudo sudo_by_hand \
    "FAIL pam sudo: sudo skips the phone that sudo -i asks for: a password alone passes $t/deb.hand2/sudo. Fix: add the same haobtc line as in $t/deb.hand2/sudo-i to $t/deb.hand2/sudo, before @include common-auth (examples/pam.d/sudo)."
fails sudo_by_hand '' 1
# disable: the original bytes, mode and owner.
run_tool disable_all disable --pam-dir "$deb" sudo su sshd
exits disable_exits_zero disable_all 0
line_in disable_removes_sudo_i disable_all "removed $deb/sudo-i: the haobtc block at line $at_sudo_i"
line_in disable_su_l_unchanged disable_all "unchanged $deb/su-l: no haobtc block in it"
check disable_restores_the_original_bytes diff -r "$t/deb.orig" "$deb"
check disable_keeps_mode_and_owner test "$(stat -c '%a %u %g' "$deb/sudo-i")" = '640 0 4'
# --or-password
run_tool enable_or enable --or-password "${en[@]}" sudo
exits enable_or_password_exits_zero enable_or 0
check enable_or_password_line cmp -s \
    <(with_block "$t/deb.orig/sudo" "auth sufficient $HB_MODULE conf=$t/conf or_password") "$deb/sudo"
line_in enable_or_password_sudo enable_or 'sudo: haobtc or password'
line_in enable_or_password_sudo_i enable_or 'sudo-i: haobtc or password'
run_tool disable_or disable --pam-dir "$deb" sudo
check disable_after_or_password_restores diff -r "$t/deb.orig" "$deb"
# Unknown names: usage, exit 2, nothing written.
run_tool enable_cron enable "${en[@]}" sudo cron
exits enable_unknown_service_exits_two enable_cron 2
check enable_unknown_service_shows_usage grep -q '^usage: haobtc-login enable ' "$t/enable_cron.out"
check enable_unknown_service_writes_nothing diff -r "$t/deb.orig" "$deb"
# The package's profile in common-auth: refused, nothing changed; every
# service that includes common-auth is then "haobtc or password".
cp -a "$t/deb.orig" "$t/deb.profile"
printf '%s\n' "auth [success=2 default=ignore] $mod" \
    'auth [success=1 default=ignore] pam_unix.so nullok try_first_pass' \
    'auth requisite pam_deny.so' 'auth required pam_permit.so' >"$t/deb.profile/common-auth"
cp -a "$t/deb.profile" "$t/deb.profile.orig"
run_tool enable_profile enable --pam-dir "$t/deb.profile" -c "$t/conf" --module "$HB_MODULE" sudo
exits enable_beside_profile_exits_one enable_profile 1
line_in enable_beside_profile_refused enable_profile \
    "refused $t/deb.profile/common-auth: line 1 runs pam_haobtc.so (the package's profile), so nothing was changed. Fix: use either the package's profile in common-auth (pam-auth-update) or per-service lines, not both."
check enable_beside_profile_changes_nothing diff -r "$t/deb.profile.orig" "$t/deb.profile"
run_check profile --pam-dir "$t/deb.profile" --skip network,map,sshd
exits check_profile_exits_zero profile 0
for s in chfn chsh login sshd su su-l sudo sudo-i; do
    line_in "check_profile_lists_${s//-/_}_haobtc_or_password" profile "$s: haobtc or password"
done
line_in check_profile_lists_cron_not_asked profile 'cron: not asked'
# A hand-written line in sudo-i: that file is refused, quoted; sudo is
# still written, and the check then FAILs sudo -i once.
cp -a "$t/deb.orig" "$t/deb.own"
sed -i "${at_sudo_i}i auth sufficient $HB_MODULE conf=$t/conf" "$t/deb.own/sudo-i"
cp -p "$t/deb.own/sudo-i" "$t/own.sudo-i"
run_tool enable_own enable --pam-dir "$t/deb.own" -c "$t/conf" --module "$HB_MODULE" sudo
exits enable_beside_own_line_exits_one enable_own 1
line_in enable_beside_own_line_refused enable_own \
    "refused $t/deb.own/sudo-i: line $at_sudo_i already names the module: \"auth sufficient $HB_MODULE conf=$t/conf\". Fix: delete that line (this command writes its own), then run haobtc-login enable sudo again."
check enable_beside_own_line_leaves_it cmp -s "$t/own.sudo-i" "$t/deb.own/sudo-i"
fails enable_own '' 1
# A symbolic link is refused, and neither it nor its target changes.
cp -a "$t/deb.orig" "$t/deb.link"
mv "$t/deb.link/sudo" "$t/sudo.real"
ln -s "$t/sudo.real" "$t/deb.link/sudo"
run_tool enable_link enable --pam-dir "$t/deb.link" -c "$t/conf" --module "$HB_MODULE" sudo
exits enable_symlink_exits_one enable_link 1
line_in enable_symlink_refused enable_link \
    "refused $t/deb.link/sudo: a symbolic link (to $t/sudo.real), which this command does not write through. Fix: replace the link with a copy of the file it points to, then run haobtc-login enable sudo again."
check enable_symlink_target_unchanged cmp -s "$t/deb.orig/sudo" "$t/sudo.real"
check enable_symlink_stays_a_link test -L "$t/deb.link/sudo"

# --- services= and groups= (issue 26): the policy per service and group,
# and the scopes that leave someone out by mistake. The PAM lines name
# each case's configuration, as the module reads it there.
# scope_check NAME key=value...: the green setup with these lines, checked
# without the network and sshd; $scope_sed, when set, edits its PAM files.
scope_sed=
scope_check() {
    local name=$1
    variant "$@"
    cp -a "$t/pam.d" "$t/pam-$name"
    sed -i "s|conf=$t/conf\$|conf=$t/$name.conf|; s|conf=$t/conf |conf=$t/$name.conf |; $scope_sed" \
        "$t/pam-$name"/*
    run_check "$name" -c "$t/$name.conf" --pam-dir "$t/pam-$name" --skip network,sshd
}
# A hand-written haobtc line without ignore=ignore (as the examples were
# before services= existed) ends every login it does not approve.
scope_sed='s/ignore=ignore default=die/default=die/'
scope_check scope_sudo 'services=sudo'
scope_sed=
exits scope_sudo_exits_zero scope_sudo 0
expect scope_sudo_says_where scope_sudo ok scope \
    '^services: the phone in sudo, sudo-i \(other services: the rest of their stack\)$'
line_in scope_sudo_lists_sudo scope_sudo 'sudo: haobtc required'
line_in scope_sudo_lists_sudo_i scope_sudo 'sudo-i: haobtc required'
line_in scope_sudo_lists_sshd_not_asked scope_sudo 'sshd: not asked (services): password only'
# Such an su line: left out by services, su is root's alone, and the
# check says how to hand it to the password.
line_in scope_sudo_lists_su_root_only scope_sudo 'su: not asked (services): root only'
line_in scope_sudo_lists_su_l_root_only scope_sudo 'su-l: not asked (services): root only'
expect scope_sudo_warns_su_refuses scope_sudo warn 'pam su' \
    '^those services= or groups= leave unasked are refused here, not asked for a password \(their policy: root only\)\. Fix: add ignore=ignore to the control of the haobtc line in .*/su \(auth \[success=done ignore=ignore default=die\] pam_haobtc\.so\), so the rest of the stack decides for them\.$'
# The examples as shipped hand those left out to the password.
scope_check scope_shipped 'services=sudo'
line_in scope_shipped_lists_su_password scope_shipped 'su: not asked (services): password only'
check scope_shipped_has_no_warning eval "! grep -q '^warn ' '$t/scope_shipped.out'"
scope_check scope_wheel 'groups=*, !wheel'
exits scope_wheel_exits_zero scope_wheel 0
expect scope_wheel_names_who scope_wheel ok scope '^groups = \*, !wheel: not asked: bob$'
line_in scope_wheel_lists_sudo_per_group scope_wheel \
    'sudo: haobtc required; groups: wheel: password only'
line_in scope_wheel_lists_sudo_i_per_group scope_wheel \
    'sudo-i: haobtc required; groups: wheel: password only'
line_in scope_wheel_lists_sshd_per_group scope_wheel \
    'sshd: haobtc or password; groups: wheel: password only'
check scope_wheel_with_ignore_has_no_warning eval "! grep -q '^warn ' '$t/scope_wheel.out'"
scope_sed='s/ignore=ignore default=die/default=die/'
scope_check scope_admins 'groups=alice, !wheel'
scope_sed=
line_in scope_admins_lists_sudo_per_group scope_admins \
    'sudo: groups: alice: haobtc required; wheel, others: no one'
line_in scope_admins_lists_sshd_per_group scope_admins \
    'sshd: groups: alice: haobtc or password; wheel, others: password only'
expect scope_admins_warns_sudo_refuses scope_admins warn 'pam sudo' \
    '^those services= or groups= leave unasked are refused here, not asked for a password \(their policy: no one\)\. Fix: add ignore=ignore'
scope_check scope_split 'services=sudo-i, sshd'
expect scope_split_sudo_i_without_sudo_fails scope_split FAIL scope \
    '^services = sudo-i, sshd asks the phone for sudo -i but not for sudo: the same person gets past it with the other\. Fix: name sudo in services \(it covers sudo and sudo-i\), with no ! entry for either\.$'
scope_check scope_split_su 'services=su, !su-l'
expect scope_split_su_l_excluded_fails scope_split_su FAIL scope \
    '^services = su, !su-l asks the phone for su but not for su -: '
scope_check scope_nowhere 'services=cron'
expect scope_nowhere_warns scope_nowhere warn scope \
    '^services = cron asks the phone in none of sshd, sudo, su and login\. Fix: '
line_in scope_nowhere_lists_sudo_not_asked scope_nowhere 'sudo: not asked (services): password only'
scope_check scope_nosuch 'groups=*, !whel'
expect scope_nosuch_exclusion_warns scope_nosuch warn scope \
    '^groups excludes whel, which is no group here: it excludes no one\. Fix: correct the name \(getent group whel\)\.$'
scope_check scope_no_one 'groups=admins'
expect scope_no_one_names_no_group scope_no_one warn scope \
    '^groups names admins, which is no group here: no one is asked for it\. '
expect scope_no_one_warns scope_no_one warn scope \
    '^groups = admins leaves every mapped account unasked \(alice, bob\)\. Fix: '
scope_check scope_everyone_out 'groups=wheel, !wheel'
expect scope_everyone_out_is_a_config_fail scope_everyone_out FAIL config \
    'bad value for groups: every entry is excluded again, which leaves no group in scope'

# --- sshd: one configuration with every mistake at once, then a broken one
sshd_variant wrong 'UsePAM no' 'KbdInteractiveAuthentication no' 'PubkeyAuthentication yes' \
    'AuthenticationMethods publickey' 'LoginGraceTime 60' 'AllowUsers alice carol'
run_check sshd_wrong --sshd-config "$t/ssh/wrong.sshd_config" --skip network
expect sshd_usepam_no sshd_wrong FAIL 'sshd pam' 'UsePAM no.*Fix: set UsePAM yes'
expect sshd_kbdinteractive_no sshd_wrong FAIL 'sshd kbdinteractive' 'QR code and the link cannot reach'
expect sshd_methods_without_kbdinteractive sshd_wrong FAIL 'sshd methods' \
    'AuthenticationMethods publickey never asks keyboard-interactive'
expect sshd_grace_too_short sshd_wrong FAIL 'sshd grace' \
    'LoginGraceTime 60 s is shorter than the module.s timeout 110 s.*Fix: set LoginGraceTime 120'
expect sshd_allowusers_refuses_bob sshd_wrong warn 'sshd access' \
    'refuses mapped account bob \(AllowUsers does not list it\)'
check sshd_allowusers_lets_alice_in sh -c "! grep -q 'refuses mapped account alice' '$t/sshd_wrong.out'"
sshd_variant broken 'NoSuchKeyword yes'
run_check sshd_broken --sshd-config "$t/ssh/broken.sshd_config" --skip network,map
expect sshd_config_broken sshd_broken FAIL sshd 'Bad configuration option: NoSuchKeyword'
# sshd_instant_info = yes fits only an sshd that shows info messages at
# once (10.3 and later); Debian 12's 9.2 and Debian 13's 10.0 hold them
# back. The verdict follows the version of the sshd the check runs.
variant instant sshd_instant_info=yes
run_check sshd_instant -c "$t/instant.conf" --skip network,map
sshd_v=$(/usr/sbin/sshd -V 2>&1 | sed -n 's/.*OpenSSH_\([0-9]*\)\.\([0-9]*\).*/\1 \2/p' | head -n1)
read -r sshd_major sshd_minor <<<"$sshd_v"
if [ -z "${sshd_minor:-}" ]; then
    not_ok sshd_instant_info_verdict_follows_sshd_version "/usr/sbin/sshd -V names no OpenSSH version"
elif [ $((sshd_major * 100 + sshd_minor)) -lt 1003 ]; then
    expect "sshd_instant_info_fails_on_sshd_before_10_3 (OpenSSH $sshd_major.$sshd_minor)" \
        sshd_instant FAIL 'sshd version' \
        "sshd_instant_info = yes, but sshd is OpenSSH $sshd_major\\.$sshd_minor,.*Fix: set sshd_instant_info = no"
else
    expect "sshd_instant_info_is_ok_on_sshd_10_3_or_later (OpenSSH $sshd_major.$sshd_minor)" \
        sshd_instant ok 'sshd version' "^OpenSSH $sshd_major\\.$sshd_minor, sshd_instant_info = yes\$"
fi
sshd_variant password 'PasswordAuthentication yes' 'AuthenticationMethods any'
run_check sshd_password --sshd-config "$t/ssh/password.sshd_config" --skip network,map
expect sshd_password_authentication sshd_password warn 'sshd methods' 'PasswordAuthentication yes'

# reuse_for_key needs a key proven before keyboard-interactive in every
# list, and no user's ~/.pam_environment read before the module.
check reuse_for_key_off_says_nothing sh -c "! grep -q reuse_for_key '$t/green.out'"
variant reuse reuse_for_key=8h
run_check reuse_kbd_only -c "$t/reuse.conf" --skip network,map
expect reuse_for_key_needs_a_key_first reuse_kbd_only FAIL reuse_for_key \
    'AuthenticationMethods keyboard-interactive does not prove a public key before keyboard-interactive in every list.*Fix: set AuthenticationMethods publickey,keyboard-interactive'
sshd_variant keyfirst 'PubkeyAuthentication yes' 'AuthenticationMethods publickey,keyboard-interactive'
run_check reuse_key_first -c "$t/reuse.conf" --sshd-config "$t/ssh/keyfirst.sshd_config" --skip network,map
expect reuse_for_key_with_the_key_first reuse_key_first ok reuse_for_key \
    '^AuthenticationMethods publickey,keyboard-interactive: a public key is proven before haobtc'
check reuse_for_key_with_the_key_first_fails_nothing grep -qx 0 "$t/reuse_key_first.rc"
sshd_variant kbdfirst 'PubkeyAuthentication yes' \
    'AuthenticationMethods publickey,keyboard-interactive keyboard-interactive,publickey'
run_check reuse_kbd_first -c "$t/reuse.conf" --sshd-config "$t/ssh/kbdfirst.sshd_config" --skip network,map
expect reuse_for_key_needs_the_key_first_in_every_list reuse_kbd_first FAIL reuse_for_key \
    'publickey,keyboard-interactive keyboard-interactive,publickey does not prove'
# session_reuse: the session line after pam_loginuid keeps the approval;
# before it, there is no audit session of the login's own.
variant session_reuse session_reuse=8h
pam_variant sessions "sshd=auth sufficient $mod|@include common-auth|session required pam_loginuid.so|session optional $mod" \
    "login=auth sufficient $mod|@include common-auth|session optional $mod|session required pam_loginuid.so"
run_check session_lines -c "$t/session_reuse.conf" --pam-dir "$t/pam-sessions" --skip network,map,sshd
expect session_line_after_pam_loginuid session_lines ok 'pam sshd' \
    'session .*pam_haobtc.so.* keeps the login.s approval for sudo and su in its audit session'
expect session_line_before_pam_loginuid session_lines warn 'pam login' \
    'comes before pam_loginuid.so.*Fix: put the line after pam_loginuid.so'
pam_variant userenv "sshd=auth required pam_env.so user_readenv=1|auth required $mod|@include common-auth"
run_check reuse_userenv -c "$t/reuse.conf" --pam-dir "$t/pam-userenv" \
    --sshd-config "$t/ssh/keyfirst.sshd_config" --skip network,map
expect reuse_for_key_after_user_readenv reuse_userenv FAIL reuse_for_key \
    "$t/pam-userenv/sshd line 1: pam_env.so with user_readenv=1 runs before pam_haobtc.so.*Fix: drop user_readenv=1"

# --- the report in the administrator's language: under zh_CN.UTF-8 the
# findings and fixes are Chinese; verdicts, topics and the tally stay as
# they are for grep and scripts
# zh_line NAME LINE: the zh run printed exactly LINE
zh_line() {
    if grep -qxF -- "$2" "$t/sshd_zh.out"; then ok "$1"; else not_ok "$1" "no line '$2'"; shown sshd_zh; fi
}
if zh=$(hb_zh_locale); then
    LOCPATH=$zh LC_ALL=zh_CN.UTF-8 run_check sshd_zh --sshd-config "$t/ssh/wrong.sshd_config" --skip network
    zh_line check_report_in_chinese_fail_with_fix \
        'FAIL sshd pam: UsePAM no：sshd 从不运行 /etc/pam.d/sshd，因此从不询问 haobtc。修复：在 sshd_config 中设置 UsePAM yes（sshd 以读到的第一个值为准）。'
    zh_line check_report_in_chinese_numbers_in_place \
        'FAIL sshd grace: LoginGraceTime 60 秒短于模块的超时 110 秒：登录还没结束 sshd 就会断开连接。修复：在 sshd_config 中把 LoginGraceTime 设为 120 或更大（或在 pam_haobtc.conf 中调低 timeout）。'
    zh_line check_report_in_chinese_warning_with_reason \
        'warn sshd access: sshd 拒绝已映射的账户 bob（AllowUsers 没有列出它）：haobtc 可以批准，但 sshd 根本走不到那一步。修复：通过 sshd 的 AllowUsers/AllowGroups/DenyUsers/DenyGroups 放行 bob；如果它本就不该通过 SSH 登录，就删除它的映射行。'
    check check_report_in_chinese_keeps_the_tally_and_exit_status \
        test "$(tail -n1 "$t/sshd_zh.out") $(<"$t/sshd_zh.rc")" = \
        "$(tail -n1 "$t/sshd_wrong.out") $(<"$t/sshd_wrong.rc")"
else
    not_ok check_report_zh_cn_locale_is_made "localedef -i zh_CN -f UTF-8 failed"
fi

# --- the network findings in the administrator's language: they come
# from the helper as texts and arguments, and haobtc-login puts them
# together in Chinese; only the data (hosts, paths, libcurl's words,
# haobtc's codes) stays as it is
# zh_net NAME RUN LINE: the zh run RUN printed exactly LINE
zh_net() {
    if grep -qxF -- "$3" "$t/$2.out"; then ok "$1"; else not_ok "$1" "no line '$3'"; shown "$2"; fi
}
# zh_net_re NAME RUN REGEX: a line of the zh run RUN matches REGEX whole
zh_net_re() {
    if grep -qxE -- "$3" "$t/$2.out"; then ok "$1"; else not_ok "$1" "no line matching '$3'"; shown "$2"; fi
}
# zh_net_all NAME RUN EN: RUN has as many network lines as the English
# run EN, none of them all ASCII (a line left in English would be)
zh_net_all() {
    local net='^(ok  |warn|FAIL) (secret|fleet key|provider|relay|ca_file|helper)[^:]*: ' n_zh n_en left
    n_zh=$(grep -cE "$net" "$t/$2.out")
    n_en=$(grep -cE "$net" "$t/$3.out")
    left=$(grep -E "$net" "$t/$2.out" | LC_ALL=C grep -v $'[\x80-\xff]')
    if [ "$n_zh" = "$n_en" ] && [ "$n_zh" -gt 0 ] && [ -z "$left" ]; then ok "$1"; else
        not_ok "$1" "$n_zh network lines (English: $n_en), not translated: ${left:-none}"
        shown "$2"
    fi
}
if zh=$(hb_zh_locale); then
    LOCPATH=$zh LC_ALL=zh_CN.UTF-8 run_check green_zh --skip map,pam,sshd
    zh_net check_network_in_chinese_credentials_ok green_zh \
        'ok   provider credentials: haobtc 接受 client_id test-client 及其密钥（一个虚构的代码按预期被以 40009 拒绝）'
    zh_net check_network_in_chinese_fleet_key_ok green_zh \
        "ok   relay fleet key: 中继接受了用 $HB_FLEET_KEY 签名的空操作请求"
    zh_net_re check_network_in_chinese_relay_health green_zh \
        "ok   relay health: GET $RELAY_URL/health 已应答：运行中，[0-9]+ 个登录在等待"
    zh_net_re check_network_in_chinese_tls_ok green_zh \
        "ok   provider TLS: 127\.0\.0\.1 的证书已通过 ca_file $HB_PKI/ca\.pem 验证，有效期至 [0-9]{4}-[0-9]{2}-[0-9]{2}"
    check check_network_in_chinese_green_exits_zero [ "$(<"$t/green_zh.rc")" = 0 ]
    zh_net_all check_network_in_chinese_green_whole green_zh green

    LOCPATH=$zh LC_ALL=zh_CN.UTF-8 run_check wrongsecret_zh -c "$t/wrongsecret.conf" "${quick[@]}" --skip map
    zh_net check_network_in_chinese_wrong_secret_fail_with_fix wrongsecret_zh \
        "FAIL provider credentials: client secret 错误：haobtc 认识 client_id test-client，但拒绝了它的密钥（40007 client_secret_mismatch: client_secret mismatch (client_secret不匹配)）。修复：把 haobtc 为 client_id test-client 签发的密钥写入 $t/wrong.secret。"
    check check_network_in_chinese_wrong_secret_exits_one [ "$(<"$t/wrongsecret_zh.rc")" = 1 ]
    zh_net_all check_network_in_chinese_wrong_secret_whole wrongsecret_zh wrongsecret

    # The relay down: libcurl's words stay English, the fix is Chinese.
    LOCPATH=$zh LC_ALL=zh_CN.UTF-8 run_check unreachable_zh -c "$t/dns.conf" "${quick[@]}" --skip map
    zh_net_re check_network_in_chinese_relay_down_fail_with_fix unreachable_zh \
        "FAIL relay TCP: [^。]*${closed}[^。]*。修复：确保本机能连接到 127\.0\.0\.1 端口 $closed（服务是否在运行？是否有防火墙？是否需要设置出站代理？）。"
    zh_net_re check_network_in_chinese_dns_fail_with_fix unreachable_zh \
        'FAIL provider DNS: [^。]*haobtc\.invalid[^。]*。修复：检查 site_url 中的主机名以及本机的 DNS 解析器（/etc/resolv\.conf）。'
    zh_net_all check_network_in_chinese_unreachable_whole unreachable_zh unreachable

    LOCPATH=$zh LC_ALL=zh_CN.UTF-8 run_check untrusted_zh -c "$t/tls.conf" "${quick[@]}" --skip map
    zh_net_re check_network_in_chinese_tls_fail_with_fix untrusted_zh \
        "FAIL provider TLS: [^。]*。修复：把 ca_file 设为签发 127\.0\.0\.1 证书的 CA（当前为 $HB_PKI/untrusted-ca\.pem），或删除 ca_file 以使用系统信任的 CA。"
    zh_net_all check_network_in_chinese_untrusted_whole untrusted_zh untrusted

    # A file's fix, made where the file was judged (haobtc-login for the
    # configuration, the helper for the secret), reads in Chinese too.
    LOCPATH=$zh LC_ALL=zh_CN.UTF-8 run_check config_link_zh -c "$t/link.conf" "${quick[@]}"
    zh_net_re check_file_fix_in_chinese_symlink config_link_zh \
        "FAIL config: .*修复：用文件本身替换符号链接 $t/link\\.conf（cp --remove-destination \"\\\$\\(readlink -f $t/link\\.conf\\)\" $t/link\\.conf）。"
    LOCPATH=$zh LC_ALL=zh_CN.UTF-8 run_check secret_open_zh -c "$t/opensecret.conf" "${quick[@]}"
    zh_net_re check_file_fix_in_chinese_secret_mode secret_open_zh \
        "FAIL secret: .*open\\.secret.*修复：chmod 600 $t/open\\.secret。"
    LOCPATH=$zh LC_ALL=zh_CN.UTF-8 run_check config_alice_zh -c "$t/alice.conf" "${quick[@]}"
    zh_net_re check_file_fix_in_chinese_owner config_alice_zh \
        "FAIL config: .*修复：交给 root：chown root:root $t/alice\\.conf。"

    # In English the texts' travel changes no word.
    check check_network_in_english_keeps_its_words \
        grep -qxF 'ok   provider credentials: haobtc accepts client_id test-client and its secret (a made-up code was refused with 40009, as it must be)' "$t/green.out"
else
    not_ok check_network_zh_cn_locale_is_made "localedef -i zh_CN -f UTF-8 failed"
fi

echo "the whole test took $SECONDS s"
finish
