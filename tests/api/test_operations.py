"""Operations: database outage and recovery, crashes during write load, graceful SIGTERM,
metrics that move with traffic, log lines free of patient data, a read replica, and TLS.

These tests run their own server processes (and, where the database is stopped or
killed, their own PostgreSQL clusters) through tests/api/fixtures.py.
"""

import json
import re
import signal
import socket
import subprocess
import threading
import time
import unittest
import uuid

from tests.api import harness as h
from tests.api.fixtures import Cluster, Process


def pain(entry_id=None, score=4, note=None):
    body = {"id": entry_id or str(uuid.uuid4()), "recorded_at": h.ts(h.now_utc()), "score": score}
    if note:
        body["note"] = note
    return body


def new_patient(srv, token):
    r = srv.call("POST", "/v1/patients", {}, token)
    assert r.status == 201, r
    return r.body["id"]


def stored_ids(cluster_or_url, ids):
    if not ids:
        return 0
    array = "{" + ",".join(ids) + "}"
    sql = f"SELECT count(*) FROM pain_entries WHERE id = ANY('{array}'::uuid[])"
    if isinstance(cluster_or_url, Cluster):
        return int(cluster_or_url.psql(sql))
    return int(h.psql(sql))


class WriteLoad:
    """Threads posting single pain entries with client ids; records every acknowledged id."""

    def __init__(self, srv, token, patient_id, threads=6):
        self.srv, self.token, self.pid = srv, token, patient_id
        self.acked, self.failed = [], 0
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.threads = [threading.Thread(target=self._run) for _ in range(threads)]

    def _run(self):
        while not self.done.is_set():
            entry = pain()
            try:
                r = self.srv.call("POST", f"/v1/patients/{self.pid}/pain-entries", entry,
                                  self.token, timeout=10)
                ok = r.status in (200, 201)
            except OSError:
                ok = False
            with self.lock:
                if ok:
                    self.acked.append(entry["id"])
                else:
                    self.failed += 1
            if not ok:
                time.sleep(0.05)

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.done.set()
        for t in self.threads:
            t.join(30)


