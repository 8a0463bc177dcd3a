# SPDX-License-Identifier: BSD-2-Clause
# haobtc-relay under load and abuse, with its default limits: 100
# concurrent logins behind one trusted proxy all succeed; one client
# flooding at 50 requests/s does not stop another's login; X-Forwarded-For
# counts only from a trusted proxy; a slowloris of 500 connections for 16 s
# does not stop 20 logins; the module rides out a poll answered 429
# (Retry-After: 1) to PAM_SUCCESS.
# A "login" here is the relay's part of one, as module and phone make it:
# signed registration, context page, Continue (cookie), callback, signed
# long poll that hands out the code.
# shellcheck shell=bash disable=SC2153 # MOCK2_PORT, PT_PID come from outside
. "$HB_SRC/tests/lib/lib.sh"
tdir=$(mktemp -d "$HB_TEST_DIR/load.XXXXXX")
ca=(--cacert "$HB_PKI/ca.pem" -sS --max-time 15)
main_url=$RELAY_URL main_port=$RELAY_PORT
pids=()
pt_pid=
cleanup() {
    stop_pid "$pt_pid"
    for p in "${pids[@]}"; do stop_pid "$p"; done
}
trap cleanup EXIT
is() {
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "want '$2', got '$3'"; fi
}
own_relay() { # own_relay NAME OPTIONS...: sets own_url
    local name=$1
    shift
    mkdir -p "$tdir/$name"
    start_relay "$tdir/$name" "$MOCK2_PORT" "$@" || return 1
    pids+=("$RELAY_PID")
    own_url=$RELAY_URL
    RELAY_URL=$main_url
}

# logins BASE N [FLOOD_RPS SECONDS]: N concurrent logins, each phone behind
# the proxy with its own X-Forwarded-For address (and, with FLOOD_RPS, one
# more client flooding page views meanwhile); prints "ok N" and the
# failures, then the flooder's statuses.
logins() {
    python3 - "$@" <<'PY'
import base64, hashlib, hmac, http.client, os, re, ssl, sys, threading, time, urllib.parse
base, n = sys.argv[1], int(sys.argv[2])
flood = float(sys.argv[3]) if len(sys.argv) > 3 else 0
flood_s = float(sys.argv[4]) if len(sys.argv) > 4 else 0
host, port = base[len("https://"):].split(":")
ctx = ssl.create_default_context(cafile=os.environ["HB_PKI"] + "/ca.pem")
key = open(os.environ["HB_FLEET_KEY"], "rb").read().rstrip(b" \t\r\n")
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def req(method, path, body=None, headers=None, timeout=30):
    c = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=timeout)
    h = dict(headers or {})
    if body is not None:
        h["Content-Type"] = "application/x-www-form-urlencoded"
    c.request(method, path, body, h)
    r = c.getresponse()
    data = r.read().decode()
    c.close()
    return r.status, r, data

def signed(path, fields):
    form = urllib.parse.urlencode(list(fields.items()) + [("nonce", b64(os.urandom(16)))])
    ts = str(int(time.time()))
    mac = hmac.new(key, ("haobtc-relay-v1\nPOST\n%s\n%s\n" % (path, ts)).encode() + form.encode(),
                   hashlib.sha256).digest()
    return req("POST", path, form, {"X-Haobtc-Timestamp": ts, "X-Haobtc-Signature": b64(mac)},
               timeout=40)

def login(i, results, xff):
    try:
        secret = b64(os.urandom(32))
        state = b64(hashlib.sha256(secret.encode()).digest())
        st, _, body = signed("/api/v1/sessions", {"state": state, "tag_key": b64(os.urandom(32)),
                                                 "host": "web%02d" % (i % 100), "user": "alice"})
        if st != 201:
            raise RuntimeError("register %d" % st)
        link = re.search(r'"link":"([^"]*)"', body).group(1)
        path = urllib.parse.urlsplit(link).path
        got = {}
        def poll():
            got["r"] = signed("/api/v1/poll", {"secret": secret, "wait": "25"})
        t = threading.Thread(target=poll)
        t.start()
        ph = {"X-Forwarded-For": xff}
        st, _, page = req("GET", path, headers=ph)
        if st != 200:
            raise RuntimeError("page %d" % st)
        csrf = re.search(r'name="csrf" value="([^"]*)"', page).group(1)
        st, r, _ = req("POST", path, "csrf=" + csrf, ph)
        if st != 303:
            raise RuntimeError("continue %d" % st)
        cookie = r.getheader("Set-Cookie").split(";")[0]
        st, _, _ = req("GET", "/cb?code=load-code-%d&state=%s" % (i, state),
                       headers=dict(ph, Cookie=cookie))
        if st != 200:
            raise RuntimeError("callback %d" % st)
        t.join()
        st, _, body = got["r"]
        if st != 200 or ('"code":"load-code-%d"' % i) not in body:
            raise RuntimeError("poll %d %s" % (st, body[:80]))
        results[i] = "ok"
    except Exception as e:
        results[i] = "login %d: %s" % (i, e)

