# haobtc-mock answers every haobtc code 40001-40015 to the bad request that
# matches it, as the real provider does, so the client's handling of each
# is tested against a server and not only against canned bodies.
. "$HB_SRC/tests/lib.sh"
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

state=s$RANDOM
code=$(approve alice "$state")
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
ghost=$(approve ghost "s$RANDOM")
mapfile -t f < <(form "${good[@]}" "code=$ghost")
token mock_40011_deleted_user 40011 "${f[@]}"
mallory=$(approve mallory "s$RANDOM")
mapfile -t f < <(form "${good[@]}" "code=$mallory")
tok=$(curl "${ca[@]}" -X POST "$MOCK_URL$token_path" "${f[@]}" |
    sed -n 's/.*"access_token" *: *"\([^"]*\)".*/\1/p')
expect mock_40012_unauthorized_user 40012 "$MOCK_URL/api/v1/user/profile?access_token=$tok"
expect mock_40014_get_on_token_endpoint 40014 "$MOCK_URL$token_path"
mapfile -t f < <(form "${good[@]}" "code=$code")
expect mock_40015_blocked_client 40015 \
    "$MOCK_URL/auth/oauth/authorize/?response_type=code&client_id=blocked-client&state=x"

# The code was never consumed by the refusals above that come before the
# code is looked up, so it still works once, and then never again.
token mock_code_works_once 0 "${f[@]}"
token mock_code_then_40009 40009 "${f[@]}"

# A provider with no registered address (40003) and a plain-http listener
# (40013) need a mock of their own.
"$HB_BUILD/tests/mock/haobtc-mock" --port 0 --port-file "$dir/port" \
    --http-port 0 --http-port-file "$dir/http-port" \
    --cert "$HB_PKI/server.pem" --key "$HB_PKI/server-key.pem" \
    --quiet >"$dir/log" 2>&1 &
pid=$!
trap 'stop_pid $pid' EXIT
wait_for_file "$dir/port" 10 && wait_for_file "$dir/http-port" 10
expect mock_40003_no_registered_address 40003 \
    "https://127.0.0.1:$(cat "$dir/port")/auth/oauth/authorize/?response_type=code&client_id=test-client&state=x"
expect mock_40013_plain_http 40013 "http://127.0.0.1:$(cat "$dir/http-port")$token_path"
finish
