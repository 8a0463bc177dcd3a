# SPDX-License-Identifier: BSD-2-Clause
# A waiting long poll costs the relay no thread: 2,000 polls wait at once
# on one relay (each on its own connection; plain HTTP, as behind a TLS
# proxy, so the test spends its time waiting rather than on handshakes)
# while its thread count stays under 20; the 300 whose logins are approved get their code within
# a second of the callback, the other 1,700 answer "pending" at their
# deadline; then 100 waiting polls answer 503 at once when the relay stops;
# and above 768 of 1,024 connections page views wait (503) while polls and
# callbacks are still answered.
# shellcheck shell=bash disable=SC2153 # MOCK2_PORT comes from outside
. "$HB_SRC/tests/lib/lib.sh"
tdir=$(mktemp -d "$HB_TEST_DIR/wait.XXXXXX")
main_url=$RELAY_URL
pids=()
cleanup() {
    for p in "${pids[@]}"; do stop_pid "$p"; done
}
trap cleanup EXIT
is() {
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "want '$2', got '$3'"; fi
}
lacks() { ! grep -q "$@"; }
threads() { awk '/^Threads:/ {print $2}' "/proc/$1/status"; }
# One descriptor per poll on this side too; the relay raises its own.
[ "$(ulimit -n)" -ge 4500 ] || ulimit -n 4500 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# The whole crowd, in one asyncio program: registrations and the phones'
# pages on a few kept-alive connections, then one connection per poll.
# Prints key=value lines for the checks below.
crowd() { # crowd URL PID POLLS APPROVED WAIT [stop]
    python3 - "$@" <<'PY'
import asyncio, base64, hashlib, hmac, os, re, ssl, sys, time, urllib.parse
base, pid, n, approved, wait = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
stopping = len(sys.argv) > 6
u = urllib.parse.urlsplit(base)
host, port = u.hostname, u.port
ctx = ssl.create_default_context(cafile=os.environ["HB_PKI"] + "/ca.pem") if u.scheme == "https" else None
key = open(os.environ["HB_FLEET_KEY"], "rb").read().rstrip(b" \t\r\n")
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def status(field):
    for line in open("/proc/%s/status" % pid):
        if line.startswith(field + ":"):
            return int(line.split()[1])
threads = lambda: status("Threads")

async def request(conn, method, path, body=b"", headers=()):
    r, w = conn
    head = ["%s %s HTTP/1.1" % (method, path), "Host: %s:%s" % (host, port),
            "Content-Length: %d" % len(body)] + list(headers)
    if body:
        head.append("Content-Type: application/x-www-form-urlencoded")
    w.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
    await w.drain()
    status_line = await r.readline()
    hdrs = {}
    while True:
        line = await r.readline()
        if line in (b"\r\n", b""):
            break
        k, v = line.decode().split(":", 1)
        hdrs.setdefault(k.strip().lower(), v.strip())
    data = await r.readexactly(int(hdrs.get("content-length", "0")))
    return int(status_line.split()[1]), hdrs, data.decode()

def signed(path, fields):
    form = urllib.parse.urlencode(list(fields.items()) + [("nonce", b64(os.urandom(16)))]).encode()
    ts = str(int(time.time()))
    mac = hmac.new(key, ("haobtc-relay-v1\nPOST\n%s\n%s\n" % (path, ts)).encode() + form,
                   hashlib.sha256).digest()
    return form, ["X-Haobtc-Timestamp: " + ts, "X-Haobtc-Signature: " + b64(mac)]

async def connect():
    return await asyncio.open_connection(host, int(port), ssl=ctx)

async def setup(conn, logins):
    for lg in logins:
        form, h = signed("/api/v1/sessions", {"state": lg["state"], "tag_key": b64(os.urandom(32)),
                                              "host": "web01", "user": "alice"})
        st, _, body = await request(conn, "POST", "/api/v1/sessions", form, h)
        assert st == 201, (st, body)
        lg["path"] = urllib.parse.urlsplit(re.search(r'"link":"([^"]*)"', body).group(1)).path
        if not lg["approve"]:
            continue
        st, _, page = await request(conn, "GET", lg["path"])
        csrf = re.search(r'name="csrf" value="([^"]*)"', page).group(1)
        st, hd, _ = await request(conn, "POST", lg["path"], ("csrf=" + csrf).encode())
        assert st == 303, st
        lg["cookie"] = hd["set-cookie"].split(";")[0]

async def poll(lg):
    try:
        conn = await connect()
        form, h = signed("/api/v1/poll", {"secret": lg["secret"], "wait": str(wait)})
        lg["sent"] = time.monotonic()
        lg["status"], _, lg["body"] = await request(conn, "POST", "/api/v1/poll", form, h)
        lg["done"] = time.monotonic()
        conn[1].close()
    except Exception as e:
        lg["status"], lg["body"], lg["done"] = 0, repr(e), time.monotonic()

async def main():
    logins = []
    for i in range(n):
        secret = b64(os.urandom(32))
        logins.append({"i": i, "secret": secret, "approve": i < approved,
                       "state": b64(hashlib.sha256(secret.encode()).digest())})
    conns = [await connect() for _ in range(4)]
    await asyncio.gather(*(setup(conns[k], logins[k::4]) for k in range(4)))
    t0 = time.monotonic()
    tasks = []
    for k in range(0, n, 100):
        tasks += [asyncio.create_task(poll(lg)) for lg in logins[k:k + 100]]
        await asyncio.sleep(0.01)
    # Until the relay says they all wait (or a poll came back early).
    health = await connect()
    waiting = 0
    while time.monotonic() - t0 < wait and not any("done" in lg for lg in logins):
        _, _, body = await request(health, "GET", "/health")
        waiting = int(re.search(r'"waiting":(\d+)', body).group(1))
        if waiting >= n:
            break
        await asyncio.sleep(0.1)
    print("opened_s=%.1f" % (time.monotonic() - t0))
    print("waiting=%d" % waiting)
    print("threads_waiting=%d" % threads())
    print("rss_waiting=%d" % status("VmRSS"))
    if stopping:
        t = time.monotonic()
        os.kill(int(pid), 15)
        await asyncio.gather(*tasks)
        print("stop_answers=%s" % ",".join(sorted({"%d %s" % (lg["status"], lg["body"]) for lg in logins})))
        print("stop_slowest_ms=%d" % max((lg["done"] - t) * 1000 for lg in logins))
        return
    cb = await connect()
    late = []
    for lg in logins[:approved]:
        t = time.monotonic()
        st, _, _ = await request(cb, "GET", "/cb?code=wait-code-%d&state=%s" % (lg["i"], lg["state"]),
                                 headers=["Cookie: " + lg["cookie"]])
        lg["cb"] = t
        assert st == 200, st
    await asyncio.gather(*tasks)
    print("threads_after=%d" % threads())
    coded = [lg for lg in logins[:approved]
             if lg["status"] == 200 and lg["body"] == '{"ok":true,"code":"wait-code-%d"}' % lg["i"]]
    print("coded=%d" % len(coded))
    print("coded_slowest_ms=%d" % max([(lg["done"] - lg["cb"]) * 1000 for lg in coded] or [-1]))
    pend = [lg for lg in logins[approved:]
            if lg["status"] == 200 and lg["body"] == '{"ok":false,"pending":true}']
    print("pending=%d" % len(pend))
    off = [(lg["done"] - lg["sent"] - wait) * 1000 for lg in pend]
    print("pending_early_ms=%d" % max([-x for x in off] or [0]))
    print("pending_late_ms=%d" % max(off or [0]))
    odd = [lg for lg in logins if lg not in coded and lg not in pend]
    for lg in odd[:3]:
        print("odd=%d %s" % (lg["status"], lg["body"][:80]))
asyncio.run(main())
PY
}
val() { sed -n "s/^$1=//p" "$2" | head -n 1; }
# plain_relay DIR [OPTIONS...]: a relay without TLS; sets RELAY_PID, RELAY_URL.
# The crowd comes from one address here, where a fleet's come from many:
# that address may hold every connection (no proxy is trusted, so none is
# exempt from --max-client-connections).
plain_relay() {
    local port
    port=$(free_port)
    "$HB_BUILD/tools/relay/haobtc-relay" --port "$port" --port-file "$1/relay.port" \
        --public-url "https://127.0.0.1:$port" --fleet-key-file "$HB_FLEET_KEY" \
        --client-id test-client \
        --authorize-url "https://127.0.0.1:$MOCK2_PORT/auth/oauth/authorize/" \
        --rate 1000 --burst 1000 --module-rate 1000 --module-burst 10000 \
        --max-client-connections 100000 --quiet --max-poll-wait 60 "${@:2}" \
        >>"$1/relay.log" 2>&1 &
    RELAY_PID=$!
    pids+=("$RELAY_PID")
    wait_for_file "$1/relay.port" 10 || { cat "$1/relay.log" >&2; return 1; }
    RELAY_URL=http://127.0.0.1:$port
}

