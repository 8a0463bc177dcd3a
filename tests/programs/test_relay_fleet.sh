# SPDX-License-Identifier: BSD-2-Clause
# Two relays on one Redis behind haproxy, as examples/fleet/ sets them up
# (redis-server, the relays and haproxy started here on loopback): a
# login registered through relay A, approved through B and polled through
# either succeeds; a signed request replayed from A to B is refused; kill
# -9 of the relay that holds a waiting poll loses no login; two pollers
# racing for one code on different relays: exactly one gets it; while Redis is away the relays answer 503 and /health says
# why, a login started then succeeds once Redis is back; a Redis restart
# (and SIGKILL) under 50 waiting logins loses none, phones acting during
# it reload the relays' page, and without persistence all 50 hear
# "unknown" at once (the module: the relay lost it); a PAM login whose
# poll meets 4 s of 503 still succeeds; and a relay on
# rediss:// (TLS, its CA given) works, one with the wrong CA says why;
# floods of unsigned or badly signed requests from a module's address do
# not spend its budget, nor one module host's another's.
# shellcheck shell=bash disable=SC2153 # MOCK2_PORT, PT_PID come from outside
. "$HB_SRC/tests/lib/lib.sh"
tdir=$(mktemp -d "$HB_TEST_DIR/fleet.XXXXXX")
main_url=$RELAY_URL
ca=(--cacert "$HB_PKI/ca.pem" -sS --max-time 15)
pids=()
pt_pid=
redis_pid=
cleanup() {
    stop_pid "$pt_pid"
    stop_pid "$redis_pid"
    for p in "${pids[@]}"; do stop_pid "$p"; done
}
trap cleanup EXIT
is() {
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "want '$2', got '$3'"; fi
}
for tool in redis-server haproxy; do
    if ! command -v "$tool" >/dev/null; then
        not_ok fleet_test_has_its_tools "$tool is missing (tools/check installs it)"
        exit 1
    fi
done

# The examples with this run's values.
fill() { # fill TEMPLATE OUT
    sed -e "s|@HAPROXY_PORT@|$hport|g" -e "s|@TLS_PEM@|$tdir/haproxy.pem|g" \
        -e "s|@RELAY_A_PORT@|$aport|g" -e "s|@RELAY_B_PORT@|$bport|g" \
        -e "s|@RELAY_A_MODULE_PORT@|$amport|g" -e "s|@RELAY_B_MODULE_PORT@|$bmport|g" \
        -e "s|@PUBLIC_URL@|$fleet_url|g" -e "s|@FLEET_KEY@|$HB_FLEET_KEY|g" \
        -e "s|@AUTHORIZE_URL@|https://127.0.0.1:$MOCK2_PORT/auth/oauth/authorize/|g" \
        -e "s|@CLIENT_ID@|test-client|g" -e "s|@REDIS_PORT@|$rport|g" \
        -e "s|@REDIS_DIR@|$tdir/redis|g" -e "s|@REDIS_PASSWORD@|$(cat "$tdir/redis.pw")|g" \
        -e "s|@REDIS_PASSWORD_FILE@|$tdir/redis.pw|g" "$HB_SRC/examples/fleet/$1" >"$2"
}
hport=$(free_port) aport=$(free_port) bport=$(free_port) rport=$(free_port)
amport=$(free_port) bmport=$(free_port)
fleet_url=https://127.0.0.1:$hport
a_url=http://127.0.0.1:$aport b_url=http://127.0.0.1:$bport
mkdir -p "$tdir/redis"
(umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$tdir/redis.pw")
cat "$HB_PKI/server.pem" "$HB_PKI/server-key.pem" >"$tdir/haproxy.pem"
for f in haproxy.cfg relay.conf redis.conf; do fill "$f" "$tdir/$f"; done

# rcli ARGS...: redis-cli on the fleet's Redis, with its password
rcli() { redis-cli -p "$rport" --no-auth-warning -a "$(cat "$tdir/redis.pw")" "$@"; }
start_redis() { # start_redis [OPTION...]: the example's Redis, options on top
    redis-server "$tdir/redis.conf" "$@" >>"$tdir/redis/log" 2>&1 &
    redis_pid=$!
    echo "$redis_pid" >"$tdir/redis.pid"
    for _ in $(seq 50); do
        rcli ping 2>/dev/null | grep -q PONG && return 0
        sleep 0.1
    done
    return 1
}
# start_relay_on a|b: one relay of the fleet on its two ports, as
# relay.conf says (the test's relaxed limits on top); sets relay_a_pid or
# relay_b_pid
start_relay_on() {
    local name=relay_$1 port=$aport mport=$amport
    [ "$1" = b ] && port=$bport mport=$bmport
    rm -f "$tdir/$name.port"
    "$HB_BUILD/tools/relay/haobtc-relay" --config "$tdir/relay.conf" --port "$port" \
        --module-port "$mport" --port-file "$tdir/$name.port" --rate 1000 --burst 1000 \
        --module-rate 1000 --module-burst 10000 >>"$tdir/$name.log" 2>&1 &
    eval "${name}_pid=$!"
    pids+=("$!")
    wait_for_file "$tdir/$name.port" 10
}
health() { curl -sS --cacert "$HB_PKI/ca.pem" --max-time 5 "$1/health"; }
wait_healthy() { # wait_healthy URL...: until every /health is 200
    for _ in $(seq 50); do
        local all=1
        for u in "$@"; do
            [ "$(curl -s --cacert "$HB_PKI/ca.pem" -o /dev/null -w "%{http_code}" --max-time 2 "$u/health")" = 200 ] || all=0
        done
        [ "$all" = 1 ] && return 0
        sleep 0.1
    done
    return 1
}

check redis_starts_with_the_example_config start_redis
start_relay_on a || { cat "$tdir/relay_a.log"; exit 1; }
start_relay_on b || { cat "$tdir/relay_b.log"; exit 1; }
haproxy -f "$tdir/haproxy.cfg" -db >>"$tdir/haproxy.log" 2>&1 &
pids+=("$!")
check both_relays_and_haproxy_are_healthy wait_healthy "$a_url" "$b_url" "$fleet_url" \
    "http://127.0.0.1:$amport" "http://127.0.0.1:$bmport"
# A third relay on relay A's ports (taken): it says so and exits 1, its
# store's subscriber thread stopped before what it wakes is freed (it used
# to die of SIGSEGV here).
taken_port_exits_one() {
    "$HB_BUILD/tools/relay/haobtc-relay" --config "$tdir/relay.conf" --port "$aport" \
        --module-port "$amport" >"$tdir/relay_taken.log" 2>&1
    [ $? = 1 ] && grep -q 'cannot listen' "$tdir/relay_taken.log"
}
check relay_on_redis_with_its_port_taken_exits_1_not_a_crash taken_port_exits_one
# haproxy sends modules' requests to the module ports: their 4 KiB pools
# refuse a request with 3.5 KiB of headers (431, or a closed connection
# that haproxy answers 502), where a public port answers it (an unsigned
# ping: 401). The rest goes to the public ports (a page: 404 there, where
# a module port would refuse it).
pad=$(head -c 3500 /dev/zero | tr '\0' x)
is request_under_api_through_haproxy_reaches_a_module_port refused \
    "$(curl "${ca[@]}" -o /dev/null -w '%{http_code}' -H "X-Pad: $pad" -d "" "$fleet_url/api/v1/ping" |
        sed -E 's/^(431|502)$/refused/')"
