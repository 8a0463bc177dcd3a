# SPDX-License-Identifier: BSD-2-Clause
# The hardening configure found is in what was built: read back from the
# ELF headers of the module, the helper, haobtc-login and the relay (what
# runs inside sshd, su and sudo, as root, or facing the internet).
. "$HB_SRC/tests/lib/lib.sh"
flags=$(sed -n 's/^HARDEN_CFLAGS = //p' "$HB_BUILD/Makefile")
ldflags=$(sed -n 's/^HARDEN_LDFLAGS = //p' "$HB_BUILD/Makefile")
echo "hardening: $flags $ldflags"

# has_segment FILE TYPE FLAGS: a program header of TYPE with exactly FLAGS
has_segment() {
    readelf -lW "$1" | awk -v t="$2" -v f="$3" '
        $1 == t { seen = 1; line = $0; sub(/ +0x[0-9a-f]+$/, "", line)
                  n = split(line, w, " "); got = ""
                  for (i = 7; i <= n; i++) got = got w[i]
                  if (got != f) bad = 1 }
        END { exit !(seen && !bad) }'
}
binds_now() { readelf -dW "$1" | grep -Eq '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*NOW'; }
# calls NAME: the file calls glibc's NAME (the stack protector's or a
# fortified function's)
calls() { nm -D "$1" | grep -Eq " U $2@"; }

for f in pam_haobtc/.libs/pam_haobtc.so pam_haobtc/helper/haobtc-helper \
    tools/login/haobtc-login tools/relay/haobtc-relay; do
    bin=$(basename "$f" | tr -c 'a-z0-9_\n' _)
    path=$HB_BUILD/$f
    [ -f "$path" ] || { not_ok "${bin}_exists" "$path"; continue; }
    check "${bin}_stack_is_not_executable" has_segment "$path" GNU_STACK RW
    case $ldflags in *relro*)
        check "${bin}_has_relro" has_segment "$path" GNU_RELRO R
        check "${bin}_binds_now" binds_now "$path" ;;
    esac
    case $flags in *stack-protector*)
        check "${bin}_has_the_stack_protector" calls "$path" __stack_chk_fail ;;
    esac
    case $flags in *_FORTIFY_SOURCE=*)
        check "${bin}_calls_fortified_functions" calls "$path" '__[a-z_]+_chk' ;;
    esac
done
finish