mkdir -p "$tdir/crowd"
plain_relay "$tdir/crowd" || exit 1
crowd_pid=$RELAY_PID crowd_url=$RELAY_URL
RELAY_URL=$main_url
idle_threads=$(threads "$crowd_pid")
rss_idle=$(awk '/^VmRSS:/ {print $2}' "/proc/$crowd_pid/status")
crowd "$crowd_url" "$crowd_pid" 2000 300 6 >"$tdir/crowd.out" 2>&1
rss_full=$(val rss_waiting "$tdir/crowd.out")
is relay_counts_2000_waiting_polls 2000 "$(val waiting "$tdir/crowd.out")"
waiting_threads=$(val threads_waiting "$tdir/crowd.out")
if [ -n "$waiting_threads" ] && [ "$waiting_threads" -lt 20 ]; then
    ok "2000_waiting_polls_hold_under_20_threads ($idle_threads idle, $waiting_threads waiting, $(val opened_s "$tdir/crowd.out") s to open)"
else
    not_ok 2000_waiting_polls_hold_under_20_threads "$idle_threads idle, '$waiting_threads' waiting"
fi
is threads_do_not_grow_after_the_crowd "$idle_threads" "$(val threads_after "$tdir/crowd.out")"
is approved_300_polls_get_their_own_code 300 "$(val coded "$tdir/crowd.out")"
slowest=$(val coded_slowest_ms "$tdir/crowd.out")
if [ -n "$slowest" ] && [ "$slowest" -ge 0 ] && [ "$slowest" -lt 1000 ]; then
    ok "each_code_arrives_within_1s_of_its_callback (slowest ${slowest} ms)"