is same_request_on_a_public_port_is_401 401 \
    "$(curl "${ca[@]}" -o /dev/null -w '%{http_code}' -H "X-Pad: $pad" -d "" "$a_url/api/v1/ping")"
is other_request_through_haproxy_reaches_a_public_port 404 \
    "$(curl "${ca[@]}" -o /dev/null -w '%{http_code}' -H "X-Pad: $pad" "$fleet_url/s/AAAAAAAA")"
check health_names_the_shared_sessions grep -q '"ok":true,"sessions":0' <<<"$(health "$a_url")"

# The relays' part of logins, spread over the fleet on purpose: the
# python client below talks to A, B or haproxy as told.
client() {
    python3 - "$@" <<'PY'
import base64, hashlib, hmac, http.client, os, re, ssl, subprocess, sys, threading, time, urllib.parse
ctx = ssl.create_default_context(cafile=os.environ["HB_PKI"] + "/ca.pem")
key = open(os.environ["HB_FLEET_KEY"], "rb").read().rstrip(b" \t\r\n")
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def req(base, method, path, body=None, headers=None):
    u = urllib.parse.urlsplit(base)
    cls = http.client.HTTPSConnection if u.scheme == "https" else http.client.HTTPConnection
    kw = {"context": ctx} if u.scheme == "https" else {}
    c = cls(u.hostname, u.port, timeout=30, **kw)
    h = dict(headers or {})
    if body is not None:
        h["Content-Type"] = "application/x-www-form-urlencoded"
    c.request(method, path, body, h)
    r = c.getresponse()
    data = r.read().decode()
    c.close()
    return r.status, r, data

def signed(base, path, fields, headers=None):
    form = urllib.parse.urlencode(list(fields.items()) + [("nonce", b64(os.urandom(16)))])
    ts = str(int(time.time()))
    mac = hmac.new(key, ("haobtc-relay-v1\nPOST\n%s\n%s\n" % (path, ts)).encode() + form.encode(),
                   hashlib.sha256).digest()
    return req(base, "POST", path, form, dict(headers or {}, **{
        "X-Haobtc-Timestamp": ts, "X-Haobtc-Signature": b64(mac)}))

def login(reg, phone):
    """Registers through reg, passes the context page and calls back
    through phone; returns the poll secret."""
    secret = b64(os.urandom(32))
    state = b64(hashlib.sha256(secret.encode()).digest())
    st, _, body = signed(reg, "/api/v1/sessions", {"state": state, "tag_key": b64(os.urandom(32)),
                                                    "host": "web01", "user": "alice"})
    assert st == 201, (st, body)
    path = urllib.parse.urlsplit(re.search(r'"link":"([^"]*)"', body).group(1)).path
    st, _, page = req(phone, "GET", path)
    assert st == 200, st
    csrf = re.search(r'name="csrf" value="([^"]*)"', page).group(1)
    st, r, _ = req(phone, "POST", path, "csrf=" + csrf)
    assert st == 303, st
    cookie = r.getheader("Set-Cookie").split(";")[0]
    return secret, state, cookie

what = sys.argv[1]
if what == "challenge":  # A registers with a PKCE challenge, B's Continue
    a, b, challenge = sys.argv[2:5]
    secret = b64(os.urandom(32))
    state = b64(hashlib.sha256(secret.encode()).digest())
    st, _, body = signed(a, "/api/v1/sessions", {"state": state, "code_challenge": challenge,
                                                  "tag_key": b64(os.urandom(32)),
                                                  "host": "web01", "user": "alice",
                                                  "service": "sudo",
                                                  "command": "systemctl restart x"})
    path = urllib.parse.urlsplit(re.search(r'"link":"([^"]*)"', body).group(1)).path
    page = req(b, "GET", path)[2]
    shown = ('<p id="service">through <b>sudo</b></p>' in page and
             '<pre id="command">systemctl restart x</pre>' in page)
    csrf = re.search(r'name="csrf" value="([^"]*)"', page).group(1)
    st2, r, _ = req(b, "POST", path, "csrf=" + csrf)
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(r.getheader("Location")).query)
    print("%d %d %s %s %s" % (st, st2, q["code_challenge"][0], q["code_challenge_method"][0],
                              "shown" if shown else "not-shown"))
elif what == "across":  # A registers, B shows the page and takes the callback
    a, b, poll_at = sys.argv[2:5]
    secret, state, cookie = login(a, b)
    st, _, _ = req(b, "GET", "/cb?code=fleet-code&state=" + state, headers={"Cookie": cookie})
    st2, _, body = signed(poll_at, "/api/v1/poll", {"secret": secret, "wait": "0"})
    print("%d %d %s" % (st, st2, body))
elif what in ("wake", "supersede"):
    # A poll waits on A; then the callback (wake) or the module's next
    # poll (supersede) reaches B. The waiting poll's answer, how long after
    # that it came (ms), and the next poll's answer.
    a, b = sys.argv[2:4]
    secret, state, cookie = login(a, b if what == "wake" else a)
    got = {}
    def poll():
        got["r"] = signed(a, "/api/v1/poll", {"secret": secret, "wait": "10"})
        got["t"] = time.monotonic()
    t = threading.Thread(target=poll)
    t.start()
    time.sleep(0.5)
    t0 = time.monotonic()
    if what == "wake":
        req(b, "GET", "/cb?code=woken-code&state=" + state, headers={"Cookie": cookie})
        newer = ""
    else:
        newer = signed(b, "/api/v1/poll", {"secret": secret, "wait": "0"})[2]
    t.join()
    print(("%d %s %d %s" % (got["r"][0], got["r"][2], (got["t"] - t0) * 1000, newer)).rstrip())
