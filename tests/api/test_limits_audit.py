"""Abuse limits and the access audit: per-token rate limiting (429 + Retry-After), load
shedding (503 rather than an unbounded queue), the audit log and its endpoint, audit
retention and append-only rows, token expiry and last use, and cache headers."""

import datetime
import json
import socket
import subprocess
import threading
import time
import uuid

from tests.api import harness as h
from tests.api.fixtures import Cluster, Process


def pain(score=4, note=None):
    body = {"id": str(uuid.uuid4()), "recorded_at": h.ts(h.now_utc()), "score": score}
    if note:
        body["note"] = note
    return body


def shared_url():
    return h.server().env()["DATABASE_URL"]


class RateLimitTest(h.ApiTestCase):
    def test_token_bucket_answers_429_with_retry_after(self):
        srv = Process(shared_url(), OIHWATCH_RATE_LIMIT=1, OIHWATCH_RATE_BURST=5,
                      OIHWATCH_RISK_WORKER=0).start()
        self.addCleanup(srv.stop)
        token, other = srv.admin_token(), srv.admin_token()
        statuses = [srv.call("GET", "/v1/me", token=token).status for _ in range(8)]
        self.assertEqual(statuses[:5], [200] * 5)
        self.assertIn(429, statuses[5:])
        r = srv.call("GET", "/v1/me", token=token)
        self.assertEqual(r.status, 429)
        self.assertEqual(r.headers.get("content-type"), "application/problem+json")
        self.assertRegex(r.headers.get("retry-after", ""), r"^[1-9]\d*$")
        self.assertEqual(srv.call("GET", "/v1/me", token=other).status, 200)  # per token
        self.assertEqual(srv.call("GET", "/healthz").status, 200)  # no token, no limit
        time.sleep(1.1)
        self.assertEqual(srv.call("GET", "/v1/me", token=token).status, 200)  # refilled