else
    not_ok each_code_arrives_within_1s_of_its_callback "slowest '${slowest}' ms"
fi
is other_1700_polls_answer_pending 1700 "$(val pending "$tdir/crowd.out")"
early=$(val pending_early_ms "$tdir/crowd.out") late=$(val pending_late_ms "$tdir/crowd.out")
if [ -n "$late" ] && [ "$early" -le 100 ] && [ "$late" -lt 3000 ]; then
    ok "pending_polls_answer_at_their_deadline (up to ${early} ms early, ${late} ms late; RSS ${rss_idle} KiB idle, ${rss_full} KiB with 2000 waiting)"
else
    not_ok pending_polls_answer_at_their_deadline "early '${early}' ms, late '${late}' ms"
fi
grep '^odd=' "$tdir/crowd.out"

# --- a module registers, then polls, on one kept-alive connection, and
# libmicrohttpd zeroes a connection's whole pool between two requests:
# on the public port (16 KiB pools) each waiting login would cost some
# 17.5 KiB. On the module port (4 KiB pools) 2,000 of them cost under
# 8 KiB each.
mkdir -p "$tdir/kept"
mport=$(free_port)
plain_relay "$tdir/kept" --module-port "$mport" || exit 1
kept_pid=$RELAY_PID
RELAY_URL=$main_url
python3 - "$mport" "$kept_pid" 2000 >"$tdir/kept.out" 2>&1 <<'PY'
import asyncio, base64, hashlib, hmac, os, re, sys, time, urllib.parse
port, pid, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
key = open(os.environ["HB_FLEET_KEY"], "rb").read().rstrip(b" \t\r\n")
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
rss = lambda: int(re.search(r"VmRSS:\s+(\d+)", open("/proc/%s/status" % pid).read()).group(1))