elif what == "race":  # N codes, each polled at once on A and on B
    a, b, n = sys.argv[2], sys.argv[3], int(sys.argv[4])
    wins = {"once": 0, "twice": 0, "never": 0}
    for i in range(n):
        secret, state, cookie = login(a, b)
        req(a, "GET", "/cb?code=race-code-%d&state=%s" % (i, state), headers={"Cookie": cookie})
        out = {}
        go = threading.Barrier(2)
        def poll(base):
            go.wait()
            out[base] = signed(base, "/api/v1/poll", {"secret": secret, "wait": "0"})
        ts = [threading.Thread(target=poll, args=(u,)) for u in (a, b)]
        for t in ts: t.start()
        for t in ts: t.join()
        got = sum('"code":"race-code-%d"' % i in r[2] for r in out.values())
        wins["once" if got == 1 else "twice" if got == 2 else "never"] += 1
    print("once=%d twice=%d never=%d" % (wins["once"], wins["twice"], wins["never"]))
elif what == "limited":  # an approved login polled by a host whose budget is spent, then by another
    a, b, spent = sys.argv[2:5]
    secret, state, cookie = login(a, a)
    req(a, "GET", "/cb?code=kept-code&state=" + state, headers={"Cookie": cookie})
    st, r, _ = signed(a, "/api/v1/poll", {"secret": secret, "wait": "0", "host": spent})
    st2, _, body = signed(b, "/api/v1/poll", {"secret": secret, "wait": "0", "host": "web01"})
    after = r.getheader("Retry-After") or ""
    print("%d %s %d %s" % (st, "retry-after" if after.isdigit() and int(after) > 0 else "none",
                           st2, body))
elif what == "budget":  # a phone's requests alternately to two relays, some seconds apart
    relays, pause, phone = sys.argv[2:4], float(sys.argv[4]), sys.argv[5]
    seen = []
    for step in sys.argv[6:]:
        if step == "pause":
            time.sleep(pause)
            continue
        st, r, _ = req(relays[len(seen) % 2], "GET", "/s/AAAAAAAA",
                       headers={"X-Forwarded-For": phone})
        seen.append("%d%s" % (st, ":" + r.getheader("Retry-After") if st == 429 else ""))
    print(" ".join(seen))
elif what == "replay-poll":
    # one signed poll's very bytes to A, then B; then, once a poll through
    # B has taken the code, that poll's bytes again through A
    a, b = sys.argv[2:4]
    secret, state, cookie = login(a, a)
    def poll_bytes():
        form = urllib.parse.urlencode({"secret": secret, "wait": "0",
                                       "nonce": b64(os.urandom(16))})
        ts = str(int(time.time()))
        mac = hmac.new(key, ("haobtc-relay-v1\nPOST\n/api/v1/poll\n%s\n" % ts).encode() +
                       form.encode(), hashlib.sha256).digest()
        return form, {"X-Haobtc-Timestamp": ts, "X-Haobtc-Signature": b64(mac)}
    form, h = poll_bytes()
    first = req(a, "POST", "/api/v1/poll", form, h)
    again = req(b, "POST", "/api/v1/poll", form, h)
    req(b, "GET", "/cb?code=replay-code&state=" + state, headers={"Cookie": cookie})
    form, h = poll_bytes()
    took = req(b, "POST", "/api/v1/poll", form, h)
    late = req(a, "POST", "/api/v1/poll", form, h)
    print(first[0], again[0], again[2], took[2], late[0], late[2])
elif what == "polls":  # a login's N signed polls, through A and B in turn: their statuses
    a, b, n = sys.argv[2], sys.argv[3], int(sys.argv[4])
    secret, state, cookie = login(a, a)
    got = [signed((a, b)[i % 2], "/api/v1/poll", {"secret": secret, "wait": "0"})[0]
           for i in range(n)]
    print(" ".join(sorted(set("%dx%d" % (st, got.count(st)) for st in got))))
elif what == "replay":  # one signed registration, its very bytes sent to each relay
    form = urllib.parse.urlencode({"state": b64(os.urandom(32)), "tag_key": b64(os.urandom(32)),
                                   "host": "web01", "user": "alice", "nonce": b64(os.urandom(16))})
    ts = str(int(time.time()))
    mac = hmac.new(key, ("haobtc-relay-v1\nPOST\n/api/v1/sessions\n%s\n" % ts).encode() +
                   form.encode(), hashlib.sha256).digest()
    h = {"X-Haobtc-Timestamp": ts, "X-Haobtc-Signature": b64(mac)}
    got = [req(u, "POST", "/api/v1/sessions", form, h) for u in sys.argv[2:]]
    print(" ".join(str(r[0]) for r in got), got[-1][2])
elif what == "scripts":  # a poll that waits 1 s in vain, and the scripts it ran
    a, port, password_file = sys.argv[2:5]
    secret, state, cookie = login(a, a)
    monitor = subprocess.Popen(["redis-cli", "-p", port, "--no-auth-warning", "-a",
                                open(password_file).read().strip(), "monitor"],
                               stdout=subprocess.PIPE, text=True)
    assert monitor.stdout.readline().strip() == "OK"
    st, _, body = signed(a, "/api/v1/poll", {"secret": secret, "wait": "1"})
    time.sleep(0.2)
    monitor.terminate()
    # A relay's calls, not the commands its scripts run ([0 lua]).
    calls = [ln for ln in monitor.stdout.read().splitlines()
             if state in ln and "lua]" not in ln]
    print("%d %s %d" % (st, body, len(calls)))
elif what == "flood":
    # requests to a module route with no signature (unsigned) or another
    # key's (badsig) until the first 429 (at most 400): the last status
    base, how, path, xff = sys.argv[2:6]
    for _ in range(400):
        form = "host=web01&user=alice&nonce=" + b64(os.urandom(16))
        h = {"X-Forwarded-For": xff} if xff != "-" else {}
        if how == "badsig":
            ts = str(int(time.time()))
            h["X-Haobtc-Timestamp"] = ts
            h["X-Haobtc-Signature"] = b64(hmac.new(
                b"not-the-fleet-key", ("haobtc-relay-v1\nPOST\n%s\n%s\n" % (path, ts)).encode() +
                form.encode(), hashlib.sha256).digest())
        st = req(base, "POST", path, form, h)[0]
        if st == 429:
            break
    print(st)