flood_out = []
def flooder():
    end = time.monotonic() + flood_s
    while time.monotonic() < end:
        t0 = time.monotonic()
        try:
            st, _, _ = req("GET", "/s/AAAAAAAA", headers={"X-Forwarded-For": "198.51.100.66"})
        except Exception as e:
            st = "err"
        flood_out.append(str(st))
        time.sleep(max(0, 1 / flood - (time.monotonic() - t0)))

results = [None] * n
threads = []
if flood:
    f = threading.Thread(target=flooder)
    f.start()
    time.sleep(1)
for i in range(n):
    xff = "203.0.%d.%d" % (i // 250, i % 250 + 1)
    if flood:
        xff = "198.51.100.7"
    t = threading.Thread(target=login, args=(i, results, xff))
    t.start()
    threads.append(t)
for t in threads:
    t.join()
if flood:
    f.join()
print("ok %d" % results.count("ok"))
for r in results:
    if r != "ok":
        print(r)
if flood:
    print("flood " + " ".join(sorted(set(flood_out))) + " n=%d 429=%d" % (len(flood_out), flood_out.count("429")))
PY
}

# --- the default limits (given here over the suite's own: rate 20, burst
# 60; modules 100, 1000) behind one trusted proxy on loopback: 127.0.0.1,
# every phone with its own X-Forwarded-For
proxy=(--trusted-proxy "127.0.0.1,::1")
own_relay fair --rate 20 --burst 60 --module-rate 100 --module-burst 1000 "${proxy[@]}" || exit 1
fair_url=$own_url
logins "$fair_url" 100 >"$tdir/fair.out"
is concurrent_logins_behind_one_trusted_proxy_all_succeed "ok 100" "$(head -n 1 "$tdir/fair.out")"
[ "$(head -n 1 "$tdir/fair.out")" = "ok 100" ] || head -n 5 "$tdir/fair.out"

# --- one client flooding at 50 requests/s, another logs in meanwhile
logins "$fair_url" 1 50 4 >"$tdir/flood.out"
is another_clients_login_succeeds_during_a_50_rps_flood "ok 1" "$(head -n 1 "$tdir/flood.out")"
flooded=$(sed -n 's/^flood .* 429=\([0-9]*\)$/\1/p' "$tdir/flood.out")
sent=$(sed -n 's/^flood .* n=\([0-9]*\) .*$/\1/p' "$tdir/flood.out")
# In 4 s the bucket lets through at most its burst and 4 s of its rate
# (60 + 80, and 10 for the edges); a busy machine sends fewer than 200.
if [ "${flooded:-0}" -ge 1 ] && [ "${flooded:-0}" -ge $((${sent:-0} - 150)) ]; then
    ok "the_flooding_client_is_limited ($(tail -n 1 "$tdir/flood.out"))"
else
    not_ok the_flooding_client_is_limited "$(tail -n 1 "$tdir/flood.out")"
fi

# --- X-Forwarded-For counts only from a trusted proxy: a client that sets
# it itself still shares one budget (burst 5 here)
own_relay untrusted --rate 1 --burst 5 --trusted-proxy none || exit 1
for i in 1 2 3 4 5 6; do
    curl "${ca[@]}" -o /dev/null -w '%{http_code}\n' -H "X-Forwarded-For: 192.0.2.$i" \
        "$own_url/s/AAAAAAAA"
done >"$tdir/untrusted.out"
is forwarded_for_from_an_untrusted_peer_is_ignored 404,404,404,404,404,429 \
    "$(paste -sd, "$tdir/untrusted.out")"
own_relay proxied --rate 1 --burst 5 "${proxy[@]}" || exit 1
for i in 1 2 3 4 5 6; do
    curl "${ca[@]}" -o /dev/null -w '%{http_code}\n' \
        -H "X-Forwarded-For: 192.0.2.9, 192.0.2.$i" "$own_url/s/AAAAAAAA"
done >"$tdir/proxied.out"
is forwarded_for_last_hop_from_a_trusted_proxy_is_the_client 404,404,404,404,404,404 \
    "$(paste -sd, "$tdir/proxied.out")"
long=$(printf '10.9.8.7, %.0s' $(seq 400))
for i in 1 2 3 4 5 6; do
    curl "${ca[@]}" -o /dev/null -w '%{http_code}\n' \
        -H "X-Forwarded-For: ${long}192.0.2.$i" "$own_url/s/AAAAAAAA"
