"""Hostile input: idle and slow connections, oversized URLs and headers, deeply nested and
malformed JSON, invalid UTF-8, numeric overflow, impossible dates, absurdly long strings,
HTTP framing oddities and a burst of random hostile bodies.

Every case checks the exact status (or, where the HTTP layer may drop the connection, that
it is a 4xx or a closed connection and never a 500) and that the service is still healthy
afterwards: /healthz answers 200 and a normal authenticated request still works.

Most cases use the shared server (harness.py). Cases that need other settings run private
servers (fixtures.Process) against the same database:
  - OIHWATCH_THREADS=2, OIHWATCH_CONN_TIMEOUT=2 for the starvation cases;
  - OIHWATCH_PER_IP_CONNECTIONS=4, OIHWATCH_MAX_BODY_BYTES=1024 for the limit cases.

Run alone with:
    python3 -m unittest tests.api.test_hostile -v
"""

import json
import os
import random
import re
import select
import socket
import threading
import time
import unittest
import uuid

from tests.api import harness as h
from tests.api.fixtures import Process

STATUS_RE = re.compile(rb"^HTTP/1\.[01] (\d{3})")
ALL_STATUS_RE = re.compile(rb"HTTP/1\.[01] (\d{3}) ")
METRIC_500_RE = re.compile(r'^oihwatch_http_requests_total\{([^}]*status="500"[^}]*)\}\s+(\S+)$',
                           re.M)
MIB = h.MIB
SHORT_BODY = 4096  # an error answer to a long string must stay under this many bytes


# --------------------------------------------------------------------------- raw HTTP


class RawReply:
    """What a raw exchange produced: the bytes read, the first final status (None when the
    server sent nothing), whether the server closed the connection, and how long it took."""

    def __init__(self, data, closed, elapsed, error=None):
        self.data = data
        self.closed = closed
        self.elapsed = elapsed
        self.error = error
        self.statuses = [int(s) for s in ALL_STATUS_RE.findall(data)]
        finals = [s for s in self.statuses if s >= 200]
        m = STATUS_RE.match(data)
        self.status = finals[0] if finals else (int(m.group(1)) if m else None)

    def header(self, name):
        head = self.data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        for line in head.split("\r\n")[1:]:
            k, _, v = line.partition(":")
            if k.strip().lower() == name.lower():
                return v.strip()
        return None

    def __repr__(self):
        d = self.data if len(self.data) < 400 else self.data[:400] + b"..."
        return (f"<raw status={self.status} closed={self.closed} elapsed={self.elapsed:.2f}s "
                f"error={self.error!r} {d!r}>")


def exchange(port, data, timeout=5.0):
    """Sends data on a new connection, then reads until the server closes it or timeout
    seconds pass. A reset or a refused write counts as closed."""
    t0 = time.monotonic()
    out = b""
    closed = False
    error = None
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    except OSError as e:
        return RawReply(b"", True, time.monotonic() - t0, e)
    try:
        try:
            s.sendall(data)
        except OSError as e:  # the server answered early and closed
            error = e
        deadline = t0 + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            s.settimeout(left)
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except OSError as e:
                error = error or e
                closed = True
                break
            if not chunk:
                closed = True
                break
            out += chunk
    finally:
        s.close()
    return RawReply(out, closed, time.monotonic() - t0, error)


def exchange_all(port, requests, timeout):
    """exchange() for several requests at once (threads); results in order."""
    results = [None] * len(requests)

    def run(i, data):
        results[i] = exchange(port, data, timeout)

    threads = [threading.Thread(target=run, args=(i, d)) for i, d in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout + 10)
    return results


def http_request(method, path, headers=(), body=b"", version=b"HTTP/1.1", host=True,
                 close=True):
    """The bytes of one request; headers is a list of (name, value) bytes or str."""
    lines = [method.encode() if isinstance(method, str) else method]
    lines[0] += b" " + (path.encode() if isinstance(path, str) else path) + b" " + version
    if host:
        lines.append(b"Host: 127.0.0.1")
    if close:
        lines.append(b"Connection: close")
    for k, v in headers:
        k = k.encode() if isinstance(k, str) else k
        v = v.encode() if isinstance(v, str) else v
        lines.append(k + b": " + v)
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def chunked_body(body, chunk=256):
    out = b""
    for i in range(0, len(body), chunk):
        part = body[i:i + chunk]
        out += f"{len(part):X}\r\n".encode() + part + b"\r\n"
    return out + b"0\r\n\r\n"


def auth(token):
    return ("Authorization", f"Bearer {token}")


def json_body(size, head=b'{"timezone": "UTC"', tail=b"}"):
    """A valid POST /v1/patients body of exactly size bytes (whitespace padding)."""
    pad = size - len(head) - len(tail)
    assert pad >= 0
    return head + b" " * pad + tail


def metrics_500(text):
    """{labels: value} of every request counter series with status="500"."""
    return {labels: float(value) for labels, value in METRIC_500_RE.findall(text)}


def closed_now(sock):
    """True when the server has closed sock (EOF or reset), without blocking."""
    r, _, _ = select.select([sock], [], [], 0)
    if not r:
        return False
    try:
        return sock.recv(4096) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


# --------------------------------------------------------------------------- base