elif what == "module":  # a module's registration and poll as host: their statuses
    reg, poll_at, host, xff = sys.argv[2:6]
    h = {"X-Forwarded-For": xff} if xff != "-" else {}
    secret = b64(os.urandom(32))
    state = b64(hashlib.sha256(secret.encode()).digest())
    st, _, _ = signed(reg, "/api/v1/sessions", {"state": state, "tag_key": b64(os.urandom(32)),
                                                 "host": host, "user": "alice"}, h)
    st2 = signed(poll_at, "/api/v1/poll", {"secret": secret, "wait": "0", "host": host}, h)[0]
    print(st, st2)
elif what == "pings":  # signed pings as host, to each relay in turn, until the first 429 (at most 50)
    relays, host = sys.argv[2:4], sys.argv[4]
    for i in range(50):
        st = signed(relays[i % 2], "/api/v1/ping", {"host": host})[0]
        if st == 429:
            break
    print(st)
elif what == "restart":
    # N logins registered through base, each with a poll that waits and
    # polls again as the module's helper does (503 and the like: again
    # after Retry-After; 404 "unknown": lost). FLAG.ready once they are
    # sent; once FLAG.down appears (Redis stopped) the phones of the first
    # fifth, past the context page already, call back, and those of the
    # second open the page, each reloading a 503 page until it passes;
    # once FLAG.up appears (Redis back) the rest act. What the polls got,
    # the phones' reloads, and the slowest "unknown" after FLAG.up (ms).
    import random
    base, n, flag = sys.argv[2], int(sys.argv[3]), sys.argv[4]
    got, seen = {}, {"relay503": set(), "other503": 0}
    lock = threading.Lock()
    def reg(i):
        secret = b64(os.urandom(32))
        state = b64(hashlib.sha256(secret.encode()).digest())
        st, _, body = signed(base, "/api/v1/sessions", {
            "state": state, "tag_key": b64(os.urandom(32)), "host": "web%02d" % i,
            "user": "alice"})
        assert st == 201, (st, body)
        path = urllib.parse.urlsplit(re.search(r'"link":"([^"]*)"', body).group(1)).path
        return secret, state, path
    def module(i, secret):
        end = time.monotonic() + 60
        while time.monotonic() < end:
            try:
                st, r, body = signed(base, "/api/v1/poll", {"secret": secret, "wait": "20",
                                                            "host": "web%02d" % i})
            except OSError:
                time.sleep(1)
                continue
            if st == 200 and '"pending":true' in body:
                continue
            if st in (429, 502, 503, 504):
                time.sleep(int(r.getheader("Retry-After") or 1) + random.random())
                continue
            got[i] = (re.search(r'"code":"([^"]*)"', body).group(1) if st == 200 and
                      '"code"' in body else "lost" if st == 404 and '"unknown"' in body
                      else "HTTP %d %s" % (st, body), time.monotonic())
            return
        got[i] = ("no answer", time.monotonic())
    def page(i, method, path, body=None, headers=None):  # a phone reloads a 503 page
        while True:
            st, r, data = req(base, method, path, body, headers)
            if st != 503:
                return st, r, data
            with lock:
                if "Try again in a moment" in data:
                    seen["relay503"].add(i)
                else:
                    seen["other503"] += 1
            time.sleep(0.3)
    def context(i, path):  # the cookie, or None for a link the relays lost
        st, _, html = page(i, "GET", path)
        if st != 200:
            return None
        csrf = re.search(r'name="csrf" value="([^"]*)"', html).group(1)
        st, r, _ = page(i, "POST", path, "csrf=" + csrf)
        return r.getheader("Set-Cookie").split(";")[0] if st == 303 else None
    def phone(i, state, path, cookie):
        if cookie is None:
            cookie = context(i, path)
        if cookie is not None:
            page(i, "GET", "/cb?code=restart-code-%d&state=%s" % (i, state), None,
                 {"Cookie": cookie})
    def wait_for(name):
        while not os.path.exists(flag + "." + name):
            time.sleep(0.05)
        return time.monotonic()
    from concurrent.futures import ThreadPoolExecutor
    pool = ThreadPoolExecutor(10)
    logins = list(pool.map(reg, range(n)))
    early = n // 5
    cookies = list(pool.map(lambda i: context(i, logins[i][2]) if i < early else None,
                            range(n)))
    modules = [threading.Thread(target=module, args=(i, logins[i][0])) for i in range(n)]
    for t in modules: t.start()
    open(flag + ".ready", "w").write("sent\n")
    wait_for("down")
    phones = [threading.Thread(target=phone, args=(i, logins[i][1], logins[i][2], cookies[i]))
              for i in range(2 * early)]
    for t in phones: t.start()
    up = wait_for("up")
    list(pool.map(lambda i: phone(i, logins[i][1], logins[i][2], None), range(2 * early, n)))
    for t in phones + modules: t.join()
    codes = sum(got[i][0] == "restart-code-%d" % i for i in range(n))
    lost = [got[i][1] for i in range(n) if got[i][0] == "lost"]
    others = sorted(set(v[0] for v in got.values() if v[0] != "lost" and
                        not v[0].startswith("restart-code-")))
    print("codes=%d lost=%d other=%s reloaded_in_outage=%d other_503=%d %d" % (
        codes, len(lost), ",".join(others) or "none",
        len([i for i in seen["relay503"] if i < 2 * early]), seen["other503"],
        max([(t - up) * 1000 for t in lost] or [0])))
elif what == "register":  # one registration's status, body and Retry-After
    st, r, body = signed(sys.argv[2], "/api/v1/sessions",
                         {"state": b64(os.urandom(32)), "tag_key": b64(os.urandom(32)),
                          "host": "web01", "user": "alice"})
    print("%d %s %s" % (st, r.getheader("Retry-After"), body))
PY
}