done >"$tdir/long.out"
is forwarded_for_of_4_kib_still_counts_its_last_hop 404,404,404,404,404,404 \
    "$(paste -sd, "$tdir/long.out")"
for i in 1 2 3 4 5 6; do
    curl "${ca[@]}" -o /dev/null -w '%{http_code}\n' \
        -H "X-Forwarded-For: 192.0.2.$i" -H "X-Forwarded-For: 198.51.100.1" \
        "$own_url/s/AAAAAAAA"
done >"$tdir/spoofed.out"
is forwarded_for_a_client_sent_itself_before_the_proxys_does_not_count \
    404,404,404,404,404,429 "$(paste -sd, "$tdir/spoofed.out")"

# --- slowloris: 500 connections from one address (127.0.0.2) trickle a
# request a byte a second for 16 s (HB_SLOWLORIS_S: long enough that the
# first of them meet the 10 s receive deadline); meanwhile 20 logins
# from other clients (behind the proxy) all succeed. The address holds at
# most --max-client-connections (32), and each connection is cut at the
# receive deadline (10 s) however it trickles.
own_relay slow "${proxy[@]}" || exit 1
slow_url=$own_url
python3 - "$slow_url" 500 "${HB_SLOWLORIS_S:-16}" >"$tdir/slow.out" <<'PY' &
import asyncio, os, ssl, sys, time
base, n, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
host, port = base[len("https://"):].split(":")
ctx = ssl.create_default_context(cafile=os.environ["HB_PKI"] + "/ca.pem")
held, opened, longest = 0, 0, 0.0
end = time.monotonic() + secs

async def one():
    global held, opened, longest
    while time.monotonic() < end:
        t0 = time.monotonic()
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection(
                host, int(port), ssl=ctx, local_addr=("127.0.0.2", 0)), 5)
        except Exception:
            await asyncio.sleep(1)
            continue
        opened += 1
        held += 1
        try:
            w.write(b"GET /s/AAAAAAAA HTTP/1.1\r\nHost: relay\r\n")
            while time.monotonic() < end:
                await w.drain()
                await asyncio.sleep(1)
                w.write(b"X")
                if r.at_eof():
                    break
                try:
                    if await asyncio.wait_for(r.read(1), 0.01) == b"":
                        break
                except asyncio.TimeoutError:
                    pass
        except Exception:
            pass
        finally:
            held -= 1
            if time.monotonic() < end:
                longest = max(longest, time.monotonic() - t0)
            w.close()

async def main():
    await asyncio.gather(*(one() for _ in range(n)))
asyncio.run(main())
print("opened %d longest %.1f" % (opened, longest))
PY
slow_pid=$!
pids+=("$slow_pid")
sleep 3
logins "$slow_url" 20 >"$tdir/slow-logins.out"
is logins_during_a_500_connection_slowloris_all_succeed "ok 20" "$(head -n 1 "$tdir/slow-logins.out")"
wait "$slow_pid"
read -r _ opened _ longest <"$tdir/slow.out"
if [ -n "$longest" ] && [ "${longest%.*}" -le 13 ]; then
    ok "a_trickling_connection_is_cut_at_the_receive_deadline (longest ${longest} s, $opened connections)"
else
    not_ok a_trickling_connection_is_cut_at_the_receive_deadline "$(cat "$tdir/slow.out")"
fi

# --- the module rides out a poll answered 429 with Retry-After: 1
# (module budget: 1 request, 1 a second): PAM_SUCCESS, a second or so late
own_relay busy --module-rate 1 --module-burst 1 || exit 1
busy_url=$own_url
pdir=$tdir/pam
mkdir -p "$pdir/pam.d"
printf 'uuid:5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60 alice\n' >"$pdir/map"
# The provider's registered redirect is the main relay's /cb; the phone
# below carries the code to this relay's own /cb.
write_conf "$pdir/conf" "site_url=$MOCK2_URL" "ca_file=$HB_PKI/ca.pem" \
    "client_id=test-client" "client_secret=test-secret" \
    "relay_url=$busy_url" "redirect_uri=$main_url/cb" "map_file=$pdir/map" \
    "fleet_key_file=$HB_FLEET_KEY"
printf 'auth required %s conf=%s\n' \
    "$HB_MODULE" "$pdir/conf" >"$pdir/pam.d/haobtc-busy"