class SheddingTest(h.ApiTestCase):
    def test_overload_is_shed_with_503_not_queued(self):
        srv = Process(shared_url(), OIHWATCH_MAX_INFLIGHT=2, OIHWATCH_THREADS=8,
                      OIHWATCH_RISK_WORKER=0).start()
        self.addCleanup(srv.stop)
        token = srv.admin_token()
        pid = srv.call("POST", "/v1/patients", {}, token).body["id"]
        # two requests the server is working on: stuck behind a lock on patients
        locker = subprocess.Popen(["psql", shared_url(), "-q", "-c",
                                   "BEGIN; LOCK TABLE patients IN ACCESS EXCLUSIVE MODE;"
                                   " SELECT pg_sleep(6); COMMIT;"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while h.psql("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                     " WHERE c.relname = 'patients' AND l.mode = 'AccessExclusiveLock'"
                     " AND l.granted") != "1":
            self.assertLess(time.monotonic(), deadline, "the lock was never taken")
            time.sleep(0.05)
        results = []
        # several, because a libmicrohttpd worker may take two connections before blocking on
        # the first; two of them in progress fill the allowance, any others are shed
        workers = [threading.Thread(target=lambda: results.append(
            srv.call("GET", f"/v1/patients/{pid}", token=token, timeout=20).status))
            for _ in range(4)]
        for w in workers:
            w.start()
        deadline = time.monotonic() + 15  # slow under valgrind: wait until both are stuck
        while h.psql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                     " AND query LIKE 'SELECT p.id, p.external_ref%'") != "2":
            self.assertLess(time.monotonic(), deadline, "the two requests never got stuck")
            time.sleep(0.05)
        started = time.monotonic()
        r = srv.call("GET", "/v1/me", token=token)
        self.assertEqual(r.status, 503, "a third request must be shed, not queued")
        self.assertEqual(r.headers.get("retry-after"), "1")
        self.assertLess(time.monotonic() - started, 1.0, "shedding must not wait")
        self.assertEqual(srv.call("GET", "/healthz").status, 200)  # probes still answered
        locker.wait(20)
        for w in workers:
            w.join(20)
        self.assertEqual(sorted(results)[:2], [200, 200], "the requests in progress complete")
        self.assertTrue(set(results) <= {200, 503}, results)
        self.assertEqual(srv.call("GET", "/v1/me", token=token).status, 200)

    def test_slow_uploads_do_not_count_as_work(self):
        srv = Process(shared_url(), OIHWATCH_MAX_INFLIGHT=2, OIHWATCH_RISK_WORKER=0).start()
        self.addCleanup(srv.stop)
        token = srv.admin_token()
        slow = []
        for _ in range(5):  # uploads still arriving: a connection each, no work yet
            sock = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
            sock.sendall(b"POST /v1/patients HTTP/1.1\r\nHost: t\r\nContent-Length: 100"
                         b"\r\nContent-Type: application/json\r\n\r\n{")
            slow.append(sock)
        time.sleep(0.3)
        self.assertEqual(srv.call("GET", "/v1/me", token=token).status, 200)
        for sock in slow:
            sock.close()


class AuditTest(h.ApiTestCase):
    def audit(self, pid, token=None, **params):
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return self.api("GET", f"/v1/patients/{pid}/audit" + (f"?{query}" if query else ""),
                        token=token or h.admin_token())

    def wait_for(self, pid, predicate, seconds=5):
        deadline = time.monotonic() + seconds
        while True:
            rows = self.audit(pid).body["entries"]
            if predicate(rows) or time.monotonic() > deadline:
                return rows
            time.sleep(0.1)

    def test_reads_and_writes_are_recorded_without_content(self):
        clinician = h.new_clinician()
        a = h.new_patient(token=clinician["token"])["id"]
        b = h.new_patient(token=clinician["token"])["id"]
        patient_token = h.new_patient_token(a)["token"]
        note = "AUDIT-NOTE-" + uuid.uuid4().hex
        rid = "audit-" + uuid.uuid4().hex
        self.assertStatus(h.request("GET", f"/v1/patients/{a}/pain-entries",
                                    token=clinician["token"], headers={"X-Request-Id": rid}), 200)
        self.assertStatus(h.post_pain(a, pain(note=note), token=patient_token), 201)
        self.assertStatus(h.request("GET", f"/v1/patients/{b}", token=clinician["token"]), 200)
        rows = self.wait_for(a, lambda r: len(r) >= 2)
        read = [r for r in rows if r["request_id"] == rid]
        self.assertEqual(len(read), 1, rows)
        self.assertEqual(read[0]["principal_id"], clinician["principal_id"])
        self.assertEqual(read[0]["role"], "clinician")
        self.assertEqual(read[0]["method"], "GET")
        self.assertEqual(read[0]["route"], "/v1/patients/{patient_id}/pain-entries")
        self.assertEqual(read[0]["status"], 200)
        self.assertRegex(read[0]["at"], h.UTC_TS_RE)
        write = [r for r in rows if r["method"] == "POST"]
        self.assertEqual(len(write), 1, rows)
        self.assertEqual(write[0]["role"], "patient")
        self.assertEqual(write[0]["status"], 201)
        text = json.dumps(rows)
        self.assertNotIn(note, text)
        self.assertNotIn(b, text)  # nothing from the other patient
        for row in h.psql(f"SELECT row_to_json(a) FROM audit_log a WHERE patient_id = '{a}'"
                          ).splitlines():
            self.assertNotIn(note, row)

    def test_denied_attempts_on_a_patient_are_recorded(self):
        pid = h.new_patient()["id"]
        stranger = h.new_clinician()
        self.assertStatus(h.request("GET", f"/v1/patients/{pid}/risk",
                                    token=stranger["token"]), 404)
        rows = self.wait_for(pid, lambda r: any(x["status"] == 404 for x in r))
        self.assertTrue(any(x["principal_id"] == stranger["principal_id"] and x["status"] == 404
                            for x in rows), rows)

    def test_lists_record_every_patient_shown(self):
        clinician = h.new_clinician()
        pids = {h.new_patient(token=clinician["token"])["id"] for _ in range(3)}
        self.assertStatus(h.request("GET", "/v1/patients", token=clinician["token"]), 200)
        for pid in pids:
            rows = self.wait_for(pid, lambda r: any(x["route"] == "/v1/patients" for x in r))
            self.assertTrue(any(x["route"] == "/v1/patients" for x in rows), rows)

    def test_repeated_list_views_are_recorded_once_a_window(self):
        # a dashboard polling its list: one row per patient and window, not per refresh;
        # requests that name the patient keep a row each
        clinician = h.new_clinician()
        pid = h.new_patient(token=clinician["token"])["id"]
        for _ in range(3):
            self.assertStatus(h.request("GET", "/v1/patients", token=clinician["token"]), 200)
            self.assertStatus(h.request("GET", f"/v1/patients/{pid}",
                                        token=clinician["token"]), 200)
        rows = self.wait_for(pid, lambda r: len([x for x in r if x["route"] != "/v1/patients"
                                                 and x["method"] == "GET"]) >= 3)
        time.sleep(0.3)  # a second list row, if any, would be in the same batch
        rows = self.audit(pid).body["entries"]
        views = [r for r in rows if r["route"] == "/v1/patients"]
        reads = [r for r in rows if r["route"] == "/v1/patients/{patient_id}"]
        self.assertEqual(len(views), 1, rows)
        self.assertEqual(len(reads), 3, rows)

    def test_only_admins_read_the_audit_and_pages_are_complete(self):
        clinician = h.new_clinician()
        pid = h.new_patient(token=clinician["token"])["id"]
        self.assertStatus(self.audit(pid, token=clinician["token"]), 403)
        self.assertStatus(self.audit(pid, token=h.new_patient_token(pid)["token"]), 403)
        self.assertStatus(self.audit(str(uuid.uuid4())), 404)
        for _ in range(7):
            self.assertStatus(h.request("GET", f"/v1/patients/{pid}", token=clinician["token"]), 200)
        rows = self.wait_for(pid, lambda r: len(r) >= 8)
        seen, cursor = [], None
        while True:
            params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
            page = self.audit(pid, **params).body
            seen += page["entries"]
            cursor = page["next_cursor"]
            if not cursor:
                break
        self.assertGreaterEqual(len(seen), len(rows))
        self.assertEqual(len({(r["request_id"], r["route"], r["at"]) for r in seen}), len(seen))
        times = [r["at"] for r in seen]
        self.assertEqual(times, sorted(times, reverse=True))
        other = h.new_patient()["id"]
        self.assertStatus(self.audit(other, cursor=cursor or page.get("next_cursor") or "x"), 400)

    def test_audit_rows_are_append_only_and_go_with_erasure(self):
        pid = h.new_patient()["id"]
        self.assertStatus(self.api("GET", f"/v1/patients/{pid}"), 200)
        self.wait_for(pid, lambda r: len(r) >= 1)
        for sql in (f"UPDATE audit_log SET status = 200 WHERE patient_id = '{pid}'",
                    f"DELETE FROM audit_log WHERE patient_id = '{pid}'"):
            with self.assertRaises(h.HarnessError):
                h.psql(sql)
        self.assertStatus(self.api("DELETE", f"/v1/patients/{pid}"), 204)
        time.sleep(0.5)  # let any audit event of the erasure itself be written
        self.assertEqual(h.psql(f"SELECT count(*) FROM audit_log WHERE patient_id = '{pid}'"), "0")

    def test_patient_data_responses_are_not_cached(self):
        pid = h.new_patient()["id"]
        for path in (f"/v1/patients/{pid}", f"/v1/patients/{pid}/pain-entries",
                     f"/v1/patients/{pid}/risk"):
            r = self.api("GET", path)
            self.assertEqual(r.headers.get("cache-control"), "no-store")
            self.assertEqual(r.headers.get("x-content-type-options"), "nosniff")


class RetentionTest(h.ApiTestCase):
    def test_rows_past_retention_are_purged(self):
        pg = Cluster()
        pg.start()
        self.addCleanup(pg.destroy)
        Process(pg.url).cli("migrate")
        pid = str(uuid.uuid4())
        pg.psql(f"INSERT INTO patients (id) VALUES ('{pid}')")
        for days in (3, 0):
            pg.psql("INSERT INTO audit_log (patient_id, at, principal_id, role, method, route,"
                    f" status, request_id) VALUES ('{pid}', now() - interval '{days} days',"
                    f" '{uuid.uuid4()}', 'admin', 'GET', '/v1/patients/{{patient_id}}', 200, 'r')")
        srv = Process(pg.url, OIHWATCH_AUDIT_RETENTION_DAYS=2, OIHWATCH_RISK_WORKER=0).start()
        self.addCleanup(srv.stop)
        deadline = time.monotonic() + 10
        while pg.psql(f"SELECT count(*) FROM audit_log WHERE patient_id = '{pid}'") != "1":
            self.assertLess(time.monotonic(), deadline, "the old row was not purged")
            time.sleep(0.2)
        self.assertEqual(srv.stop(), 0)


class TokenLifetimeTest(h.ApiTestCase):
    def test_expired_tokens_stop_working(self):
        soon = h.ts(h.now_utc() + datetime.timedelta(seconds=2))
        r = self.api("POST", "/v1/tokens", {"role": "clinician", "name": "temp",
                                            "expires_at": soon})
        self.assertStatus(r, 201)
        self.assertEqual(h.parse_ts(r.body["expires_at"]), h.parse_ts(soon))
        token = r.body["token"]
        self.assertStatus(h.request("GET", "/v1/me", token=token), 200)
        time.sleep(2.5)
        self.assertStatus(h.request("GET", "/v1/me", token=token), 401)

    def test_expiry_must_be_in_the_future(self):
        for value in (h.ts(h.now_utc()), "2020-01-01T00:00:00Z", "tomorrow", "2999-01-01T00:00:00Z"):
            r = self.api("POST", "/v1/tokens", {"role": "clinician", "expires_at": value})
            self.assertStatus(r, 422)
            self.assertIn("/expires_at", [e["pointer"] for e in r.body["errors"]])
        r = self.api("POST", "/v1/tokens", {"role": "clinician"})
        self.assertIsNone(r.body["expires_at"])

    def test_last_use_is_recorded_without_a_write_per_request(self):
        srv = Process(shared_url(), OIHWATCH_RISK_WORKER=0).start()
        token = srv.admin_token()
        r = srv.call("POST", "/v1/tokens", {"role": "clinician", "name": "used"}, token)
        used_id, used = r.body["id"], r.body["token"]
        for _ in range(20):
            self.assertEqual(srv.call("GET", "/v1/me", token=used).status, 200)
        self.assertEqual(h.psql(f"SELECT last_used_at IS NULL FROM tokens WHERE id = '{used_id}'"),
                         "t", "last use is batched, not written per request")
        self.assertEqual(srv.stop(), 0)  # the stop flushes it
        self.assertEqual(h.psql(f"SELECT last_used_at IS NOT NULL FROM tokens WHERE id = '{used_id}'"),
                         "t")