# --- one login over the fleet's parts
# The module's PKCE challenge is kept in the shared session: the link B
# builds for a session A registered carries it; and B's context page shows
# the service and command A was sent.
is pkce_challenge_and_command_registered_on_a_are_in_b_s_link_and_page \
    "201 303 E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM S256 shown" \
    "$(client challenge "$a_url" "$b_url" E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM)"
is registered_on_a_approved_on_b_polled_on_b_gets_the_code \
    '200 200 {"ok":true,"code":"fleet-code"}' "$(client across "$a_url" "$b_url" "$b_url")"
is registered_on_a_approved_on_b_polled_on_a_gets_the_code \
    '200 200 {"ok":true,"code":"fleet-code"}' "$(client across "$a_url" "$b_url" "$a_url")"
read -r st body lag <<<"$(client wake "$a_url" "$b_url")"
if [ "$st $body" = '200 {"ok":true,"code":"woken-code"}' ] && [ "${lag:-9999}" -lt 1000 ]; then
    ok "a_callback_on_b_wakes_the_poll_waiting_on_a (${lag} ms)"
else
    not_ok a_callback_on_b_wakes_the_poll_waiting_on_a "$st $body ${lag} ms"
fi
# A module that gave up on a poll waiting on A asks again through B: the
# poll on A steps aside at once (pub/sub), so it never takes the code.
read -r st body lag newer <<<"$(client supersede "$a_url" "$b_url")"
if [ "$st $body $newer" = '200 {"ok":false,"pending":true} {"ok":false,"pending":true}' ] &&
    [ "${lag:-9999}" -lt 1000 ]; then
    ok "a_newer_poll_on_b_wakes_the_older_waiting_on_a (${lag} ms)"
else
    not_ok a_newer_poll_on_b_wakes_the_older_waiting_on_a "$st $body ${lag} ms $newer"
fi
# A poll that waits is armed before its one look, so starting it is one
# script (rate, signature, look); its deadline's look is the other.
is a_poll_that_waits_in_vain_runs_two_scripts '200 {"ok":false,"pending":true} 2' \
    "$(client scripts "$a_url" "$rport" "$tdir/redis.pw")"
# A module's signed request copied on its way to A is worth nothing at B:
# the relays remember every signature they accepted in Redis.
is signed_request_accepted_by_a_is_refused_as_a_replay_by_b \
    '201 401 {"ok":false,"error":"replayed signature"}' "$(client replay "$a_url" "$b_url")"
# A poll's signature is remembered in its session: the same bytes on B
# are a replay while it lives; once its code is taken there is nothing to
# ask for (unknown). Polls make no key of their own in Redis (a key per
# poll lived 121 s: 1.6 million of them at 13,000 polls a second).
is poll_replayed_on_b_is_refused_and_after_the_take_finds_nothing \
    '200 401 {"ok":false,"error":"replayed signature"} {"ok":true,"code":"replay-code"} 404 {"ok":false,"error":"unknown"}' \
    "$(client replay-poll "$a_url" "$b_url")"
signatures_before=$(rcli --scan --pattern 'haobtc:n:*' | wc -l)
polled=$(client polls "$a_url" "$b_url" 20)
is twenty_polls_add_only_their_registrations_signature_key "200x20 1" \
    "$polled $(($(rcli --scan --pattern 'haobtc:n:*' | wc -l) - signatures_before))"
is racing_pollers_on_a_and_b_exactly_one_gets_each_code "once=20 twice=0 never=0" \
    "$(client race "$a_url" "$b_url" 20)"
