# SPDX-License-Identifier: BSD-2-Clause
# haobtc-login reuse list|revoke on a store of reuse_for_key approvals:
# what list shows (user, key, uuid, until, state), revoke of one user and
# of all, and a store that is not root's alone refused.
. "$HB_SRC/tests/lib/lib.sh"
dir=$(mktemp -d "$HB_TEST_DIR/reuse-tool.XXXXXX")
store=$dir/store
boot=$(cat /proc/sys/kernel/random/boot_id)
now=$(date +%s)
fp_a=SHA256:ZsQyzHhJf9ncxmHSPzbUrz2vcnIR/oEb3w17Q/KfcaU
fp_b=SHA256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
uuid=5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60
digest=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
mkdir -m 700 "$store"
{
    echo "alice $uuid alice $fp_a $digest $now $((now + 3600)) $boot"
    echo "alice $uuid alice $fp_b $digest $((now - 7200)) $((now - 3600)) $boot"
    echo "bob $uuid - $fp_a $digest $now $((now + 60)) 00000000-0000-0000-0000-000000000000"
} >"$store/keys"
chmod 600 "$store/keys"
reuse() { "$HB_LOGIN" reuse "$@" --dir "$store" >"$dir/out" 2>&1; echo $? >"$dir/rc"; }
has() { grep -qE -- "$1" "$dir/out"; }

until_a=$(date -u -d "@$((now + 3600))" '+%Y-%m-%d %H:%M:%S UTC')
reuse list
check list_exits_zero grep -qx 0 "$dir/rc"
check list_shows_user_key_uuid_until_and_active \
    grep -qxF "alice             $fp_a  uuid $uuid  until $until_a  active" "$dir/out"
check list_shows_an_expired_one has "^alice +$fp_b .* expired\$"
check list_shows_another_boots has "^bob +$fp_a .* an earlier boot\$"

reuse revoke alice
check revoke_user_says_how_many grep -qx 'revoked 2 approvals of alice' "$dir/out"
reuse list
check revoke_user_leaves_the_others sh -c "[ \$(wc -l <'$dir/out') = 1 ] && grep -q '^bob ' '$dir/out'"
reuse revoke --all
check revoke_all_says_how_many grep -qx 'revoked 1 approval' "$dir/out"
reuse list
check revoke_all_leaves_none test ! -s "$dir/out"
check store_stays_root_only sh -c "[ \$(stat -c %a '$store/keys') = 600 ] && [ \$(stat -c %a '$store') = 700 ]"

chmod 755 "$store"
reuse list
check list_refuses_an_open_store sh -c "grep -qx 3 '$dir/rc' && grep -qF 'must be a directory owned by root with mode 700' '$dir/out'"
reuse revoke --all
check revoke_refuses_an_open_store grep -qx 3 "$dir/rc"
chmod 700 "$store"
reuse revoke
check revoke_needs_a_user_or_all grep -qx 3 "$dir/rc"
"$HB_LOGIN" reuse list --dir "$dir/none" >"$dir/out" 2>&1
rc=$?
check list_of_no_store_is_empty sh -c "[ $rc = 0 ] && test ! -s '$dir/out'"

rm -rf "$dir"
finish