async def request(conn, path, fields):
    form = urllib.parse.urlencode(list(fields.items()) + [("nonce", b64(os.urandom(16)))]).encode()
    ts = str(int(time.time()))
    mac = hmac.new(key, ("haobtc-relay-v1\nPOST\n%s\n%s\n" % (path, ts)).encode() + form,
                   hashlib.sha256).digest()
    r, w = conn
    w.write(("POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: %d\r\n"
             "Content-Type: application/x-www-form-urlencoded\r\nX-Haobtc-Timestamp: %s\r\n"
             "X-Haobtc-Signature: %s\r\n\r\n" % (path, port, len(form), ts, b64(mac))).encode() + form)
    await w.drain()
    status = int((await r.readline()).split()[1])
    length = 0
    while (line := await r.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    await r.readexactly(length)
    return status

async def login(conns, registered):
    secret = b64(os.urandom(32))
    conn = await asyncio.open_connection("127.0.0.1", port)
    conns.append(conn)
    st = await request(conn, "/api/v1/sessions", {
        "state": b64(hashlib.sha256(secret.encode()).digest()),
        "tag_key": b64(os.urandom(32)), "host": "web01", "user": "alice"})
    registered.append(st)
    await request(conn, "/api/v1/poll", {"secret": secret, "wait": "30"})

async def main():
    idle, conns, registered = rss(), [], []
    tasks = []
    for k in range(0, n, 100):
        tasks += [asyncio.create_task(login(conns, registered)) for _ in range(100)]
        await asyncio.sleep(0.02)
    health = await asyncio.open_connection("127.0.0.1", port)
    waiting, t0 = 0, time.monotonic()
    while waiting < n and time.monotonic() - t0 < 20:
        health[1].write(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        body = (await health[0].read()).decode()
        waiting = int(re.search(r'"waiting":(\d+)', body).group(1))
        health = await asyncio.open_connection("127.0.0.1", port)
        await asyncio.sleep(0.2)
    await asyncio.sleep(0.5)
    print("registered=%d" % registered.count(201))
    print("waiting=%d" % waiting)
    print("kib_a_poll=%.1f" % ((rss() - idle) / n))
    for t in tasks:
        t.cancel()
    for _, w in conns:
        w.close()
asyncio.run(main())
PY
is kept_alive_logins_registered_2000 2000 "$(val registered "$tdir/kept.out")"
is kept_alive_logins_waiting_2000 2000 "$(val waiting "$tdir/kept.out")"
per=$(val kib_a_poll "$tdir/kept.out")
if awk -v k="$per" 'BEGIN { exit !(k != "" && k < 8) }'; then
    ok "a_waiting_poll_after_its_registration_on_the_module_port_costs_under_8_KiB (${per} KiB)"
else
    not_ok a_waiting_poll_after_its_registration_on_the_module_port_costs_under_8_KiB \
        "'${per}' KiB; $(tail -n 3 "$tdir/kept.out")"
fi
stop_pid "$kept_pid"

# --- stopping answers every waiting poll at once (503, try again)
mkdir -p "$tdir/stop"
plain_relay "$tdir/stop" || exit 1
stop_pid_=$RELAY_PID stop_url=$RELAY_URL
RELAY_URL=$main_url
crowd "$stop_url" "$stop_pid_" 100 0 30 stop >"$tdir/stop.out" 2>&1
is waiting_polls_answer_503_when_the_relay_stops \
    '503 {"ok":false,"error":"shutting down"}' "$(val stop_answers "$tdir/stop.out")"
slowest=$(val stop_slowest_ms "$tdir/stop.out")
if [ -n "$slowest" ] && [ "$slowest" -lt 2000 ]; then
    ok "they_answer_within_2s_of_sigterm (${slowest} ms)"
else
    not_ok they_answer_within_2s_of_sigterm "'${slowest}' ms"
fi
for _ in $(seq 50); do kill -0 "$stop_pid_" 2>/dev/null || break; sleep 0.1; done
wait "$stop_pid_" 2>/dev/null
is the_stopped_relay_exits_0 0 "$?"
# --- above three quarters of its connections (768 of 1,024 with 1,088
# descriptors) the relay answers page views 503 and keeps the rest for
# module polls and callbacks
mkdir -p "$tdir/reserve"
port=$(free_port)
prlimit --nofile=1088:1088 "$HB_BUILD/tools/relay/haobtc-relay" --port "$port" \
    --port-file "$tdir/reserve/relay.port" --public-url "https://127.0.0.1:$port" \
    --fleet-key-file "$HB_FLEET_KEY" --client-id test-client \
    --authorize-url "https://127.0.0.1:$MOCK2_PORT/auth/oauth/authorize/" \
    --rate 1000 --burst 1000 --module-rate 1000 --module-burst 10000 \
    --max-client-connections 2000 --quiet >>"$tdir/reserve/relay.log" 2>&1 &
pids+=("$!")
wait_for_file "$tdir/reserve/relay.port" 10 || cat "$tdir/reserve/relay.log"
python3 - "$port" >"$tdir/reserve.out" 2>&1 <<'PY'
import base64, hashlib, hmac, http.client, os, socket, sys, time, urllib.parse
port = int(sys.argv[1])
key = open(os.environ["HB_FLEET_KEY"], "rb").read().rstrip(b" \t\r\n")
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def req(method, path, fields=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    h, body = {}, None
    if fields is not None:
        body = urllib.parse.urlencode(list(fields.items()) + [("nonce", b64(os.urandom(16)))])
        ts = str(int(time.time()))
        h = {"Content-Type": "application/x-www-form-urlencoded", "X-Haobtc-Timestamp": ts,
             "X-Haobtc-Signature": b64(hmac.new(key, ("haobtc-relay-v1\n%s\n%s\n%s\n" % (
                 method, path, ts)).encode() + body.encode(), hashlib.sha256).digest())}
    c.request(method, path, body, h)
    r = c.getresponse()
    data = r.read().decode()
    c.close()
    return r.status, data

secret = b64(os.urandom(32))
state = b64(hashlib.sha256(secret.encode()).digest())
_, reg = req("POST", "/api/v1/sessions", {"state": state, "tag_key": b64(os.urandom(32)),
                                          "host": "web01", "user": "alice"})
page = "/s/" + reg.split("/s/")[1].split('"')[0] if "/s/" in reg else "/s/none"
print("page_before=%d" % req("GET", page)[0])
crowd = [socket.create_connection(("127.0.0.1", port)) for _ in range(780)]
time.sleep(0.3)
print("page_crowded=%d %s" % req("GET", page))
print("poll_crowded=%d %s" % req("POST", "/api/v1/poll", {"secret": secret, "wait": "0"}))
print("callback_crowded=%d" % req("GET", "/cb?code=x&state=" + state)[0])
for s in crowd:
    s.close()
time.sleep(0.3)
print("page_after=%d" % req("GET", page)[0])
PY
val_() { sed -n "s/^$1=//p" "$tdir/reserve.out"; }
is page_view_is_200_before_the_crowd 200 "$(val_ page_before)"
is page_view_is_503_busy_with_780_connections_open '503 {"ok":false,"error":"busy"}' "$(val_ page_crowded)"
is poll_still_answered_with_780_connections_open '200 {"ok":false,"pending":true}' "$(val_ poll_crowded)"
is callback_still_answered_with_780_connections_open 403 "$(val_ callback_crowded)"
is page_view_is_200_once_the_crowd_left 200 "$(val_ page_after)"
check own_relays_stop_without_sanitizer_reports \
    lacks -E 'Sanitizer|runtime error' "$tdir/crowd/relay.log" "$tdir/stop/relay.log" \
    "$tdir/kept/relay.log" "$tdir/reserve/relay.log"
finish