# A poll is admitted (rate, signature) and looks in one script: one over
# its host's budget takes nothing. The budget of host web77 is spent for
# a long while in Redis itself: its bucket is full again only in some 30
# years (microseconds). The bucket's name is the fleet key's MAC of the
# host, which only holders of the key can make.
signer=$(python3 -c '
import base64, hashlib, hmac, os, sys
key = open(os.environ["HB_FLEET_KEY"], "rb").read().rstrip(b" \t\r\n")
mac = hmac.new(key, b"haobtc-relay-budget\nh" + sys.argv[1].encode(), hashlib.sha256).digest()
print(base64.urlsafe_b64encode(mac[:16]).rstrip(b"=").decode())' web77)
rcli SET "haobtc:g:s$signer" \
    "$(($(date +%s%6N) + 1000000000000000))" PX 600000 >/dev/null
is poll_over_its_hosts_budget_is_429_and_leaves_the_code_for_the_next \
    '429 retry-after 200 {"ok":true,"code":"kept-code"}' \
    "$(client limited "$a_url" "$b_url" web77)"

# --- budgets nobody can spend for a module: unsigned requests through
# haproxy (the module's address, 127.0.0.1, as haproxy names it) and badly
# signed ones to the relays themselves (with an address a trusted proxy
# names) have a bucket of their own in Redis; the module's registration and
# poll from the same address still pass
is unsigned_flood_through_haproxy_ends_in_429 429 \
    "$(client flood "$fleet_url" unsigned /api/v1/sessions -)"
is module_after_an_unsigned_flood_from_its_address_registers_and_polls "201 200" \
    "$(client module "$fleet_url" "$fleet_url" web01 -)"
is badly_signed_flood_on_a_ends_in_429 429 \
    "$(client flood "$a_url" badsig /api/v1/poll 198.51.100.20)"
is module_after_a_badly_signed_flood_from_its_address_registers_and_polls_on_b "201 200" \
    "$(client module "$b_url" "$b_url" web20 198.51.100.20)"

# --- whole PAM logins through haproxy, the phone simulated
pdir=$tdir/pam
mkdir -p "$pdir/pam.d"
printf 'uuid:5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60 alice\n' >"$pdir/map"
# The provider's registered redirect is the suite's relay's /cb; the
# phone carries the code to the fleet's instead.
write_conf "$pdir/conf" "site_url=$MOCK2_URL" "ca_file=$HB_PKI/ca.pem" \
    "client_id=test-client" "client_secret=test-secret" \
    "relay_url=$fleet_url" "redirect_uri=$main_url/cb" "map_file=$pdir/map" \
    "fleet_key_file=$HB_FLEET_KEY" prompt=always
printf 'auth required %s conf=%s\n' "$HB_MODULE" "$pdir/conf" >"$pdir/pam.d/haobtc-fleet"
pam_start() { # a pamtester login in the background; sets link
    pamtester_start "$pdir" haobtc-fleet 20
}
pam_finish() { # pam_finish OUT: waits for pamtester's verdict
    timeout 40 cat <&"$PT_OUT" >"$1"
    stop_pid "$pt_pid"
    pt_pid=
    grep -a SYSLOG "$1" >>"$HB_TEST_DIR/module-syslog.txt"
}
phone() { # phone LINK: context page, Continue, approval, callback via haproxy
    local href location
    href=$(phone_continue "$1" "$pdir/jar" "$number") || return 1
    location=$(provider_approve "$href" alice)
    [ -n "$location" ] &&
        curl "${ca[@]}" -b "$pdir/jar" -o /dev/null -w '%{http_code}' "$fleet_url${location#"$main_url"}"
}
waiting_on() { # the relay (a or b) whose /health counts a waiting poll
    for _ in $(seq 50); do
        health "$a_url" | grep -q '"waiting":[1-9]' && { echo a; return; }
        health "$b_url" | grep -q '"waiting":[1-9]' && { echo b; return; }
        sleep 0.1
    done
}

pam_start
check pam_prompt_shows_the_fleets_link grep -q "^$fleet_url/s/" <<<"$link"
printf '\n' >&"$PT_IN"
holder=$(waiting_on)
check the_module_waits_on_one_relay [ -n "$holder" ]
# The relay holding the wait dies without a word; the other serves on.
t0=$(date +%s%3N)
eval "kill -9 \$relay_${holder:-a}_pid"
is phone_approves_through_haproxy_after_the_kill 200 "$(phone "$link")"
pam_finish "$pdir/out1"
took=$(($(date +%s%3N) - t0))
if grep -q 'pamtester: successfully authenticated' "$pdir/out1"; then
    ok "login_survives_kill_9_of_the_relay_holding_its_poll (${took} ms after the kill)"
else
    not_ok login_survives_kill_9_of_the_relay_holding_its_poll "$(grep -a SYSLOG "$pdir/out1" | tail -n 2)"
fi
start_relay_on "$holder"
check the_killed_relay_comes_back wait_healthy "$a_url" "$b_url"

# --- Redis away: 503 with Retry-After, /health says why; back: logins work
stop_pid "$redis_pid"
redis_pid=
read -r st after body <<<"$(client register "$a_url")"
is registration_while_redis_is_away_is_503_retry_after_1 "503 1" "$st $after"
check it_says_the_store_is_unavailable grep -q '"error":"store unavailable"' <<<"$body"
for _ in $(seq 20); do
    [ "$(curl -s -o "$tdir/h" -w '%{http_code}' "$b_url/health")" = 503 ] && break
    sleep 0.1
done
check health_says_why_while_redis_is_away grep -q '"ok":false,"error":"store: .*Redis' "$tdir/h"
# A login begun now: the module retries its registration; Redis returns
# 2 s later (on its append-only file), and the login goes on.
(sleep 2 && start_redis) &
restarter=$!
pam_start
wait "$restarter"
redis_pid=$(cat "$tdir/redis.pid")
check login_begun_during_the_outage_gets_its_link grep -q "^$fleet_url/s/" <<<"$link"
check relays_reconnect_by_themselves wait_healthy "$a_url" "$b_url"
printf '\n' >&"$PT_IN"
sleep 0.5
is phone_approves_after_redis_returned 200 "$(phone "$link")"
pam_finish "$pdir/out2"
check login_begun_during_the_outage_succeeds_after_it \
    grep -q 'pamtester: successfully authenticated' "$pdir/out2"
is login_after_redis_returned_across_relays \
    '200 200 {"ok":true,"code":"fleet-code"}' "$(client across "$b_url" "$a_url" "$a_url")"

# --- A Redis restart under 50 waiting logins (issue 24): Redis keeps its
# data in an append-only file (examples/fleet/redis.conf), so a restart
# loses none. 50 logins wait through haproxy, plus one whole PAM login;
# Redis stops; the phones of 10 call back and 10 open their pages while it
# is away (each gets the relays' "try again" page and reloads, haproxy
# sending them to the relays though their /health is 503); Redis starts
# again on its data; the rest act. Every poll gets its code, the PAM login
# succeeds. Then the control: Redis with nothing saved (appendonly no)
# loses all 50, and each poll hears "unknown" at once (not at its
# deadline), and the PAM login says the relay lost it.
block_start=$(date +%s)
waiting_total() { # the waiting polls of relays A and B together
    local n=0 w
    for u in "$a_url" "$b_url"; do
        w=$(health "$u" | sed -n 's/.*"waiting":\([0-9]*\).*/\1/p')
        n=$((n + ${w:-0}))
    done
    echo "$n"
}
# restart_under_logins FLAG TERM|KILL [OPTION...]: 50 logins (client
# restart) and one PAM login waiting, Redis stopped by the signal and
# started with the example's config and the options; the client's line in
# FLAG.out, pamtester's in FLAG.pam
restart_under_logins() {
    local flag=$1 signal=$2 waiting=
    shift 2
    pam_start
    printf '\n' >&"$PT_IN"
    client restart "$fleet_url" 50 "$flag" >"$flag.out" 2>&1 &
    local cpid=$!
    wait_for_file "$flag.ready" 30
    for _ in $(seq 100); do
        waiting=$(waiting_total)
        [ "$waiting" = 51 ] && break
        sleep 0.1
    done
    echo "$waiting" >"$flag.waiting"
    if [ "$signal" = KILL ]; then
        kill -KILL "$redis_pid"
        wait "$redis_pid" 2>/dev/null
    else
        stop_pid "$redis_pid"
    fi
    : >"$flag.down"
    sleep 1.5
    start_redis "$@"
    redis_pid=$(cat "$tdir/redis.pid")
    : >"$flag.up"
    date +%s%3N >"$flag.up_ms"
    wait_healthy "$a_url" "$b_url"
    phone "$link" >"$flag.phone"
    pam_finish "$flag.pam"
    date +%s%3N >"$flag.pam_ms"
    wait "$cpid"
}
restart_under_logins "$tdir/kept" TERM
is fifty_logins_and_a_pam_login_wait_before_the_restart 51 "$(cat "$tdir/kept.waiting")"
read -r codes lost other reloaded other503 _ <"$tdir/kept.out"
is all_50_waiting_logins_get_their_code_after_a_redis_restart \
    "codes=50 lost=0 other=none" "$codes $lost $other"
is phones_acting_while_redis_is_away_get_the_relays_try_again_page \
    "reloaded_in_outage=20 other_503=0" "$reloaded $other503"
check pam_login_waiting_through_the_redis_restart_succeeds \
    grep -q 'pamtester: successfully authenticated' "$tdir/kept.pam"
# Redis killed (SIGKILL, no chance to flush): what it answered was in the
# file already.
restart_under_logins "$tdir/killed" KILL
read -r codes lost other reloaded other503 _ <"$tdir/killed.out"
is all_50_waiting_logins_get_their_code_after_redis_is_killed \
    "51 codes=50 lost=0 other=none reloaded_in_outage=20 other_503=0" \
    "$(cat "$tdir/killed.waiting") $codes $lost $other $reloaded $other503"
check pam_login_waiting_through_redis_killed_succeeds \
    grep -q 'pamtester: successfully authenticated' "$tdir/killed.pam"
# The control: the same with nothing saved.
restart_under_logins "$tdir/gone" TERM --appendonly no
read -r codes lost other reloaded other503 slowest <"$tdir/gone.out"
is without_persistence_the_restart_loses_all_50 "codes=0 lost=50 other=none" \
    "$codes $lost $other"
if [ "${slowest:-99999}" -lt 5000 ]; then
    ok "each_lost_poll_hears_unknown_at_once_after_the_restart (slowest ${slowest} ms)"
else
    not_ok each_lost_poll_hears_unknown_at_once_after_the_restart "slowest ${slowest} ms"
fi
check lost_pam_login_says_the_relay_lost_it \
    grep -qxF 'The relay lost this sign-in (it may have restarted); start again.' "$tdir/gone.pam"
check lost_pam_login_is_auth_err grep -qx 'pamtester: Authentication failure' "$tdir/gone.pam"
took=$(($(cat "$tdir/gone.pam_ms") - $(cat "$tdir/gone.up_ms")))
if [ "$took" -lt 8000 ]; then
    ok "lost_pam_login_ends_soon_after_redis_returns (${took} ms)"
else
    not_ok lost_pam_login_ends_soon_after_redis_returns "${took} ms"
fi
# A PAM login whose poll meets Redis away for 4 s (timeout 16 s,
# http_timeout 3 s: the poll asks to wait 12 s): the module asks again
# after each 503, each time for a wait that still leaves the token
# exchange its time, and the login succeeds once Redis is back. (It used
# to give up as "busy" after some 2 s of 503s, once a retry with its
# first 12 s no longer fitted.)
stop_pid "$redis_pid"
start_redis
redis_pid=$(cat "$tdir/redis.pid")
wait_healthy "$a_url" "$b_url"
write_conf "$pdir/conf-short" "site_url=$MOCK2_URL" "ca_file=$HB_PKI/ca.pem" \
    "client_id=test-client" "client_secret=test-secret" \
    "relay_url=$fleet_url" "redirect_uri=$main_url/cb" "map_file=$pdir/map" \
    "fleet_key_file=$HB_FLEET_KEY" prompt=always timeout=16 http_timeout=3
printf 'auth required %s conf=%s\n' "$HB_MODULE" "$pdir/conf-short" \
    >"$pdir/pam.d/haobtc-fleet-short"
pamtester_start "$pdir" haobtc-fleet-short 20
stop_pid "$redis_pid"
printf '\n' >&"$PT_IN"
sleep 4
check redis_returns_after_4_s start_redis
redis_pid=$(cat "$tdir/redis.pid")
wait_healthy "$a_url" "$b_url"
is phone_approves_after_the_4_s_outage 200 "$(phone "$link")"
pam_finish "$tdir/short.pam"
check pam_login_whose_poll_met_503_for_4_s_succeeds \
    grep -qx 'pamtester: successfully authenticated' "$tdir/short.pam"
# Back to the example's Redis for what follows.
stop_pid "$redis_pid"
check redis_restarts_with_the_example_config start_redis
redis_pid=$(cat "$tdir/redis.pid")
check relays_are_healthy_after_the_restarts wait_healthy "$a_url" "$b_url"
echo "redis restart block: $(($(date +%s) - block_start)) s"

# --- a budget kept in Redis is the fleet's: a phone's 3 requests (burst 3,
# 1 a second) spread over two relays spend it, the 4th is 429 on either,
# and a second later one more token is there for it on the other relay
dport=$(free_port) eport=$(free_port)
for port in "$dport" "$eport"; do
    "$HB_BUILD/tools/relay/haobtc-relay" --config "$tdir/relay.conf" --port "$port" \
        --rate 1 --burst 3 --module-rate 1 --module-burst 3 >>"$tdir/relay_budget.log" 2>&1 &
    pids+=("$!")
done
check relays_with_a_small_budget_are_healthy wait_healthy "http://127.0.0.1:$dport" \
    "http://127.0.0.1:$eport"
is phones_budget_is_shared_by_the_relays_and_refills_at_its_rate \
    "404 404 404 429:1 404 429:1" "$(client budget "http://127.0.0.1:$dport" \
        "http://127.0.0.1:$eport" 1.1 198.51.100.7 1 2 3 4 pause 5 6)"