class HostileCase(h.ApiTestCase):
    """Shared-server cases. A dedicated clinician token is used for the hostile requests and
    another for the health probe, so the per-token rate limit of one cannot hide the other."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tok = h.new_clinician()["token"]
        cls.probe = h.new_clinician()["token"]
        cls.pid = h.new_patient(token=cls.tok)["id"]
        cls.port = h.server().port

    def assertHealthy(self, what=""):
        proc = h.server().proc
        self.assertIsNone(proc.poll(), f"server exited ({proc.returncode}) after {what}; log:\n"
                          + h.server().log_tail())
        r = h.request("GET", "/healthz", timeout=10)
        self.assertEqual(r.status, 200, f"/healthz after {what}: {r!r}")
        r = h.request("GET", "/v1/me", token=self.probe, timeout=10)
        self.assertEqual(r.status, 200, f"GET /v1/me after {what}: {r!r}")

    def post(self, path, body, token=None, **kw):
        return h.request("POST", path, body, token=token or self.tok, **kw)

    def pain_path(self, pid=None):
        return f"/v1/patients/{pid or self.pid}/pain-entries"

    def dose_path(self, pid=None):
        return f"/v1/patients/{pid or self.pid}/dose-entries"


class PrivateServer:
    """A fixtures.Process started once per class, with its own admin token."""

    def __init__(self, **env):
        env.setdefault("OIHWATCH_RISK_WORKER", 0)
        self.proc = Process(h.server().env()["DATABASE_URL"], **env)
        try:
            self.proc.start()
            self.port = self.proc.port
            self.token = self.proc.admin_token()
        except BaseException:
            if self.proc.proc is not None:
                self.proc.stop()
            raise

    def healthy(self, test, what, retries=20):
        """/healthz 200 and GET /v1/me 200; retried briefly because the server notices
        closed client connections (and frees per-IP slots) asynchronously."""
        last = None
        for _ in range(retries):
            alive = self.proc.proc.poll() is None
            test.assertTrue(alive, f"private server exited after {what}:\n"
                            + self.proc.log_text()[-3000:])
            try:
                a = self.proc.call("GET", "/healthz", timeout=5)
                b = self.proc.call("GET", "/v1/me", token=self.token, timeout=5)
                if a.status == 200 and b.status == 200:
                    return
                last = (a, b)
            except OSError as e:
                last = e
            time.sleep(0.1)
        test.fail(f"private server unhealthy after {what}: {last!r}")

    def stop(self):
        rc = self.proc.stop()
        if rc != 0:
            raise AssertionError(f"private server exit code {rc} after SIGTERM; log tail:\n"
                                 + self.proc.log_text()[-3000:])


# --------------------------------------------------------------------------- starvation


class SlowClientBase(unittest.TestCase):
    """Helpers for clients that connect and then trickle, against a private server with
    OIHWATCH_CONN_TIMEOUT=2 (README: "seconds an idle or slow connection may stay open")."""

    TIMEOUT = 2
    SLACK = 2
    ENV = {}

    @classmethod
    def setUpClass(cls):
        cls.srv = PrivateServer(OIHWATCH_THREADS=2, OIHWATCH_CONN_TIMEOUT=cls.TIMEOUT, **cls.ENV)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def normal_request(self):
        t = time.monotonic()
        try:
            r = self.srv.proc.call("GET", "/v1/me", token=self.srv.token, timeout=5)
            return r.status, time.monotonic() - t
        except OSError as e:
            return repr(e), time.monotonic() - t

    def watch(self, sockets, feed, seconds, fed=None, probe=True):
        """Runs for seconds: every second feed(sock) on the still-open sockets whose index is
        in fed (default: all), twice a second (when probe) a normal request. Returns (close
        time in seconds by socket index, [(status, seconds)] of the normal requests)."""
        t0 = time.monotonic()
        closed_at = {}
        normal = []
        next_feed = t0 + 1
        next_req = t0 + 0.2
        while time.monotonic() - t0 < seconds:
            now = time.monotonic()
            for i, s in enumerate(sockets):
                if i not in closed_at and closed_now(s):
                    closed_at[i] = now - t0
            if feed and now >= next_feed:
                next_feed += 1
                for i, s in enumerate(sockets):
                    if i not in closed_at and (fed is None or i in fed):
                        try:
                            feed(s)
                        except OSError:
                            closed_at[i] = time.monotonic() - t0
            if probe and now >= next_req:
                next_req += 0.5
                normal.append(self.normal_request())
            time.sleep(0.05)
        return closed_at, normal

    def open_sockets(self, n, first_bytes=b""):
        out = []
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=5)
            if first_bytes:
                s.sendall(first_bytes)
            s.setblocking(False)
            out.append(s)
        return out

    def check_normal(self, normal, what):
        slow = [(st, round(dt, 3)) for st, dt in normal if st != 200 or dt >= 1.0]
        self.assertTrue(normal, "no normal request was made")
        self.assertEqual(slow, [], f"normal GET /v1/me requests (status, seconds) that failed "
                         f"or took >= 1 s while {what} were open")


class StarvationTest(SlowClientBase):
    """OIHWATCH_THREADS=2: idle, slow-header and slow-body clients must not keep the workers
    from serving others, and must be cut off after the timeout."""

    def test_idle_and_slowloris_connections(self):
        idle = self.open_sockets(50)
        # slowloris: a request line, then one header byte per second, never finishing
        slow = self.open_sockets(10, b"GET /v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        n_idle = len(idle)
        try:
            closed_at, normal = self.watch(idle + slow, lambda s: s.send(b"a"),
                                           self.TIMEOUT + self.SLACK + 1.5,
                                           fed=set(range(n_idle, n_idle + len(slow))))
        finally:
            for s in idle + slow:
                s.close()
        limit = self.TIMEOUT + self.SLACK
        with self.subTest("workers still answer others quickly"):
            self.check_normal(normal, "50 idle and 10 slowloris connections")
        with self.subTest("idle connections closed after the timeout"):
            late = [i for i in range(n_idle) if closed_at.get(i, 1e9) > limit]
            self.assertEqual(late, [], f"idle connections still open {limit} s after "
                             f"OIHWATCH_CONN_TIMEOUT={self.TIMEOUT}; close times {closed_at}")
        self.srv.healthy(self, "idle and slowloris connections")

    # KNOWN LIMITATION of libmicrohttpd 0.9.75: its timeout counts only silence, and headers
    # never reach the application until complete, so a header trickle keeps its connection.
    # Mitigations: OIHWATCH_PER_IP_CONNECTIONS, and an ingress with header timeouts
    # (deploy/README.md). Marked so that a library that fixes it turns this red.
    @unittest.expectedFailure
    def test_slowloris_connections_are_closed_after_the_timeout(self):
        slow = self.open_sockets(10, b"GET /v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        try:
            closed_at, _ = self.watch(slow, lambda s: s.send(b"a"),
                                      self.TIMEOUT + self.SLACK + 1.5, fed=set(range(len(slow))))
        finally:
            for s in slow:
                s.close()
        limit = self.TIMEOUT + self.SLACK
        self.assertEqual([i for i in range(len(slow)) if closed_at.get(i, 1e9) > limit], [])

    def test_slow_uploads(self):
        # unauthenticated POSTs that declare a body and send one byte of it per second
        head = http_request("POST", "/v1/patients", [("Content-Type", "application/json"),
                                                      ("Content-Length", "100000")],
                            close=False) + b"{"
        slow = self.open_sockets(260, head)
        try:
            closed_at, normal = self.watch(slow, lambda s: s.send(b" "),
                                           self.TIMEOUT + self.SLACK + 1.5)
            healthz = self.srv.proc.call("GET", "/healthz", timeout=5)
        finally:
            for s in slow:
                s.close()
        with self.subTest("authenticated requests still served"):
            # an upload in progress counts as a request in flight; past OIHWATCH_MAX_INFLIGHT
            # (default 256) every /v1 request is shed with 503, and a trickle is never timed out
            self.check_normal(normal, "260 unauthenticated slow uploads")
        with self.subTest("/healthz still served"):
            self.assertEqual(healthz.status, 200, healthz)
        with self.subTest("slow uploads closed after the timeout"):
            limit = self.TIMEOUT + self.SLACK
            still = [i for i in range(len(slow)) if closed_at.get(i, 1e9) > limit]
            self.assertEqual(len(still), 0, f"{len(still)} of {len(slow)} slow uploads (one "
                             f"body byte per second) still open {limit} s after "
                             f"OIHWATCH_CONN_TIMEOUT={self.TIMEOUT}")
        self.srv.healthy(self, "slow uploads")


class SlotExhaustionTest(SlowClientBase):
    """OIHWATCH_MAX_CONNECTIONS=8: eight slowloris clients must not lock everybody else out
    for longer than the connection timeout."""

    ENV = {"OIHWATCH_MAX_CONNECTIONS": 8}

    # KNOWN LIMITATION of libmicrohttpd 0.9.75 (header trickles are never timed out); see
    # StarvationTest's expected failure and deploy/README.md for the mitigations.
    @unittest.expectedFailure
    def test_slowloris_cannot_hold_every_connection_slot(self):
        slow = self.open_sockets(8, b"GET /v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        stop = threading.Event()

        def trickle():  # one header byte per second on each, until stopped
            while not stop.wait(1.0):
                for s in slow:
                    try:
                        s.send(b"a")
                    except OSError:
                        pass

        feeder = threading.Thread(target=trickle, daemon=True)
        feeder.start()
        try:
            time.sleep(self.TIMEOUT + self.SLACK)
            # still trickling: by now the server must have dropped them and accept others
            r = exchange(self.srv.port, http_request("GET", "/healthz"), timeout=1.5)
        finally:
            stop.set()
            feeder.join(5)
            for s in slow:
                s.close()
        self.assertEqual(r.status, 200,
                         f"with 8 slowloris connections open (one header byte per second) for "
                         f"{self.TIMEOUT + self.SLACK} s, OIHWATCH_MAX_CONNECTIONS=8 and "
                         f"OIHWATCH_CONN_TIMEOUT={self.TIMEOUT}, a new client is not served: "
                         f"{r!r}")
        self.srv.healthy(self, "slowloris at the connection limit")


# --------------------------------------------------------------------------- limits


class LimitsTest(unittest.TestCase):
    """OIHWATCH_PER_IP_CONNECTIONS=4 and OIHWATCH_MAX_BODY_BYTES=1024 on a private server.
    Every request here uses Connection: close so that the per-IP count stays low."""

    LIMIT = 1024

    @classmethod
    def setUpClass(cls):
        cls.srv = PrivateServer(OIHWATCH_PER_IP_CONNECTIONS=4,
                                OIHWATCH_MAX_BODY_BYTES=cls.LIMIT, OIHWATCH_CONN_TIMEOUT=5)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_fifth_connection_from_one_address_refused(self):
        conns = []
        try:
            for i in range(4):  # four live keep-alive connections, each served once
                s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=5)
                conns.append(s)
                s.sendall(http_request("GET", "/healthz", close=False))
                data = s.recv(4096)
                self.assertTrue(data.startswith(b"HTTP/1.1 200"), f"connection {i}: {data!r}")
            r = exchange(self.srv.port, http_request("GET", "/healthz"), timeout=3)
            self.assertTrue(r.closed and r.status is None,
                            f"the 5th concurrent connection from 127.0.0.1 must be refused or "
                            f"closed without an answer: {r!r}")
        finally:
            for s in conns:
                s.close()
        self.srv.healthy(self, "the per-IP limit")

    def post_patients(self, body, chunked=False, token=True):
        hdrs = [("Content-Type", "application/json")]
        if token:
            hdrs.append(auth(self.srv.token))
        if chunked:
            hdrs.append(("Transfer-Encoding", "chunked"))
            payload = chunked_body(body)
        else:
            hdrs.append(("Content-Length", str(len(body))))
            payload = body
        return exchange(self.srv.port, http_request("POST", "/v1/patients", hdrs, payload),
                        timeout=10)

    def test_body_exactly_limit_and_one_over(self):
        cases = [
            ("declared, exactly the limit", json_body(self.LIMIT), False, 201),
            ("declared, one byte over", json_body(self.LIMIT + 1), False, 413),
            ("chunked, exactly the limit", json_body(self.LIMIT), True, 201),
            ("chunked, one byte over", json_body(self.LIMIT + 1), True, 413),
            ("chunked, 200 KB over", json_body(200 * 1024), True, 413),
            ("declared, 1 MiB over, no token", json_body(MIB), False, 413),
        ]
        for name, body, chunked, want in cases:
            with self.subTest(name):
                r = self.post_patients(body, chunked, token="no token" not in name)
                self.assertEqual(r.status, want, r)
                if want == 413:
                    self.assertIn(b"application/problem+json", r.data, r)
                self.srv.healthy(self, name)


# --------------------------------------------------------------------------- URL, headers


class OversizeTest(HostileCase):
    def test_oversized_url(self):
        cases = {
            "200 KB path": "/v1/" + "a" * 200_000,
            "200 KB query value": "/v1/patients?external_ref=" + "a" * 200_000,
            "200 KB of query parameters": "/v1/patients?" + "a=1&" * 50_000,
        }
        for name, path in cases.items():
            with self.subTest(name):
                r = exchange(self.port, http_request("GET", path, [auth(self.tok)]))
                self.assertEqual(r.status, 414, r)
                self.assertHealthy(name)

    def test_oversized_headers(self):
        cases = {
            "one 200 KB header": [("X-Big", "a" * 200_000)],
            "20,000 headers": [(f"X-H{i}", "v") for i in range(20_000)],
            "100 KB cookie": [("Cookie", "a=" + "b" * 100_000)],
        }
        for name, hdrs in cases.items():
            with self.subTest(name):
                r = exchange(self.port, http_request("GET", "/v1/me", [auth(self.tok)] + hdrs))
                self.assertEqual(r.status, 431, r)
                self.assertHealthy(name)

    def test_headers_near_the_memory_limit_get_an_answer(self):
        # Between "fits" (200) and "too big" (431) there must be no size that gets nothing.
        silent = []
        for size in range(64_700, 65_400, 25):
            r = exchange(self.port, http_request("GET", "/healthz", [("X-Pad", "a" * size)]),
                         timeout=5)
            if r.status not in (200, 431):
                silent.append((size, r.status, r.closed, round(r.elapsed, 2)))
        self.assertEqual(silent, [], "X-Pad header sizes answered with neither 200 nor 431 "
                         "(size, status, closed, seconds): the connection was dropped without a "
                         "response")
        self.assertHealthy("headers near the memory limit")

    def test_many_query_parameters_answered_promptly(self):
        # libmicrohttpd hangs, without an answer, on a URL whose parameters outgrow its
        # connection pool (2,000 "a=1&" in 8 KB did it): every count must get an answer,
        # not wait out OIHWATCH_CONN_TIMEOUT (30 s by default) and then a close
        for n in (256, 257, 1000, 2000, 5000, 20000):
            with self.subTest(parameters=n):
                path = "/v1/patients?" + "&".join(["a=1"] * n)
                r = exchange(self.port, http_request("GET", path, [auth(self.tok)]), timeout=3)
                if n <= 256:
                    self.assertEqual(r.status, 200, r)
                    continue
                self.assertEqual(r.status, 414, r)
                body = json.loads(r.data.split(b"\r\n\r\n", 1)[1])
                self.assertEqual(body["status"], 414)
                self.assertEqual(r.header("Content-Type"), "application/problem+json")
                self.assertTrue(r.closed, r)
        self.assertHealthy("many query parameters")


# --------------------------------------------------------------------------- JSON


class JsonTest(HostileCase):
    def test_deep_nesting(self):
        cases = {
            "100,000 [": b"[" * 100_000,
            "100,000 [ closed": b"[" * 100_000 + b"]" * 100_000,
            "object 5,000 deep": b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
            "entries nested 5,000 deep": b'{"entries":[' + b"[" * 5_000 + b"]" * 5_000 + b"]}",
        }
        for name, body in cases.items():
            for path in (self.pain_path(), "/v1/patients"):
                with self.subTest(name, path=path):
                    r = self.post(path, body)
                    self.assertProblem(r, 400)
                    self.assertLess(len(r.raw), SHORT_BODY, r)
                    self.assertHealthy(name)

    def test_invalid_utf8_and_nul(self):
        head = b'{"recorded_at": "2026-03-01T12:00:00Z", "score": 5, '
        cases = {
            "invalid UTF-8 in a string": head + b'"note": "ab\xff\xfe"}',
            "invalid UTF-8 in a key": head + b'"\xc3\x28": 1}',
            "truncated sequence": head + b'"note": "\xe2\x82"}',
            "overlong encoding of /": head + b'"note": "\xc0\xaf"}',
            "overlong NUL": head + b'"note": "\xc0\x80"}',
            "UTF-8 encoded surrogate": head + b'"note": "\xed\xa0\x80"}',
            "code point above U+10FFFF": head + b'"note": "\xf4\x90\x80\x80"}',
            "lone surrogate escape": head + b'"note": "\\ud800"}',
            "lone low surrogate escape": head + b'"note": "\\udc00"}',
            "lone surrogate in a key": head + b'"\\ud800": 1}',
            "raw NUL in a string": head + b'"note": "a\x00b"}',
            "escaped NUL in a string": head + b'"note": "a\\u0000b"}',
            "escaped NUL in a key": head + b'"a\\u0000b": 1}',
            "UTF-16 body": '{"score": 5}'.encode("utf-16"),
        }
        for name, body in cases.items():
            with self.subTest(name):
                r = self.post(self.pain_path(), body)
                self.assertProblem(r, 400)
                self.assertHealthy(name)
        r = self.api("GET", self.pain_path(), token=self.tok)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["entries"], [], "nothing may be stored")

    def test_invalid_utf8_in_query_and_headers(self):
        base = self.pain_path()
        cases = [
            ("cursor=%ff%fe", f"{base}?cursor=%ff%fe", 400),
            ("from=%ff", f"{base}?from=%ff", 400),
            ("limit=%ff", f"{base}?limit=%ff", 400),
            ("risk level=%ff", "/v1/risk?level=%ff%fe", 400),
            ("trend from=%c0%af", f"/v1/patients/{self.pid}/trend?from=%c0%af", 400),
            ("external_ref=%ff%fe", "/v1/patients?external_ref=%ff%fe", 400),
            ("external_ref=%ed%a0%80", "/v1/patients?external_ref=%ed%a0%80", 400),
            ("patient id %ff%fe in the path", "/v1/patients/%ff%fe", 404),
        ]
        for name, path, want in cases:
            with self.subTest(name):
                r = exchange(self.port, http_request("GET", path, [auth(self.tok)]))
                self.assertEqual(r.status, want, r)
                self.assertTrue(h.UUID_RE.match(r.header("X-Request-Id") or ""), r)
                self.assertHealthy(name)
        for name, value in [("invalid UTF-8", b"req-\xff\xfe"), ("overlong", b"\xc0\xaf"),
                            ("NUL-free control bytes", b"a\x01\x02b"),
                            ("UTF-8 text", "rüf-1".encode())]:
            with self.subTest(f"X-Request-Id {name}"):
                r = exchange(self.port, http_request("GET", "/v1/me", [auth(self.tok),
                                                                       (b"X-Request-Id", value)]))
                self.assertEqual(r.status, 200, r)
                self.assertTrue(h.UUID_RE.match(r.header("X-Request-Id") or ""),
                                f"a generated request id must replace {value!r}: {r!r}")
        with self.subTest("invalid UTF-8 bearer token"):
            r = exchange(self.port, http_request("GET", "/v1/me", [
                ("Authorization", b"Bearer oiw_\xff\xfe")]))
            self.assertEqual(r.status, 401, r)
        self.assertHealthy("invalid UTF-8 in queries and headers")


# --------------------------------------------------------------------------- numbers


class NumbersTest(HostileCase):
    def test_numeric_overflow(self):
        pain = b'{"recorded_at": "2026-03-01T12:00:00Z", "score": %s}'
        dose = (b'{"taken_at": "2026-03-01T12:00:00Z", "medication": "oxycodone", '
                b'"unit": "mg", "route": "oral", "dose": %s}')
        cases = [
            ("score 1e400", self.pain_path(), pain % b"1e400", 400),
            ("score -1e400", self.pain_path(), pain % b"-1e400", 400),
            ("score 99999999999999999999999", self.pain_path(), pain % b"99999999999999999999999",
             400),
            ("score -9223372036854775809", self.pain_path(), pain % b"-9223372036854775809", 400),
            ("score 9223372036854775808", self.pain_path(), pain % b"9223372036854775808", 400),
            ("score 9223372036854775807", self.pain_path(), pain % b"9223372036854775807", 422),
            ("score 1e-400", self.pain_path(), pain % b"1e-400", 422),
            ("score 5.0000000000000000001", self.pain_path(), pain % b"5.0000000000000000001",
             422),
            ("score NaN", self.pain_path(), pain % b"NaN", 400),
            ("score Infinity", self.pain_path(), pain % b"Infinity", 400),
            ("dose 1e308", self.dose_path(), dose % b"1e308", 422),
            ("dose 1.7976931348623157e308", self.dose_path(), dose % b"1.7976931348623157e308",
             422),
            ("dose 1e400", self.dose_path(), dose % b"1e400", 400),
            ("dose -1e308", self.dose_path(), dose % b"-1e308", 422),
            ("dose 99999999999999999999999", self.dose_path(), dose % b"99999999999999999999999",
             400),
        ]
        for name, path, body, want in cases:
            with self.subTest(name):
                r = self.post(path, body)
                self.assertProblem(r, want)
                if want == 422:
                    ptr = "/score" if "score" in name else "/dose"
                    self.assertIn(ptr, self.pointers(r), r)
                self.assertHealthy(name)

    def test_limit_overflow(self):
        for path in (f"{self.pain_path()}?limit=99999999999999999999",
                     f"{self.dose_path()}?limit=-99999999999999999999",
                     "/v1/patients?limit=99999999999999999999",
                     "/v1/risk?limit=18446744073709551617",
                     f"/v1/patients/{self.pid}/risk?window_days=99999999999999999999",
                     f"{self.pain_path()}?limit=1e3", f"{self.pain_path()}?limit=0x10",
                     f"{self.pain_path()}?limit=%2B5", f"{self.pain_path()}?limit=5%205"):
            with self.subTest(path=path[-40:]):
                r = self.api("GET", path, token=self.tok)
                self.assertProblem(r, 400)
                self.assertHealthy(path)

    def test_denormal_duration_hours(self):
        # 1e-320 is a denormal double; the database turns 1e-320 hours into a zero interval
        # that trend and risk then divide by. The patient is erased afterwards: a stored row
        # like this also breaks later migrations that aggregate dose_entries.
        pid = h.new_patient(token=self.tok)["id"]
        self.addCleanup(h.request, "DELETE", f"/v1/patients/{pid}", token=h.admin_token())
        taken = h.ts(h.now_utc().replace(microsecond=0) - h._dt.timedelta(hours=1))
        cases = [
            ("oral", b"1e-320", {"medication": "oxycodone", "route": "oral", "unit": "mg",
                                 "dose": 10}),
            ("transdermal", b"1e-320", {"medication": "fentanyl", "route": "transdermal",
                                        "unit": "mcg/h", "dose": 25}),
            # not denormal, but still under half a microsecond: a zero interval as well
            ("oral", b"1e-11", {"medication": "oxycodone", "route": "oral", "unit": "mg",
                                "dose": 10}),
        ]
        for name, duration, fields in cases:
            body = b'{"taken_at": "%s", "duration_hours": %s, %s}' % (
                taken.encode(), duration, json.dumps(fields)[1:-1].encode())
            with self.subTest(f"{name} dose with duration_hours {duration.decode()}"):
                r = self.post(self.dose_path(pid), body)
                # api.md allows any duration > 0: a sub-second one counts as an instant dose
                # (sql/004_daily_rollup.sql); a refusal must name the field
                if r.status not in (200, 201):
                    self.assertProblem(r, 422, ["/duration_hours"])
        for what in ("trend", "risk"):
            with self.subTest(f"{what} of the patient still answers"):
                r = self.api("GET", f"/v1/patients/{pid}/{what}", token=self.tok)
                self.assertEqual(r.status, 200, f"GET {what} after the denormal doses: {r!r}")
        self.assertHealthy("denormal durations")


# --------------------------------------------------------------------------- dates


class DatesTest(HostileCase):
    BAD = ["2026-02-30T10:00:00Z", "2026-02-29T10:00:00Z", "2026-13-01T10:00:00Z",
           "2026-00-10T10:00:00Z", "2026-03-00T10:00:00Z", "2026-03-32T10:00:00Z",
           "2026-03-01T24:00:00Z", "2026-03-01T23:60:00Z", "2016-12-31T23:59:60Z",
           "2026-03-01T10:00:00+24:00", "2026-03-01T10:00:00-00:60", "2026-03-01T10:00:00+2400",
           "2026-03-01T10:00:00.Z", "2026-03-01T10:00:00.1234567890Z", "2026-03-01T10:00:00",
           "+2026-03-01T10:00:00Z", "2026-3-1T10:00:00Z", "２０２６-03-01T10:00:00Z",
           "2026-03-01 10:00:00Z x", "2026-03-01T10:00:00Z\n"]

    def test_impossible_recorded_at(self):
        for ts in self.BAD:
            with self.subTest(recorded_at=ts):
                r = self.post(self.pain_path(), {"recorded_at": ts, "score": 5})
                self.assertProblem(r, 422, ["/recorded_at"], exact=True)
        for ts in self.BAD[:10]:
            with self.subTest(taken_at=ts):
                r = self.post(self.dose_path(), {"taken_at": ts, "medication": "oxycodone",
                                                 "dose": 5, "unit": "mg", "route": "oral"})
                self.assertProblem(r, 422, ["/taken_at"], exact=True)
        self.assertHealthy("impossible dates")

    def test_impossible_query_dates(self):
        base = f"/v1/patients/{self.pid}"
        cases = [
            ("trend", "from=2026-02-30", "from"), ("trend", "to=2026-02-30", "to"),
            ("trend", "from=2026-13-01", "from"), ("trend", "from=2026-02-29", "from"),
            ("trend", "from=99999-01-01", "from"), ("trend", "from=-001-01-01", "from"),
            ("risk", "as_of=2026-02-30T00:00:00Z", "as_of"),
            ("risk", "as_of=2026-03-01T24:00:00Z", "as_of"),
            ("risk", "as_of=2016-12-31T23:59:60Z", "as_of"),
            ("pain-entries", "from=2026-02-30T00:00:00Z", "from"),
            ("dose-entries", "to=2026-03-01T23:60:00Z", "to"),
        ]
        for what, query, param in cases:
            with self.subTest(f"{what}?{query}"):
                r = self.api("GET", f"{base}/{what}?{query}", token=self.tok)
                self.assertProblem(r, 400)
                self.assertIn(param, [e.get("parameter") for e in r.body.get("errors", [])], r)
        self.assertHealthy("impossible query dates")


# --------------------------------------------------------------------------- long strings


class LongStringsTest(HostileCase):
    SIZE = MIB - 100  # total body size: just under the default 1 MiB limit

    def fill(self, template):
        """template holds one %s; returns the body of exactly SIZE bytes with "x"s there."""
        n = self.SIZE - (len(template) - 2)
        return template % (b"x" * n), b"x" * 200

    def check_short(self, r, needle):
        self.assertLess(len(r.raw), SHORT_BODY, f"error body of {len(r.raw)} bytes")
        self.assertNotIn(needle, r.raw, "the error echoes the long string")

    def test_long_strings_rejected_with_short_errors(self):
        ts = b'"2026-03-01T12:00:00Z"'
        cases = [
            ("note", self.pain_path(), b'{"recorded_at": ' + ts + b', "score": 5, "note": "%s"}',
             "/note"),
            ("location token", self.pain_path(),
             b'{"recorded_at": ' + ts + b', "score": 5, "locations": ["%s"]}', "/locations/0"),
            ("quality word", self.pain_path(),
             b'{"recorded_at": ' + ts + b', "score": 5, "qualities": ["%s"]}', "/qualities/0"),
            ("recorded_at", self.pain_path(), b'{"recorded_at": "%s", "score": 5}',
             "/recorded_at"),
            ("entry id", self.pain_path(), b'{"id": "%s", "recorded_at": ' + ts + b', "score": 5}',
             "/id"),
            ("medication key", self.dose_path(),
             b'{"taken_at": ' + ts + b', "medication": "%s", "dose": 1, "unit": "mg", '
             b'"route": "oral"}', "/medication"),
            ("route", self.dose_path(),
             b'{"taken_at": ' + ts + b', "medication": "oxycodone", "dose": 1, "unit": "mg", '
             b'"route": "%s"}', "/route"),
            ("unit", self.dose_path(),
             b'{"taken_at": ' + ts + b', "medication": "oxycodone", "dose": 1, "unit": "%s", '
             b'"route": "oral"}', "/unit"),
            ("external_ref", "/v1/patients", b'{"external_ref": "%s"}', "/external_ref"),
            ("timezone", "/v1/patients", b'{"timezone": "%s"}', "/timezone"),
            ("token name", "/v1/tokens", b'{"role": "clinician", "name": "%s"}', "/name"),
            ("token role", "/v1/tokens", b'{"role": "%s"}', "/role"),
        ]
        for name, path, template, pointer in cases:
            with self.subTest(name):
                body, needle = self.fill(template)
                self.assertEqual(len(body), self.SIZE)
                token = h.admin_token() if path == "/v1/tokens" else self.tok
                r = self.post(path, body, token=token)
                self.assertProblem(r, 422, [pointer])
                self.check_short(r, needle)
                self.assertHealthy(name)

    def test_long_unknown_field_names(self):
        ts = '"2026-03-01T12:00:00Z"'
        cases = {
            "100 KB ASCII key": "k" * 100_000,
            "100 KB two-byte key": "é" * 50_000,
            "100 KB four-byte key": "😀" * 25_000,
            "100 KB of / and ~": "/~" * 50_000,
        }
        for name, key in cases.items():
            with self.subTest(name):
                body = ('{"recorded_at": %s, "score": 5, %s: 1}' % (ts, json.dumps(key))).encode()
                r = self.post(self.pain_path(), body)
                self.assertProblem(r, 422)
                ptrs = self.pointers(r)
                self.assertEqual(len(ptrs), 1, r)
                self.assertLess(len(ptrs[0].encode()), 200, "the pointer must be clipped")
                self.check_short(r, key[:200].encode())
                self.assertHealthy(name)

    def test_long_authorization_and_request_id(self):
        with self.subTest("100 KB Authorization"):
            r = exchange(self.port, http_request("GET", "/v1/me",
                                                 [("Authorization", "Bearer " + "a" * 100_000)]))
            self.assertIn(r.status, (401, 431), r)
            self.assertLess(len(r.data), SHORT_BODY, r)
        with self.subTest("50 KB Authorization"):
            r = exchange(self.port, http_request("GET", "/v1/me",
                                                 [("Authorization", "Bearer " + "a" * 50_000)]))
            self.assertEqual(r.status, 401, r)
            self.assertLess(len(r.data), SHORT_BODY, r)
        with self.subTest("10 KB X-Request-Id"):
            r = h.request("GET", "/v1/me", token=self.tok, headers={"X-Request-Id": "r" * 10_000})
            self.assertEqual(r.status, 200, r)
            self.assertRegex(r.headers.get("x-request-id", ""), h.UUID_RE)
        with self.subTest("129-character X-Request-Id"):
            r = h.request("GET", "/v1/me", token=self.tok, headers={"X-Request-Id": "r" * 129})
            self.assertRegex(r.headers.get("x-request-id", ""), h.UUID_RE)
        with self.subTest("128-character X-Request-Id is echoed"):
            r = h.request("GET", "/v1/me", token=self.tok, headers={"X-Request-Id": "r" * 128})
            self.assertEqual(r.headers.get("x-request-id"), "r" * 128)
        self.assertHealthy("long Authorization and X-Request-Id")


# --------------------------------------------------------------------------- protocol


class ProtocolTest(HostileCase):
    def assertSurvived(self, r, what):
        ok = (r.status is None and r.closed) or (r.status is not None and 400 <= r.status < 500)
        self.assertTrue(ok, f"{what}: expected a 4xx or a closed connection, got {r!r}")

    def test_unknown_methods(self):
        cases = [
            ("BREW", "/healthz", (405,)), ("BREW", "/v1/me", (405,)),
            ("BREW", "/v1/nope", (404,)), ("TRACE", "/v1/me", (405,)),
            ("OPTIONS", "*", (404, 405)), ("PATCH", "/v1/patients", (405,)),
            ("get", "/healthz", (404, 405)), ("M" * 5000, "/healthz", (405,)),
            ("CONNECT", "127.0.0.1:80", (400, 404, 405)),
        ]
        for method, path, want in cases:
            with self.subTest(method=method[:20], path=path):
                r = exchange(self.port, http_request(method, path, [auth(self.tok)]))
                self.assertIn(r.status, want, r)
                if r.status == 405:
                    self.assertTrue(r.header("Allow"), f"405 without Allow: {r!r}")
                self.assertHealthy(f"{method[:20]} {path}")

    def test_http10_and_missing_host(self):
        r = exchange(self.port, http_request("GET", "/healthz", version=b"HTTP/1.0", host=False,
                                             close=False))
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.closed, f"HTTP/1.0 without keep-alive must be closed: {r!r}")
        r = exchange(self.port, http_request("GET", "/v1/me", [auth(self.tok)],
                                             version=b"HTTP/1.0", host=False))
        self.assertEqual(r.status, 200, r)
        self.assertHealthy("HTTP/1.0 without Host")

    def test_content_length_and_transfer_encoding_together(self):
        # RFC 9112 6.1: such a request may be processed by Transfer-Encoding, but the server
        # MUST close the connection afterwards (request smuggling). A pipelined request after
        # it must therefore not be answered on the same connection.
        body = b'{"external_ref": null}'
        req = http_request("POST", "/v1/patients", [
            auth(self.tok), ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))), ("Transfer-Encoding", "chunked")],
            chunked_body(body), close=False)
        follow = http_request("GET", "/healthz")
        r = exchange(self.port, req + follow, timeout=5)
        self.assertNotEqual(r.status, 500, r)
        self.assertTrue(r.status is None or r.status < 500, r)
        if r.status is not None and 200 <= r.status < 300:
            self.assertEqual(len([s for s in r.statuses if s >= 200]), 1,
                             f"the connection stayed open after a request with both "
                             f"Content-Length and Transfer-Encoding and served the next "
                             f"request: statuses {r.statuses}")
        self.assertHealthy("Content-Length with Transfer-Encoding")

    def test_conflicting_content_lengths(self):
        # RFC 9112 6.3: differing Content-Length values are an unrecoverable framing error
        r = exchange(self.port, http_request("POST", "/v1/patients", [
            auth(self.tok), ("Content-Type", "application/json"),
            ("Content-Length", "2"), ("Content-Length", "30")], b"{}"), timeout=3)
        self.assertSurvived(r, "two different Content-Length headers")
        self.assertHealthy("conflicting Content-Length")

    # KNOWN LIMITATION of libmicrohttpd 0.9.75: it refuses these itself, with the right
    # status, but writes its header block twice; no application callback runs first.
    @unittest.expectedFailure
    def test_bad_content_length(self):
        for value in ("-1", "abc", "-9223372036854775809", "1e3", "0x10", "+2", "2, 2",
                      "99999999999999999999999"):
            with self.subTest(content_length=value):
                r = exchange(self.port, http_request("POST", "/v1/patients", [
                    auth(self.tok), ("Content-Type", "application/json"),
                    ("Content-Length", value)], b"{}"), timeout=3)
                self.assertSurvived(r, f"Content-Length: {value}")
                self.assertLessEqual(len(r.statuses), 1,
                                     f"the response carries {len(r.statuses)} status lines "
                                     f"(the header block is sent twice): {r!r}")
                self.assertHealthy(f"Content-Length: {value}")

    def test_unparseable_requests(self):
        # Junk must never get a 2xx or a 5xx. A 4xx or a close is the expected answer; a
        # connection on which the HTTP layer is still waiting for the end of a request line
        # (no bytes sent back) is left to the idle timeout, which StarvationTest covers.
        cases = {
            "binary garbage": b"\x00\x01\x02garbage\xff\xfe\r\n\r\n",
            "no request line": b"HELLO\r\n\r\n",
            "method only": b"GET\r\n\r\n",
            "HTTP/0.9": b"GET /healthz\r\n\r\n",
            "empty path": b"GET  HTTP/1.1\r\nHost: x\r\n\r\n",
            "header without colon": b"GET /healthz HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n",
            "TLS hello on plain HTTP": bytes.fromhex("16030100a5010000a10303") + os.urandom(64),
            "bad chunk size": http_request("POST", "/v1/patients", [
                auth(self.tok), ("Content-Type", "application/json"),
                ("Transfer-Encoding", "chunked")], b"zz\r\n{}\r\n0\r\n\r\n"),
            "chunk size overflow": http_request("POST", "/v1/patients", [
                auth(self.tok), ("Content-Type", "application/json"),
                ("Transfer-Encoding", "chunked")], b"FFFFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n"),
            "1 MiB request line": b"GET /" + b"a" * MIB + b" HTTP/1.1\r\n\r\n",
        }
        names = list(cases)
        results = exchange_all(self.port, [cases[n] for n in names], timeout=2)
        for name, r in zip(names, results):
            with self.subTest(name):
                waiting = r.status is None and not r.data
                if not waiting:
                    self.assertSurvived(r, name)
        self.assertHealthy("unparseable requests")

    def test_unsupported_framing_answered_promptly(self):
        # requests libmicrohttpd cannot frame must get an answer (or a close) at once, not
        # hang until OIHWATCH_CONN_TIMEOUT (30 s by default)
        body = b"{}"
        base = [auth(self.tok), ("Content-Type", "application/json")]
        cases = {
            "Transfer-Encoding: identity": http_request("POST", "/v1/patients", base + [
                ("Transfer-Encoding", "identity"), ("Content-Length", "2")], body),
            "Transfer-Encoding: chunked, chunked": http_request("POST", "/v1/patients", base + [
                ("Transfer-Encoding", "chunked, chunked")], chunked_body(body)),
            "Transfer-Encoding: gzip": http_request("POST", "/v1/patients", base + [
                ("Transfer-Encoding", "gzip")], body),
        }
        names = list(cases)
        results = exchange_all(self.port, [cases[n] for n in names], timeout=3)
        for name, r in zip(names, results):
            with self.subTest(name):
                self.assertTrue(r.closed or r.status is not None,
                                f"no answer and no close within 3 s: {r!r}")
                self.assertTrue(r.status is None or 400 <= r.status < 600 and r.status != 500,
                                r)
        self.assertHealthy("unsupported framing")


# --------------------------------------------------------------------------- burst


def hostile_bodies(rng):
    """(name, content type, body) makers; each returns bytes or a JSON-able object."""
    ts = "2026-03-01T12:00:00Z"
    big = rng.randint(1000, 200_000)
    return [
        ("deep [", lambda: b"[" * big),
        ("deep object", lambda: b'{"a":' * 3000 + b"1" + b"}" * 3000),
        ("random bytes", lambda: bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 4000)))),
        ("truncated", lambda: b'{"recorded_at": "2026-03-01T12:00:00Z", "score": '),
        ("trailing garbage", lambda: b'{"score": 5} garbage'),
        ("invalid UTF-8", lambda: b'{"recorded_at": "' + ts.encode() + b'", "score": 5, '
                                  b'"note": "\xff\xfe\xfd"}'),
        ("NUL escape", lambda: b'{"recorded_at": "' + ts.encode() + b'", "note": "\\u0000"}'),
        ("lone surrogate", lambda: b'{"note": "\\udfff"}'),
        ("huge numbers", lambda: b'{"recorded_at": "%s", "score": 1e999999}' % ts.encode()),
        ("huge integer", lambda: b'{"score": ' + b"9" * rng.randint(20, 5000) + b"}"),
        ("NaN", lambda: b'{"score": NaN, "dose": Infinity}'),
        ("duplicate keys", lambda: b'{"score": 1, "score": 2}'),
        ("wrong types", lambda: {"recorded_at": 5, "score": "5", "locations": "arm",
                                 "qualities": {}, "evoked_by": [1, None], "note": []}),
        ("bad dates", lambda: {"recorded_at": rng.choice(DatesTest.BAD), "score": 5}),
        ("many unknown keys", lambda: {f"k{i}": i for i in range(rng.randint(1, 3000))}),
        ("long key", lambda: {"x" * rng.randint(100, 100_000): 1}),
        ("long note", lambda: {"recorded_at": ts, "score": 5, "note": "n" * 500_000}),
        ("empty batch", lambda: {"entries": []}),
        ("batch of junk", lambda: {"entries": [rng.choice([1, "x", None, [], {}])
                                               for _ in range(rng.randint(1, 1200))]}),
        ("batch of bad entries", lambda: {"entries": [
            {"recorded_at": "x", "score": -1, "locations": ["A"] * 17}
            for _ in range(rng.randint(1, 1000))]}),
        ("non-object", lambda: rng.choice([b"[]", b"1", b'"x"', b"null", b"true", b""])),
        ("dose junk", lambda: {"taken_at": ts, "medication": "x" * 1000, "dose": -0.0,
                               "unit": None, "route": 7, "duration_hours": 1e308}),
    ]


class BurstTest(HostileCase):
    REQUESTS = 200
    CONNECTIONS = 20

    def test_burst_of_hostile_bodies(self):
        rng = random.Random(20261123)
        tokens = [h.new_clinician()["token"] for _ in range(4)]
        pids = [h.new_patient(token=t)["id"] for t in tokens]
        makers = hostile_bodies(rng)
        jobs = []
        for i in range(self.REQUESTS):
            k = i % len(tokens)
            name, make = rng.choice(makers)
            body = make()
            if not isinstance(body, bytes):
                body = h.encode_json(body)
            path = rng.choice([f"/v1/patients/{pids[k]}/pain-entries",
                               f"/v1/patients/{pids[k]}/dose-entries", "/v1/patients",
                               f"/v1/patients/{uuid.uuid4()}/pain-entries",
                               "/v1/patients/%ff/pain-entries"])
            ctype = rng.choice(["application/json"] * 6 + ["text/plain", "application/json; x",
                                                           "application/jsonx"])
            jobs.append((name, path, tokens[k], ctype, body))
        before = metrics_500(h.request("GET", "/metrics").raw.decode())
        results = []
        lock = threading.Lock()

        def worker(my_jobs):
            import http.client
            conn = None
            for name, path, token, ctype, body in my_jobs:
                hdrs = {"Authorization": f"Bearer {token}", "Content-Type": ctype}
                outcome = None
                for attempt in range(2):  # one retry on a fresh connection
                    try:
                        if conn is None:
                            conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                              timeout=30)
                        conn.request("POST", path, body=body, headers=hdrs)
                        resp = conn.getresponse()
                        raw = resp.read()
                        outcome = (resp.status, len(raw))
                        if resp.will_close:
                            conn.close()
                            conn = None
                        break
                    except (OSError, http.client.HTTPException) as e:
                        outcome = repr(e)
                        if conn is not None:
                            conn.close()
                        conn = None
                with lock:
                    results.append((name, path, outcome))
            if conn is not None:
                conn.close()

        threads = [threading.Thread(target=worker, args=(jobs[i::self.CONNECTIONS],))
                   for i in range(self.CONNECTIONS)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        elapsed = time.monotonic() - t0
        self.assertEqual(len(results), self.REQUESTS, "every request finished")
        errors = [r for r in results if not isinstance(r[2], tuple)]
        fives = [r for r in results if isinstance(r[2], tuple) and r[2][0] >= 500
                 and r[2][0] != 503]
        statuses = sorted({r[2][0] for r in results if isinstance(r[2], tuple)})
        self.assertEqual(fives, [], f"5xx answers in the burst (statuses seen {statuses})")
        self.assertEqual(errors, [], "requests without an answer")
        self.assertLess(elapsed, 60, f"the burst took {elapsed:.1f} s")
        self.assertHealthy("the burst")
        after = metrics_500(h.request("GET", "/metrics").raw.decode())
        grown = {k: v for k, v in after.items() if v > before.get(k, 0)}
        self.assertEqual(grown, {}, "status=\"500\" request counters grew during the burst")


if __name__ == "__main__":
    unittest.main()
