#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""The load tools/bench-fleet puts on haobtc-relay (not a test): each mode
prints key=value lines for the shell script to read.

  bench-fleet.py rate BASE poll|register keep|new SECONDS PROCS CONNS
  bench-fleet.py waiters BASE PID N WAIT
  bench-fleet.py churn BASE PID N PROCS
  bench-fleet.py logins RELAY MOCK SERVICES N APPROVALS_PER_S
  bench-fleet.py relay-logins BASE N APPROVALS_PER_S

BASE is a relay or haproxy (http:// or https://); PID the relay whose
threads and memory are read from /proc. The fleet key is $HB_FLEET_KEY,
the CA $HB_PKI/ca.pem."""
import asyncio
import base64
import hashlib
import hmac
import multiprocessing
import os
import re
import ssl
import statistics
import subprocess
import sys
import time
import urllib.parse

KEY = open(os.environ["HB_FLEET_KEY"], "rb").read().rstrip(b" \t\r\n")
CA = os.environ["HB_PKI"] + "/ca.pem"
SETTLE = float(os.environ.get("BENCH_SETTLE", "1"))


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def proc_status(pid, field):
    for line in open("/proc/%s/status" % pid):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return -1


def signed(path, fields):
    """A form signed as the module signs it; the nonce makes every one new
    (the relays refuse a signature seen before)."""
    form = urllib.parse.urlencode(list(fields.items()) +
                                  [("nonce", b64(os.urandom(16)))]).encode()
    ts = str(int(time.time()))
    mac = hmac.new(KEY, ("haobtc-relay-v1\nPOST\n%s\n%s\n" % (path, ts)).encode() + form,
                   hashlib.sha256).digest()
    return form, ["X-Haobtc-Timestamp: " + ts, "X-Haobtc-Signature: " + b64(mac)]


def new_login():
    secret = b64(os.urandom(32))
    return secret, b64(hashlib.sha256(secret.encode()).digest())


class Http:
    """HTTP/1.1 over one asyncio connection, kept alive."""

    def __init__(self, base):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port
        self.ctx = None
        if u.scheme == "https":
            self.ctx = ssl.create_default_context(cafile=CA)
        self.conn = None

    async def open(self):
        self.conn = await asyncio.open_connection(self.host, self.port, ssl=self.ctx)
        return self

    def close(self):
        if self.conn is not None:
            self.conn[1].close()
            self.conn = None

    async def request(self, method, path, body=b"", headers=(), close=False):
        if self.conn is None:
            await self.open()
        r, w = self.conn
        head = ["%s %s HTTP/1.1" % (method, path), "Host: %s:%s" % (self.host, self.port),
                "Content-Length: %d" % len(body)] + list(headers)
        if body:
            head.append("Content-Type: application/x-www-form-urlencoded")
        if close:
            head.append("Connection: close")
        w.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await w.drain()
        status = await r.readline()
        if not status:
            raise ConnectionError("closed before the answer")
        hdrs = {}
        while True:
            line = await r.readline()
            if line in (b"\r\n", b""):
                break
            k, v = line.decode().split(":", 1)
            hdrs.setdefault(k.strip().lower(), v.strip())
        data = await r.readexactly(int(hdrs.get("content-length", "0")))
        if close or hdrs.get("connection", "").lower() == "close":
            self.close()
        return int(status.split()[1]), hdrs, data.decode()

    async def register(self, state):
        form, h = signed("/api/v1/sessions", {"state": state, "tag_key": b64(os.urandom(32)),
                                              "host": "web01", "user": "alice"})
        return await self.request("POST", "/api/v1/sessions", form, h)

    async def poll(self, secret, wait, close=False):
        form, h = signed("/api/v1/poll", {"secret": secret, "wait": str(wait)})
        return await self.request("POST", "/api/v1/poll", form, h, close)


# --- requests per second, on kept-alive or new connections

async def rate_worker(base, what, keep, seconds, conns, out):
    failures = {}

    async def one_conn():
        http = Http(base)
        secret, state = new_login()
        if what == "poll":
            st, _, body = await http.register(state)
            assert st == 201, (st, body)
        done = errors = 0
        body = ""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                if what == "poll":
                    st, _, body = await http.poll(secret, 0, close=not keep)
                    good = st == 200
                else:
                    st, _, body = await http.register(new_login()[1])
                    if not keep:
                        http.close()
                    good = st == 201
            except (OSError, ConnectionError, asyncio.IncompleteReadError) as e:
                http.close()
                st, body, good = 0, repr(e), False
            done += good
            errors += not good
            if not good:
                failures[st] = failures.get(st, 0) + 1
                failures["last"] = "%d %s" % (st, body[:60])
        http.close()
        return done, errors

    try:
        got = await asyncio.gather(*(one_conn() for _ in range(conns)))
        out.put((sum(g[0] for g in got), sum(g[1] for g in got), failures))
    except Exception as e:  # reported as errors, so the parent never waits
        out.put((0, conns, {"last": repr(e)}))


def rate(base, what, mode, seconds, procs, conns):
    out = multiprocessing.Queue()
    ps = [multiprocessing.Process(target=lambda: asyncio.run(
        rate_worker(base, what, mode == "keep", float(seconds), int(conns), out)))
        for _ in range(int(procs))]
    t0 = time.monotonic()
    for p in ps:
        p.start()
    got = [out.get() for _ in ps]
    for p in ps:
        p.join()
    took = time.monotonic() - t0
    print("rate=%d" % (sum(g[0] for g in got) / min(took, float(seconds) + 1)))
    print("errors=%d" % sum(g[1] for g in got))
    for g in got:
        if g[2]:
            print("failure=%s" % ", ".join("%s: %s" % kv for kv in sorted(g[2].items(), key=str)))


# --- many long polls waiting at once

async def waiters(base, pid, n, wait):
    """As modules wait: each registers, then polls on the same kept-alive
    connection (libmicrohttpd zeroes a connection's whole pool between two
    requests, so this is what a waiting login costs the relay)."""
    print("idle_rss_kib=%d" % proc_status(pid, "VmRSS"))
    t0 = time.monotonic()
    conns, answered = [], []

    async def one():
        secret, state = new_login()
        http = Http(base)
        conns.append(http)
        try:
            st, _, body = await http.register(state)
            if st != 201:
                answered.append((st, body))
                return
            st, _, body = await http.poll(secret, wait)
            answered.append((st, body))
        except (OSError, ConnectionError, asyncio.IncompleteReadError) as e:
            answered.append((0, repr(e)))

    tasks = []
    for k in range(0, n, 200):
        tasks += [asyncio.create_task(one()) for _ in range(min(200, n - k))]
        await asyncio.sleep(0.02)
    waiting = 0
    while time.monotonic() - t0 < wait and not answered:
        # A new connection each time: the relay cuts one idle past its
        # receive timeout while the crowd is being opened.
        _, _, body = await Http(base).request("GET", "/health", close=True)
        m = re.search(r'"waiting":(\d+)', body)
        waiting = int(m.group(1)) if m else -1
        if waiting >= n:
            break
        await asyncio.sleep(0.2)
    # Let the relay settle after the crowd arrived, then read it.
    await asyncio.sleep(SETTLE)
    print("opened_s=%.1f" % (time.monotonic() - t0))
    print("waiting=%d" % waiting)
    print("threads=%d" % proc_status(pid, "Threads"))
    print("rss_kib=%d" % proc_status(pid, "VmRSS"))
    print("early_answers=%d" % len(answered))
    for st, body in answered[:3]:
        print("early=%d %s" % (st, body[:80]))
    for t in tasks:
        t.cancel()
    for h in conns:
        h.close()
    await asyncio.sleep(0.5)


# --- RSS before and after many new TLS connections

def s_time(host_port, seconds, procs):
    """openssl s_time, procs of them at once for seconds: a full TLS
    handshake, a GET /health and a close each time, several times faster
    than Python's ssl. The connections made and the bytes each read."""
    ps = [subprocess.Popen(["openssl", "s_time", "-connect", host_port, "-new",
                            "-time", str(seconds), "-www", "/health", "-CAfile", CA],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
          for _ in range(procs)]
    made = read = 0
    for p in ps:
        out = p.communicate()[0]
        m = re.search(r"^(\d+) connections in \d+ real seconds, (\d+) bytes read per connection",
                      out, re.M)
        if m:
            made += int(m.group(1))
            read += int(m.group(1)) * int(m.group(2))
    return made, read


def churn_until(host_port, n, procs):
    """At least n new TLS connections, in rounds of s_time sized by the
    rate seen so far; the count made and how many read a whole answer."""
    made = good = 0
    rate = None
    while made < n:
        # A second first, to learn the rate; then rounds that end near n.
        seconds = 1 if rate is None else max(1, min(60, int((n - made) / rate)))
        t0 = time.monotonic()
        got, read = s_time(host_port, seconds, procs)
        if got == 0:
            break
        rate = got / (time.monotonic() - t0)
        made += got
        # /health answers some 340 bytes with its headers: an error page
        # or a cut connection reads fewer.
        good += got if read >= got * 200 else 0
    return made, good


def churn(base, pid, n, procs):
    n, procs = int(n), int(procs)
    host_port = urllib.parse.urlsplit(base).netloc
    # A tenth first, counted apart: the pool threads' malloc arenas and
    # TLS state grow once, which is not what is looked for (growth with
    # the number of connections).
    print("rss_idle_kib=%d" % proc_status(pid, "VmRSS"))
    warm, warm_good = churn_until(host_port, n // 10, procs)
    print("rss_before_kib=%d" % proc_status(pid, "VmRSS"))
    t0 = time.monotonic()
    made, good = churn_until(host_port, n - warm, procs)
    took = time.monotonic() - t0
    time.sleep(1)
    print("connections=%d" % (made + warm))
    print("good=%d" % (good + warm_good))
    print("per_s=%d" % (made / took))
    print("rss_after_kib=%d" % proc_status(pid, "VmRSS"))


# --- the relay's part of many logins at once: approval -> code at the poll

async def relay_logins(base, n, per_s):
    """N logins as module and phone make them (registration, context page,
    Continue, a long poll each), then the callbacks, evenly; each timed
    from its callback's send to its poll's answer."""
    logins = [new_login() for _ in range(n)]
    t0 = time.monotonic()
    out, polls = {}, []

    async def prepare(part):
        http = Http(base)
        for i, (secret, state) in part:
            st, _, body = await http.register(state)
            assert st == 201, (st, body)
            path = urllib.parse.urlsplit(re.search(r'"link":"([^"]*)"', body).group(1)).path
            st, _, page = await http.request("GET", path)
            csrf = re.search(r'name="csrf" value="([^"]*)"', page).group(1)
            st, hd, _ = await http.request("POST", path, ("csrf=" + csrf).encode())
            assert st == 303, st
            out[i] = {"cookie": hd["set-cookie"].split(";")[0]}
        http.close()

    async def poll(i, secret):
        http = Http(base)
        try:
            st, _, body = await http.poll(secret, 60)
            out[i]["done"] = time.monotonic()
            out[i]["ok"] = st == 200 and body == '{"ok":true,"code":"bench-%d"}' % i
            out[i]["answer"] = "%d %s" % (st, body[:60])
        except (OSError, ConnectionError, asyncio.IncompleteReadError) as e:
            out[i]["ok"], out[i]["answer"] = False, repr(e)
        http.close()

    indexed = list(enumerate(logins))
    await asyncio.gather(*(prepare(indexed[k::8]) for k in range(8)))
    for i, (secret, _) in indexed:
        polls.append(asyncio.create_task(poll(i, secret)))
    print("prepared_s=%.1f" % (time.monotonic() - t0))
    await asyncio.sleep(SETTLE)
    phone = Http(base)
    for i, (_, state) in indexed:
        out[i]["sent"] = time.monotonic()
        await phone.request("GET", "/cb?code=bench-%d&state=%s" % (i, state),
                            headers=["Cookie: " + out[i]["cookie"]])
        await asyncio.sleep(1.0 / per_s)
    await asyncio.gather(*polls)
    phone.close()
    ms = sorted((v["done"] - v["sent"]) * 1000 for v in out.values() if v.get("ok"))
    print("succeeded=%d" % len(ms))
    print("failed=%d" % (n - len(ms)))
    for v in [v for v in out.values() if not v.get("ok")][:3]:
        print("failure=%s" % v.get("answer"))
    if ms:
        print("median_ms=%.1f" % statistics.median(ms))
        print("p99_ms=%.1f" % ms[min(len(ms) - 1, int(round(0.99 * (len(ms) - 1))))])
        print("max_ms=%.1f" % ms[-1])


# --- whole PAM logins at once: approval -> PAM_SUCCESS

async def one_login(i, relay_url, mock_url, env, ready, go, out):
    """pamtester up to the module's long poll, the phone's pages and the
    provider's approval done; then, when told, the callback, timed to
    pamtester's verdict."""
    p = await asyncio.create_subprocess_exec(
        "pamtester", "-v", env["BENCH_SERVICE"], "alice", "authenticate",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, env=env)
    buf = b""
    try:
        while not re.search(rb"\): $", buf):
            chunk = await asyncio.wait_for(p.stdout.read(65536), 120)
            if not chunk:
                raise RuntimeError("pamtester ended: %r" % buf[-200:])
            buf += chunk
        link = re.search(rb"^(https://\S+)$", buf, re.M).group(1).decode()
        phone = Http(relay_url)
        path = urllib.parse.urlsplit(link).path
        st, _, page = await phone.request("GET", path)
        csrf = re.search(r'name="csrf" value="([^"]*)"', page).group(1)
        # Number matching: the pick of the number the prompt showed.
        n = re.search(rb"Your number is (\d\d):", buf)
        pick = "&number=" + n.group(1).decode() if n else ""
        st, hd, _ = await phone.request("POST", path, ("csrf=" + csrf + pick).encode())
        assert st == 303, st
        cookie = hd["set-cookie"].split(";")[0]
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(hd["location"]).query)
        provider = Http(mock_url)
        # The link's state and PKCE challenge, as the provider's page has them.
        st, _, answer = await provider.request("POST", "/mock/approve", urllib.parse.urlencode(
            {"client_id": "test-client", "username": "alice", "state": query["state"][0],
             "code_challenge": query["code_challenge"][0],
             "code_challenge_method": "S256"}).encode(), close=True)
        location = re.search(r'"location" *: *"([^"]*)"', answer).group(1).replace("\\/", "/")
        cb = urllib.parse.urlsplit(location)
        # Enter: the module starts its long poll.
        p.stdin.write(b"\n")
        await p.stdin.drain()
        ready.release()
        await go[i].wait()
        t0 = time.monotonic()
        st, _, _ = await phone.request("GET", cb.path + "?" + cb.query, headers=["Cookie: " + cookie])
        phone.close()
        asked = len(buf)
        while not re.search(rb"pamtester: [^\n]*\n", buf[asked:]):
            chunk = await asyncio.wait_for(p.stdout.read(65536), 60)
            if not chunk:
                break
            buf += chunk
        t1 = time.monotonic()
        out[i] = ((t1 - t0) * 1000 if b"successfully authenticated" in buf[asked:] else None,
                  buf[asked:][-120:])
    except Exception as e:  # counted as a failed login, the reason shown
        ready.release()
        out[i] = (None, repr(e)[:200].encode())
    finally:
        if p.returncode is None:
            try:
                p.stdin.close()
            except (OSError, RuntimeError):
                pass
            try:
                await asyncio.wait_for(p.wait(), 20)
            except asyncio.TimeoutError:
                p.kill()
                await p.wait()


async def logins(relay_url, mock_url, services, n, per_s):
    env = dict(os.environ, LD_PRELOAD=os.environ["BENCH_PRELOAD"], PAM_WRAPPER="1",
               PAM_WRAPPER_SERVICE_DIR=services, PAM_WRAPPER_DISABLE_DEEPBIND="1")
    ready = asyncio.Semaphore(0)
    go = [asyncio.Event() for _ in range(n)]
    out = {}
    tasks = []
    t0 = time.monotonic()
    # Started a few at a time: each pamtester costs a process start.
    for k in range(0, n, 20):
        tasks += [asyncio.create_task(one_login(i, relay_url, mock_url, env, ready, go, out))
                  for i in range(k, min(n, k + 20))]
        for _ in range(min(n, k + 20) - k):
            await ready.acquire()
    print("prepared_s=%.1f" % (time.monotonic() - t0))
    # Every module waits in its long poll: the approvals arrive evenly.
    await asyncio.sleep(SETTLE)
    for i in range(n):
        go[i].set()
        await asyncio.sleep(1.0 / per_s)
    await asyncio.gather(*tasks)
    ms = sorted(v[0] for v in out.values() if v[0] is not None)
    print("succeeded=%d" % len(ms))
    print("failed=%d" % (n - len(ms)))
    for v in [v for v in out.values() if v[0] is None][:3]:
        print("failure=%r" % v[1])
    if ms:
        print("median_ms=%.1f" % statistics.median(ms))
        print("p99_ms=%.1f" % ms[min(len(ms) - 1, int(round(0.99 * (len(ms) - 1))))])
        print("max_ms=%.1f" % ms[-1])


def run(mode, args):
    if mode == "rate":
        rate(*args)
    elif mode == "waiters":
        asyncio.run(waiters(args[0], args[1], int(args[2]), int(args[3])))
    elif mode == "relay-logins":
        asyncio.run(relay_logins(args[0], int(args[1]), float(args[2])))
    elif mode == "logins":
        asyncio.run(logins(args[0], args[1], args[2], int(args[3]), float(args[4])))
    elif mode == "churn":
        churn(*args)
    else:
        sys.exit("bench-fleet.py: unknown mode " + mode)


if __name__ == "__main__":
    if sys.argv[1] != "batch":
        run(sys.argv[1], sys.argv[2:])
        sys.exit(0)
    # batch DIR: one "NAME MODE ARGS..." a line on stdin, each mode's
    # output to DIR/NAME; one Python start for them all.
    for line in sys.stdin.read().splitlines():
        name, mode, *args = line.split()
        if os.environ.get("BENCH_TRACE"):
            print("%.2f %s" % (time.monotonic(), name), file=sys.stderr)
        with open(os.path.join(sys.argv[2], name), "w") as f:
            sys.stdout.flush()
            saved = sys.stdout
            sys.stdout = f
            try:
                run(mode, args)
            except Exception as e:  # the next part still runs
                print("error=%r" % e)
            finally:
                sys.stdout = saved