# A module host's budget is the fleet's too, and its own: host-a spends
# its 3 over both relays, host-b (the same address) still registers.
is signed_pings_of_host_a_over_its_budget_on_either_relay_are_429 429 \
    "$(client pings "http://127.0.0.1:$dport" "http://127.0.0.1:$eport" host-a)"
is host_b_meanwhile_registers_and_polls "201 200" \
    "$(client module "http://127.0.0.1:$eport" "http://127.0.0.1:$dport" host-b -)"

# --- rediss://: TLS to Redis, checked against --store-ca-file and the
# name asked for (the certificate names 127.0.0.1 and haobtc.test, not
# localhost)
tport=$(free_port) cport=$(free_port) uport=$(free_port) nport=$(free_port)
redis-server --port 0 --tls-port "$tport" --bind 127.0.0.1 --dir "$tdir/redis" \
    --save "" --appendonly no --tls-cert-file "$HB_PKI/server.pem" \
    --tls-key-file "$HB_PKI/server-key.pem" --tls-ca-cert-file "$HB_PKI/ca.pem" \
    --tls-auth-clients no --requirepass "$(cat "$tdir/redis.pw")" \
    >>"$tdir/redis/tls.log" 2>&1 &
pids+=("$!")
sed "s|^store = .*|store = rediss://127.0.0.1:$tport/1|" "$tdir/relay.conf" >"$tdir/relay-tls.conf"
sed "s|^store = .*|store = rediss://localhost:$tport/1|" "$tdir/relay.conf" >"$tdir/relay-tls-name.conf"
for name in relay_c relay_u relay_n; do
    conf=$tdir/relay-tls.conf ca_file=$HB_PKI/ca.pem
    case $name in
        relay_c) port=$cport ;;
        relay_u) port=$uport ca_file=$HB_UNTRUSTED_CA ;;
        relay_n) port=$nport conf=$tdir/relay-tls-name.conf ;;
    esac
    "$HB_BUILD/tools/relay/haobtc-relay" --config "$conf" --port "$port" \
        --store-ca-file "$ca_file" --rate 1000 --burst 1000 \
        >>"$tdir/$name.log" 2>&1 &
    pids+=("$!")
