# SPDX-License-Identifier: BSD-2-Clause
# haobtc-mock answers every haobtc code 40001-40015 to the bad request that
# matches it, as the real provider does, so the client's handling of each
# is tested against a server and not only against canned bodies.
. "$HB_SRC/tests/lib/lib.sh"
dir=$(mktemp -d "$HB_TEST_DIR/mock.XXXXXX")
ca=(--cacert "$HB_PKI/ca.pem" -sS)
token_path=/auth/oauth/get_token/

code_of() { sed -n 's/.*"code" *: *\([0-9]*\).*/\1/p'; }
expect() { # expect NAME CODE CURL-ARGS...
    local name=$1 want=$2 got
    shift 2
    got=$(curl "${ca[@]}" "$@" | code_of)
    if [ "$got" = "$want" ]; then ok "$name"; else not_ok "$name" "got '$got'"; fi
}
token() { expect "$1" "$2" -X POST "$MOCK_URL$token_path" "${@:3}"; }
form() { printf -- '--data-urlencode\n%s\n' "$@"; }

# The suite's mock runs with --require-pkce: every code is issued with a
# challenge, and redeemed with its verifier (RFC 7636 appendix B's).
V=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk
CH=$(pkce_challenge "$V")
state=s$RANDOM
code=$(approve alice "$state" "$CH")
good=(client_id=test-client client_secret=test-secret grant_type=authorization_code)

mapfile -t f < <(form client_secret=test-secret grant_type=authorization_code "code=$code")
token mock_40001_missing_client_id 40001 "${f[@]}"
mapfile -t f < <(form client_id=nobody client_secret=test-secret grant_type=authorization_code "code=$code")
token mock_40002_unknown_client_id 40002 "${f[@]}"
mapfile -t f < <(form client_id=test-client client_secret=test-secret grant_type=password "code=$code")
token mock_40004_wrong_grant_type 40004 "${f[@]}"
expect mock_40005_wrong_response_type 40005 \
    "$MOCK_URL/auth/oauth/authorize/?response_type=token&client_id=test-client&state=x"