class DatabaseFailureTest(unittest.TestCase):
    def setUp(self):
        self.pg = Cluster()
        self.pg.start()
        self.addCleanup(self.pg.destroy)
        self.srv = Process(self.pg.url, OIHWATCH_RISK_WORKER=0).start()
        self.addCleanup(self.srv.stop)
        self.token = self.srv.admin_token()
        self.pid = new_patient(self.srv, self.token)

    def wait_ready(self, seconds=30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.srv.call("GET", "/readyz").status == 200:
                return
            time.sleep(0.2)
        self.fail("the service did not become ready again after the database came back:\n"
                  + self.srv.log_text()[-3000:])

    def test_outage_answers_503_quickly_and_recovers_without_restart(self):
        entry = pain()
        path = f"/v1/patients/{self.pid}/pain-entries"
        self.assertEqual(self.srv.call("POST", path, entry, self.token).status, 201)
        port = self.pg.port
        self.pg.stop("fast")
        for method, target, body in (("GET", "/v1/me", None), ("GET", path, None),
                                     ("POST", path, pain())):
            started = time.monotonic()
            r = self.srv.call(method, target, body, self.token)
            elapsed = time.monotonic() - started
            self.assertEqual(r.status, 503, (method, target, r))
            self.assertRegex(r.headers.get("retry-after", ""), r"^\d+$")
            self.assertEqual(r.headers.get("content-type"), "application/problem+json")
            self.assertLess(elapsed, 5.0, "a request must not hang while the database is down")
        ready = self.srv.call("GET", "/readyz")
        self.assertEqual(ready.status, 503)
        self.assertIn("retry-after", ready.headers)
        self.assertEqual(self.srv.call("GET", "/healthz").status, 200)
        self.pg.start(port)
        self.wait_ready()
        listed = self.srv.call("GET", path, token=self.token)
        self.assertEqual(listed.status, 200)
        self.assertIn(entry["id"], [e["id"] for e in listed.body["entries"]])
        self.assertEqual(self.srv.call("POST", path, pain(), self.token).status, 201)

    def test_postgres_killed_during_write_load_loses_no_acknowledged_write(self):
        port = self.pg.port
        load = WriteLoad(self.srv, self.token, self.pid).start()
        time.sleep(1.0)
        self.pg.stop("immediate")  # a crash: no shutdown checkpoint
        time.sleep(1.0)
        self.pg.start(port)
        self.wait_ready()
        before_recovery = len(load.acked)
        time.sleep(1.0)
        load.stop()
        self.assertGreater(before_recovery, 10, "the load made no progress before the crash")
        self.assertGreater(len(load.acked), before_recovery, "writes did not resume")
        self.assertEqual(stored_ids(self.pg, load.acked), len(set(load.acked)))


class ServerFailureTest(unittest.TestCase):
    def test_kill_9_during_write_load_loses_no_acknowledged_write(self):
        srv = Process(h.server().env()["DATABASE_URL"], OIHWATCH_RISK_WORKER=0).start()
        self.addCleanup(srv.stop)
        token = srv.admin_token()
        load = WriteLoad(srv, token, new_patient(srv, token)).start()
        time.sleep(1.5)
        srv.proc.send_signal(signal.SIGKILL)
        srv.proc.wait(10)
        load.stop()
        self.assertGreater(len(load.acked), 10)
        self.assertEqual(stored_ids(None, load.acked), len(set(load.acked)))

    def test_sigterm_finishes_requests_in_flight_and_exits_0(self):
        srv = Process(h.server().env()["DATABASE_URL"], OIHWATCH_RISK_WORKER=0,
                      OIHWATCH_DRAIN_TIMEOUT=10).start()
        self.addCleanup(srv.stop)
        token = srv.admin_token()
        pid = new_patient(srv, token)
        batches = []
        for _ in range(3):
            body = json.dumps({"entries": [pain() for _ in range(200)]}).encode()
            sock = socket.create_connection(("127.0.0.1", srv.port), timeout=20)
            head = (f"POST /v1/patients/{pid}/pain-entries HTTP/1.1\r\nHost: t\r\n"
                    f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
            sock.sendall(head + body[: len(body) // 2])
            batches.append((sock, body))
        time.sleep(0.5)  # the server has the headers: these requests are in flight
        srv.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        self.assertIsNone(srv.proc.poll(), "the server quit with requests in flight")
        for sock, body in batches:
            sock.sendall(body[len(body) // 2:])
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
            sock.close()
            self.assertTrue(reply.startswith(b"HTTP/1.1 200"), reply[:200])
            self.assertIn(b'"created":200', reply)
        self.assertEqual(srv.proc.wait(20), 0)
        messages = [line.get("msg") for line in srv.log_lines()]
        self.assertIn("shutting down", messages)
        self.assertIn("stopped", messages)


class MetricsAndLogsTest(h.ApiTestCase):
    @staticmethod
    def counter(route, status, method="GET"):
        text = h.request("GET", "/metrics").body.decode()
        pattern = (r'^oihwatch_http_requests_total\{method="%s",route="%s",status="%s"\} (\d+)$'
                   % (method, re.escape(route), status))
        match = re.search(pattern, text, re.M)
        return int(match.group(1)) if match else 0

    def test_metrics_change_with_traffic(self):
        before = self.counter("/v1/me", 200)
        before_401 = self.counter("/v1/me", 401)
        for _ in range(3):
            self.assertStatus(self.api("GET", "/v1/me"), 200)
        self.assertStatus(h.request("GET", "/v1/me"), 401)
        self.assertEqual(self.counter("/v1/me", 200), before + 3)
        self.assertEqual(self.counter("/v1/me", 401), before_401 + 1)
        text = h.request("GET", "/metrics").body.decode()
        self.assertRegex(text, r'oihwatch_http_request_duration_seconds_count\{method="GET",'
                               r'route="/v1/me",status="200"\} \d+')
        self.assertRegex(text, r'oihwatch_db_pool_connections\{state="size"\} \d+')
        deadline = time.monotonic() + 10  # the worker counts its backlog after each round
        while not re.search(r"^oihwatch_risk_backlog \d+$", text, re.M):
            self.assertLess(time.monotonic(), deadline, "no risk backlog gauge")
            time.sleep(0.2)
            text = h.request("GET", "/metrics").body.decode()

    def test_log_lines_carry_no_note_and_no_token(self):
        srv = Process(h.server().env()["DATABASE_URL"], OIHWATCH_RISK_WORKER=0).start()
        self.addCleanup(srv.stop)
        token = srv.admin_token()
        pid = new_patient(srv, token)
        note = "NOTE-" + uuid.uuid4().hex
        path = f"/v1/patients/{pid}/pain-entries"
        self.assertEqual(srv.call("POST", path, pain(note=note), token).status, 201)
        self.assertEqual(srv.call("POST", path, dict(pain(note=note), score=99), token).status, 422)
        bad = "oiw_" + "0" * 64
        self.assertEqual(srv.call("GET", "/v1/me", token=bad).status, 401)
        self.assertEqual(srv.call("GET", path, token=token).status, 200)
        self.assertEqual(srv.stop(), 0)
        text = srv.log_text()
        for secret in (note, token, bad, pid):
            self.assertNotIn(secret, text)
        requests = [l for l in srv.log_lines() if l.get("msg") == "request"]
        self.assertGreaterEqual(len(requests), 5)
        for line in requests:
            self.assertEqual(set(line) - {"ts", "level", "msg"},
                             {"method", "route", "status", "duration_ms", "request_id"})
        self.assertIn("/v1/patients/{patient_id}/pain-entries", [l["route"] for l in requests])
        self.assertTrue(all("unparsed" not in l for l in srv.log_lines()), "non-JSON log line")


class ReplicaTest(unittest.TestCase):
    def test_reads_go_to_the_replica_and_writes_to_the_primary(self):
        primary = Cluster()
        primary.start()
        self.addCleanup(primary.destroy)
        srv0 = Process(primary.url, OIHWATCH_RISK_WORKER=0)
        self.assertEqual(srv0.cli("migrate").returncode, 0)
        replica = primary.make_replica()
        self.addCleanup(replica.destroy)
        srv = Process(primary.url, DATABASE_READ_URL=replica.url, OIHWATCH_RISK_WORKER=0).start()
        self.addCleanup(srv.stop)
        token = srv.admin_token()
        pid = new_patient(srv, token)
        path = f"/v1/patients/{pid}/pain-entries"
        first = pain()
        self.assertEqual(srv.call("POST", path, first, token).status, 201)
        deadline = time.monotonic() + 20
        while replica.psql(f"SELECT count(*) FROM pain_entries WHERE id = '{first['id']}'") != "1":
            self.assertLess(time.monotonic(), deadline, "the replica never caught up")
            time.sleep(0.1)
        replica.psql("SELECT pg_wal_replay_pause()")
        second = pain()
        self.assertEqual(srv.call("POST", path, second, token).status, 201)  # to the primary
        listed = [e["id"] for e in srv.call("GET", path, token=token).body["entries"]]
        self.assertEqual(listed, [first["id"]], "the list should come from the paused replica")
        self.assertEqual(srv.call("GET", f"/v1/patients/{pid}/trend", token=token).status, 200)
        replica.psql("SELECT pg_wal_replay_resume()")
        deadline = time.monotonic() + 20
        while len(srv.call("GET", path, token=token).body["entries"]) != 2:
            self.assertLess(time.monotonic(), deadline, "the replica never showed the write")
            time.sleep(0.1)
        replica.stop("fast")  # reads fall back to the primary
        r = srv.call("GET", path, token=token)
        self.assertEqual(r.status, 200, srv.log_text()[-2000:])
        self.assertEqual(len(r.body["entries"]), 2)


class TlsTest(unittest.TestCase):
    def test_tls_listener_with_a_self_signed_certificate(self):
        import tempfile
        d = tempfile.mkdtemp(prefix="oihwatch-tls-")
        out = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                              "-keyout", f"{d}/key.pem", "-out", f"{d}/cert.pem", "-days", "2",
                              "-subj", "/CN=localhost"], capture_output=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        srv = Process(h.server().env()["DATABASE_URL"], OIHWATCH_RISK_WORKER=0,
                      OIHWATCH_TLS_CERT=f"{d}/cert.pem", OIHWATCH_TLS_KEY=f"{d}/key.pem").start()
        self.addCleanup(srv.stop)
        self.assertEqual(srv.call("GET", "/healthz").status, 200)
        self.assertEqual(srv.call("GET", "/v1/me", token=srv.admin_token()).status, 200)
        srv.tls = False
        with self.assertRaises((OSError, Exception)):
            srv.call("GET", "/healthz", timeout=3)
        self.assertEqual(srv.stop(), 0)

    def test_tls_needs_both_files(self):
        out = subprocess.run([h.OIH_BIN, "serve"], capture_output=True, text=True, timeout=30,
                             env=dict(h.server().env(), OIHWATCH_TLS_CERT="/tmp/x.pem"))
        self.assertEqual(out.returncode, 1)
        self.assertIn("OIHWATCH_TLS_KEY", out.stderr)