pamtester_start "$pdir" haobtc-busy
href=$(phone_continue "$link" "$pdir/jar" "$number")
location=$(provider_approve "$href" alice)
is busy_relay_callback_is_200 200 \
    "$(curl "${ca[@]}" -b "$pdir/jar" -o /dev/null -w '%{http_code}' "$busy_url${location#"$main_url"}")"
# The module budget (1 request) is spent right before Enter, so the first
# poll is answered 429 however long the steps above took: by a signed
# ping naming this host, as the module's requests do (an unsigned request
# spends a budget of its own).
"$HB_SRC/tests/bin/relay-post" "$busy_url" /api/v1/ping "host=$(hostname)" >/dev/null
t0=$(date +%s%3N)
printf '\n' >&"$PT_IN"
timeout 30 cat <&"$PT_OUT" >"$pdir/out"
took=$(($(date +%s%3N) - t0))
stop_pid "$pt_pid" # only if it still waits at a prompt
pt_pid=
grep -a SYSLOG "$pdir/out" >>"$HB_TEST_DIR/module-syslog.txt"
check poll_answered_429_with_retry_after_still_ends_in_pam_success \
    grep -q 'pamtester: successfully authenticated' "$pdir/out"
if [ "$took" -ge 900 ] && [ "$took" -lt 6000 ]; then
    ok "the_module_waited_for_retry_after (${took} ms)"
else
    not_ok the_module_waited_for_retry_after "${took} ms"
fi

# --- a registration answered 429 is asked again after Retry-After: the
# prompt comes, a second or so late, with this relay's short link
sleep 1.1 # the budget of the login above refills
"$HB_SRC/tests/bin/relay-post" "$busy_url" /api/v1/ping "host=$(hostname)" >/dev/null
t0=$(date +%s%3N)
pamtester_start "$pdir" haobtc-busy
took=$(($(date +%s%3N) - t0))
stop_pid "$pt_pid"
pt_pid=
check registration_answered_429_still_shows_the_relays_link \
    [ "${link#"$busy_url"/s/}" != "$link" ]
if [ "$took" -ge 900 ] && [ "$took" -lt 6000 ]; then
    ok "the_registration_waited_for_retry_after (${took} ms)"
else
    not_ok the_registration_waited_for_retry_after "${took} ms"
fi

# --- a long poll whose connection drops (a proxy's idle cut) is asked
# again: a TCP relay in front of the relay cuts the first connection that
# lasts over 1.5 s; the phone approves 3 s after Enter; PAM_SUCCESS.
python3 - "$main_port" "$tdir/cutter.port" >"$tdir/cutter.log" 2>&1 <<'PY' &
import socket, sys, threading, time
target, port_file = int(sys.argv[1]), sys.argv[2]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(64)
open(port_file + ".tmp", "w").write("%d\n" % srv.getsockname()[1])
import os
os.rename(port_file + ".tmp", port_file)
cut = [False]
lock = threading.Lock()

def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

def serve(c):
    u = socket.create_connection(("127.0.0.1", target))
    threading.Thread(target=pipe, args=(c, u), daemon=True).start()
    threading.Thread(target=pipe, args=(u, c), daemon=True).start()
    time.sleep(1.5)
    with lock:
        first = not cut[0]
        if first and c.fileno() != -1:
            try:
                c.getpeername()
            except OSError:
                return
            cut[0] = True
    if first:
        print("cut a connection that lasted 1.5 s", flush=True)
        for s in (c, u):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
cutter_pid=$!
pids+=("$cutter_pid")
wait_for_file "$tdir/cutter.port" 10
cutter_url=https://127.0.0.1:$(cat "$tdir/cutter.port")
write_conf "$pdir/conf2" "site_url=$MOCK2_URL" "ca_file=$HB_PKI/ca.pem" \
    "client_id=test-client" "client_secret=test-secret" \
    "relay_url=$cutter_url" "redirect_uri=$main_url/cb" "map_file=$pdir/map" \
    "fleet_key_file=$HB_FLEET_KEY"
printf 'auth required %s conf=%s\n' \
    "$HB_MODULE" "$pdir/conf2" >"$pdir/pam.d/haobtc-cut"
pamtester_start "$pdir" haobtc-cut
printf '\n' >&"$PT_IN"
(sleep 3 && phone_approve "$link" alice "$number") &
phone_pid=$!
timeout 40 cat <&"$PT_OUT" >"$pdir/out2"
stop_pid "$pt_pid" # only if it still waits at a prompt
pt_pid=
wait "$phone_pid"
grep -a SYSLOG "$pdir/out2" >>"$HB_TEST_DIR/module-syslog.txt"
check the_proxy_cut_the_first_long_poll grep -q 'cut a connection' "$tdir/cutter.log"
if grep -q 'pamtester: successfully authenticated' "$pdir/out2"; then
    ok dropped_long_poll_is_asked_again_and_ends_in_pam_success
else
    not_ok dropped_long_poll_is_asked_again_and_ends_in_pam_success \
        "$(grep -a 'SYSLOG' "$pdir/out2" | tail -n 2 | tr '\n' ' ') $(cat "$tdir/cutter.log")"
fi

for p in "${pids[@]}"; do stop_pid "$p"; done
pids=()

finish