mapfile -t f < <(form "${good[@]}" "code=$code" redirect_uri=https://127.0.0.1/other)
token mock_40006_redirect_uri_mismatch 40006 "${f[@]}"
mapfile -t f < <(form client_id=test-client client_secret=wrong grant_type=authorization_code "code=$code")
token mock_40007_client_secret_mismatch 40007 "${f[@]}"
expect mock_40008_bad_access_token 40008 "$MOCK_URL/api/v1/user/profile?access_token=nope"
mapfile -t f < <(form "${good[@]}" code=never-issued)
token mock_40009_unknown_code 40009 "${f[@]}"
mapfile -t f < <(form client_id=test-client client_secret=test-secret grant_type=refresh_token refresh_token=nope)
token mock_40010_unknown_refresh_token 40010 "${f[@]}"
ghost=$(approve ghost "s$RANDOM" "$CH")
mapfile -t f < <(form "${good[@]}" "code=$ghost" "code_verifier=$V")
token mock_40011_deleted_user 40011 "${f[@]}"
mallory=$(approve mallory "s$RANDOM" "$CH")
mapfile -t f < <(form "${good[@]}" "code=$mallory" "code_verifier=$V")
tok=$(curl "${ca[@]}" -X POST "$MOCK_URL$token_path" "${f[@]}" |
    sed -n 's/.*"access_token" *: *"\([^"]*\)".*/\1/p')
expect mock_40012_unauthorized_user 40012 "$MOCK_URL/api/v1/user/profile?access_token=$tok"
expect mock_40014_get_on_token_endpoint 40014 "$MOCK_URL$token_path"
mapfile -t f < <(form "${good[@]}" "code=$code" "code_verifier=$V")
expect mock_40015_blocked_client 40015 \
    "$MOCK_URL/auth/oauth/authorize/?response_type=code&client_id=blocked-client&state=x"

# The code was never consumed by the refusals above that come before the
# code is looked up, so it still works once, and then never again.
token mock_code_works_once 0 "${f[@]}"
token mock_code_then_40009 40009 "${f[@]}"

# PKCE (RFC 7636, S256 only) and RFC 9700's downgrade rule; a code the
# mock will not redeem is 40009, as an unknown one, and the log says why.
check mock_s256_of_the_rfc_7636_verifier_is_its_challenge \
    [ "$CH" = E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM ]
pkce_token() { # pkce_token NAME WANT CHALLENGE [VERIFIER]
    local c
    c=$(approve alice "s$RANDOM" "$3")
    mapfile -t f < <(form "${good[@]}" "code=$c" ${4:+"code_verifier=$4"})
    token "$1" "$2" "${f[@]}"
}
pkce_token mock_s256_verifier_matching_the_challenge_is_0 0 "$CH" "$V"
pkce_token mock_verifier_not_matching_the_challenge_is_40009 40009 "$CH" "${V%?}Y"
check mock_log_says_the_verifier_does_not_match \
    grep -q "haobtc-mock: token: PKCE: code_verifier does not match the code's code_challenge" \
    "$HB_TEST_DIR/mock.log"
pkce_token mock_challenge_as_the_verifier_is_40009 40009 "$CH" "$CH"
pkce_token mock_code_with_a_challenge_and_no_verifier_is_40009 40009 "$CH"
check mock_log_says_the_verifier_is_missing \
    grep -q "haobtc-mock: token: PKCE: code_verifier missing for a code issued with code_challenge" \
    "$HB_TEST_DIR/mock.log"
authz="$MOCK_URL/auth/oauth/authorize/?response_type=code&client_id=test-client&state=x"
expect mock_require_pkce_refuses_authorize_without_a_challenge_40001 40001 "$authz"
expect mock_plain_method_is_40001 40001 "$authz&code_challenge=$CH&code_challenge_method=plain"
expect mock_challenge_without_a_method_is_40001 40001 "$authz&code_challenge=$CH"
expect mock_method_without_a_challenge_is_40001 40001 "$authz&code_challenge_method=S256"
expect mock_challenge_of_42_characters_is_40001 40001 "$authz&code_challenge=${CH%?}&code_challenge_method=S256"
is_page() { # is_page NAME URL: the approval page, with the challenge carried on
    local body
    body=$(curl "${ca[@]}" "$2")
    if grep -q "name=\"code_challenge\" value=\"$CH\"" <<<"$body" &&
        grep -q 'name="code_challenge_method" value="S256"' <<<"$body"; then
        ok "$1"
    else
        not_ok "$1" "$(head -c 200 <<<"$body")"
    fi
}
is_page mock_authorize_page_carries_the_challenge_into_its_form \
    "$authz&code_challenge=$CH&code_challenge_method=S256"
location=$(curl "${ca[@]}" -o /dev/null -w '%{redirect_url}' "$MOCK_URL/auth/oauth/authorize/" \
    --data client_id=test-client --data state=x --data username=alice --data decision=approve \
    --data "code_challenge=$CH" --data code_challenge_method=S256)
c=$(url_query "$location" code)
mapfile -t f < <(form "${good[@]}" "code=$c" "code_verifier=$V")
token mock_code_approved_on_the_page_with_a_challenge_takes_its_verifier 0 "${f[@]}"
is_40001() { # is_40001 NAME CURL-ARGS: the approval POST refused
    expect "$1" 40001 -X POST "$MOCK_URL/auth/oauth/authorize/" --data client_id=test-client \
        --data state=x --data username=alice --data decision=approve "${@:2}"
}
is_40001 mock_approval_post_without_a_challenge_is_40001
is_40001 mock_approval_post_with_plain_is_40001 --data "code_challenge=$CH" --data code_challenge_method=plain

# A provider with no registered address (40003) and a plain-http listener
# (40013) need a mock of their own.
"$HB_BUILD/tests/mock/haobtc-mock" --port 0 --port-file "$dir/port" \
    --http-port 0 --http-port-file "$dir/http-port" \
    --cert "$HB_PKI/server.pem" --key "$HB_PKI/server-key.pem" \
    --quiet >"$dir/log" 2>&1 &
pid=$!
# A mock without --require-pkce, as a provider that takes logins without
# PKCE: a code issued without a challenge is redeemed without a verifier,
# never with one (a downgrade).
"$HB_BUILD/tests/mock/haobtc-mock" --port 0 --port-file "$dir/lax-port" \
    --cert "$HB_PKI/server.pem" --key "$HB_PKI/server-key.pem" \
    --redirect-uri https://127.0.0.1/cb >"$dir/lax.log" 2>&1 &
lax_pid=$!
trap 'stop_pid $pid; stop_pid $lax_pid' EXIT
wait_for_file "$dir/port" 10 && wait_for_file "$dir/http-port" 10 &&
    wait_for_file "$dir/lax-port" 10
expect mock_40003_no_registered_address 40003 \
    "https://127.0.0.1:$(cat "$dir/port")/auth/oauth/authorize/?response_type=code&client_id=test-client&state=x"
expect mock_40013_plain_http 40013 "http://127.0.0.1:$(cat "$dir/http-port")$token_path"

MOCK_URL=https://127.0.0.1:$(cat "$dir/lax-port")
check mock_without_require_pkce_shows_the_page_without_a_challenge [ "$(curl "${ca[@]}" \
    -o /dev/null -w '%{http_code}' \
    "$MOCK_URL/auth/oauth/authorize/?response_type=code&client_id=test-client&state=x")" = 200 ]
c=$(approve alice "s$RANDOM")
mapfile -t f < <(form "${good[@]}" "code=$c")
token mock_without_require_pkce_code_without_challenge_or_verifier_is_0 0 "${f[@]}"
c=$(approve alice "s$RANDOM")
mapfile -t f < <(form "${good[@]}" "code=$c" "code_verifier=$V")
token mock_verifier_for_a_code_issued_without_a_challenge_is_40009 40009 "${f[@]}"
check mock_log_says_downgrade \
    grep -q "haobtc-mock: token: PKCE: code_verifier sent for a code issued without code_challenge (downgrade)" \
    "$dir/lax.log"
pkce_token mock_without_require_pkce_a_challenge_still_needs_its_verifier 40009 "$CH"
finish