done
c_url=http://127.0.0.1:$cport
check relay_on_rediss_is_healthy wait_healthy "$c_url"
is login_through_a_relay_on_rediss \
    '200 200 {"ok":true,"code":"fleet-code"}' "$(client across "$c_url" "$c_url" "$c_url")"
sleep 0.3
check rediss_with_an_untrusted_certificate_is_refused_and_health_says_so \
    grep -q '"error":"store: TLS to Redis failed' <<<"$(health "http://127.0.0.1:$uport")"
check rediss_to_a_name_the_certificate_lacks_is_refused \
    grep -q '"error":"store: TLS to Redis failed' <<<"$(health "http://127.0.0.1:$nport")"

budgets_and_stops_on_redis() {
    # --- on Redis, limits spend on failures: 200 logins at once, every
    # phone from 127.0.0.1, through a relay with default options (no
    # trusted proxy, every limit its default)
    local natport stopport crowd_pid busy_pid st
    natport=$(free_port) stopport=$(free_port)
    on_redis() { # on_redis NAME PORT [OPTIONS...]: HTTPS, default limits; sets on_redis_pid
        "$HB_BUILD/tools/relay/haobtc-relay" --port "$2" --cert "$HB_PKI/server.pem" \
            --key "$HB_PKI/server-key.pem" --public-url "https://127.0.0.1:$2" \
            --fleet-key-file "$HB_FLEET_KEY" --client-id test-client \
            --authorize-url "https://127.0.0.1:$MOCK2_PORT/auth/oauth/authorize/" \
            --store "redis://127.0.0.1:$rport/0" --store-password-file "$tdir/redis.pw" \
            "${@:3}" >>"$tdir/$1.log" 2>&1 &
        on_redis_pid=$!
        pids+=("$on_redis_pid")
    }
    on_redis relay_nat "$natport"
    check relay_on_redis_with_default_limits_is_healthy wait_healthy "https://127.0.0.1:$natport"
    "$HB_SRC/tests/bin/relay-crowd" "https://127.0.0.1:$natport" 200 "$MOCK2_URL" >"$tdir/nat.out" 2>&1
    is logins_of_200_phones_behind_one_address_at_once_all_succeed_on_redis \
        "phones 200 polls 200" "$(head -n 1 "$tdir/nat.out")"
    [ "$(head -n 1 "$tdir/nat.out")" = "phones 200 polls 200" ] || sed -n '2,9p' "$tdir/nat.out"

    # --- the way out on Redis: the store's subscriber thread is running
    # when the port turns out taken; status 1 and one line naming it
    "$HB_BUILD/tools/relay/haobtc-relay" --port "$natport" --public-url https://127.0.0.1 \
        --fleet-key-file "$HB_FLEET_KEY" --client-id test-client \
        --authorize-url "https://127.0.0.1:$MOCK2_PORT/auth/oauth/authorize/" \
        --store "redis://127.0.0.1:$rport/0" --store-password-file "$tdir/redis.pw" \
        >"$tdir/relay_taken2.log" 2>&1
    is relay_on_redis_with_its_port_taken_exits_1 1 "$?"
    is relay_on_redis_with_its_port_taken_says_only_which_and_why \
        "haobtc-relay: cannot listen on 127.0.0.1:$natport: Address already in use" \
        "$(cat "$tdir/relay_taken2.log")"
    # SIGTERM while 20 polls wait and a crowd of 100 more logins
    # registers, polls and calls back: each waiting poll is answered 503,
    # the relay says it stops (and answers what its open connections still
    # ask meanwhile) and ends with status 0.
    on_redis relay_stop "$stopport"
    check relay_to_stop_is_healthy wait_healthy "https://127.0.0.1:$stopport"
    "$HB_SRC/tests/bin/relay-crowd" "https://127.0.0.1:$stopport" 20 - >"$tdir/stop-waiting.out" 2>&1 &
    crowd_pid=$!
    for _ in $(seq 100); do
        health "https://127.0.0.1:$stopport" | grep -q '"waiting":20' && break
        sleep 0.1
    done
    check twenty_polls_wait_on_the_relay_on_redis \
        grep -q '"waiting":20' <<<"$(health "https://127.0.0.1:$stopport")"
    "$HB_SRC/tests/bin/relay-crowd" "https://127.0.0.1:$stopport" 100 "$MOCK2_URL" \
        >"$tdir/stop-busy.out" 2>&1 &
    busy_pid=$!
    sleep 1
    kill -TERM "$on_redis_pid"
    for _ in $(seq 100); do
        kill -0 "$on_redis_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$on_redis_pid" 2>/dev/null # 137: it hung
    wait "$on_redis_pid"
    st=$?
    is relay_on_redis_stopped_by_sigterm_under_traffic_exits_0 0 "$st"
    wait "$crowd_pid" "$busy_pid"
    is each_poll_waiting_on_redis_is_answered_503_shutting_down "503 shutting down: 20" \
        "$(cat "$tdir/stop-waiting.out")"
    [ "$st" = 0 ] || sed "s/^/    relay: /" "$tdir/relay_stop.log" | tail -n 20
    check relay_on_redis_says_it_stops grep -qx stopping "$tdir/relay_stop.log"
}
budgets_and_stops_on_redis

for p in "${pids[@]}"; do stop_pid "$p"; done
pids=()
check fleet_relays_stop_without_sanitizer_reports \
    bash -c "! grep -qE 'Sanitizer|runtime error' '$tdir'/relay_*.log"
finish
