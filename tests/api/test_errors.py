"""Problem documents, 400/413/415, and the order in which checks apply."""

import json

from . import harness as h

LIMIT = h.MIB  # default OIHWATCH_MAX_BODY_BYTES


def padded_entry(size):
    """A valid single pain entry JSON document of exactly size bytes (whitespace padding)."""
    head = b'{"recorded_at": "2026-03-01T12:00:00Z", "score": 3'
    tail = b"}"
    pad = size - len(head) - len(tail)
    assert pad >= 0
    return head + b" " * pad + tail


class ProblemFormatTest(h.ApiTestCase):
    def test_problem_fields(self):
        pid = h.new_patient()["id"]
        r = h.post_pain(pid, {"recorded_at": "2026-03-01T12:00:00Z", "score": 42})
        body = self.assertProblem(r, 422, ["/score"], exact=True)
        self.assertIsInstance(body.get("detail"), str)
        self.assertTrue(body["type"].startswith("urn:oihwatch:problem:"), body["type"])
        self.assertEqual(len(body["errors"]), 1)
        self.assertTrue(body["errors"][0]["detail"])

    def test_problem_types(self):
        pid = h.new_patient()["id"]
        rs = {
            400: self.api("POST", "/v1/patients", b"{"),
            401: h.request("GET", "/v1/me"),
            404: self.api("GET", "/v1/nope"),
            405: self.api("PUT", "/v1/me"),
            415: self.api("POST", "/v1/patients", b"{}", content_type="text/plain"),
            422: h.post_pain(pid, {"score": 1}),
        }
        for status, r in rs.items():
            with self.subTest(status=status):
                body = self.assertProblem(r, status)
                self.assertTrue(body["type"].startswith("urn:oihwatch:problem:"), body)

    def test_no_internals_in_errors(self):
        pid = h.new_patient()["id"]
        rs = [h.post_pain(pid, b'{"recorded_at": "2026-03-01T12:00:00Z", "score": 1,'),
              h.post_pain(pid, {"score": "'; DROP TABLE patients; --"}),
              self.api("GET", "/v1/patients/'%20OR%201=1")]
        for r in rs:
            text = r.raw.decode("utf-8", "replace").lower()
            for word in ("select ", "insert ", "sqlstate", "pq_", "libpq", "postgres", ".c:"):
                self.assertNotIn(word, text, r)


class MalformedBodyTest(h.ApiTestCase):
    def setUp(self):
        self.pid = h.new_patient()["id"]

    def test_400_cases(self):
        bodies = [
            b'{"recorded_at": "2026-03-01T12:00:00Z", "score": 3',
            b'{"recorded_at": "2026-03-01T12:00:00Z", "score": 3, "score": 4}',
            b'{"recorded_at": "2026-03-01T12:00:00Z", "score": 3, "locations": ["a"], '
            b'"locations": ["b"]}',
            b'{"entries": [{"recorded_at": "2026-03-01T12:00:00Z", "score": 3, "score": 3}]}',
            b'{"entries": [], "entries": []}',
            b"{'score': 3}",
            b'{"score": 03, "recorded_at": "2026-03-01T12:00:00Z"}',
            b'{"recorded_at": "2026-03-01T12:00:00Z", "score": 3} trailing',
            b'{"recorded_at": "2026-03-01T12:00:00Z", "score": 3}{}',
            b'{"recorded_at": "2026-03-01T12:00:00Z", "score": 3, "note": "\xff\xfe"}',
            b'{"recorded_at": "2026-03-01T12:00:00Z", "score": 3, "note": "\xc0\xaf"}',
            b"",
            b"   ",
            b"[]",
            b"42",
            b"null",
        ]
        for body in bodies:
            with self.subTest(body=body[:60]):
                self.assertProblem(h.post_pain(self.pid, body), 400)
        self.assertEqual(h.stored_entry_count(self.pid), 0)

    def test_deep_nesting_and_bad_escapes(self):
        for body in (b'{"note": ' + b"[" * 100000 + b"]" * 100000 + b"}",
                     b'{"recorded_at": "2026-03-01T12:00:00Z", "score": 3, "note": "\\ud800"}',
                     b'{"recorded_at": "2026-03-01T12:00:00Z", "score": 3, "note": "\\x41"}'):
            with self.subTest(body=body[:40]):
                self.assertProblem(h.post_pain(self.pid, body), 400)
        self.assertStatus(h.request("GET", "/healthz"), 200)

    def test_nul_in_string_rejected(self):
        body = b'{"recorded_at": "2026-03-01T12:00:00Z", "score": 3, "note": "a\\u0000b"}'
        r = h.post_pain(self.pid, body)
        self.assertIn(r.status, (400, 422), r)
        self.assertProblem(r, r.status)
        self.assertEqual(h.stored_entry_count(self.pid), 0)

    def test_duplicate_keys_everywhere(self):
        for path, body in [
            ("/v1/patients", b'{"timezone": "UTC", "timezone": "UTC"}'),
            ("/v1/tokens", b'{"role": "clinician", "name": "a", "name": "a"}'),
            (f"/v1/patients/{self.pid}/dose-entries",
             b'{"taken_at": "2026-03-01T12:00:00Z", "medication": "oxycodone", "dose": 1, '
             b'"unit": "mg", "route": "oral", "dose": 1}'),
        ]:
            with self.subTest(path=path):
                self.assertProblem(self.api("POST", path, body), 400)


class ContentTypeTest(h.ApiTestCase):
    def setUp(self):
        self.pid = h.new_patient()["id"]
        self.body = json.dumps(h.pain_entry()).encode()

    def test_415(self):
        for ctype in ("text/plain", None, "application/x-www-form-urlencoded",
                      "application/jsonp", "application/problem+json", "text/json",
                      "multipart/form-data; boundary=x", ""):
            with self.subTest(ctype=ctype):
                r = h.post_pain(self.pid, self.body, content_type=ctype)
                self.assertProblem(r, 415)
        self.assertEqual(h.stored_entry_count(self.pid), 0)
        for path, body in (("/v1/patients", b"{}"), ("/v1/tokens", b'{"role": "admin"}'),
                           (f"/v1/patients/{self.pid}/dose-entries",
                            json.dumps(h.dose_entry()).encode())):
            with self.subTest(path=path):
                self.assertProblem(self.api("POST", path, body, content_type="text/plain"), 415)
                self.assertProblem(self.api("POST", path, body, content_type=None), 415)

    def test_json_with_parameters_accepted(self):
        for ctype in ("application/json; charset=utf-8", "application/json;charset=UTF-8",
                      "Application/JSON"):
            with self.subTest(ctype=ctype):
                r = h.post_pain(self.pid, self.body, content_type=ctype)
                self.assertStatus(r, 201)
        r = self.api("POST", "/v1/patients", b"{}", content_type="application/json; charset=utf-8")
        self.assertStatus(r, 201)

    def test_415_before_400(self):
        self.assertProblem(h.post_pain(self.pid, b"{not json", content_type="text/plain"), 415)

    def test_no_content_type_needed_without_body(self):
        pid = h.new_patient()["id"]
        e = h.post_pain(pid, h.pain_entry()).body
        r = self.api("DELETE", f"/v1/patients/{pid}/pain-entries/{e['id']}", content_type=None)
        self.assertStatus(r, 204)
        self.assertStatus(self.api("GET", f"/v1/patients/{pid}", content_type="text/plain"), 200)


class BodyLimitTest(h.ApiTestCase):
    def setUp(self):
        self.pid = h.new_patient()["id"]
        self.path = f"/v1/patients/{self.pid}/pain-entries"

    def headers(self, token=True):
        hdrs = {"Content-Type": "application/json"}
        if token:
            hdrs["Authorization"] = f"Bearer {h.admin_token()}"
        return hdrs

    def send_fixed(self, body, token=True):
        hdrs = dict(self.headers(token), **{"Content-Length": str(len(body))})
        chunks = (body[i:i + 65536] for i in range(0, len(body), 65536))
        return h.raw_request("POST", self.path, hdrs, chunks)

    def send_chunked(self, body, token=True, chunk=65536):
        chunks = (body[i:i + chunk] for i in range(0, len(body), chunk))
        return h.raw_request("POST", self.path, self.headers(token), chunks, chunked=True)

    def test_exactly_limit_accepted(self):
        r = self.send_fixed(padded_entry(LIMIT))
        self.assertStatus(r, 201)

    def test_content_length_over_limit_413(self):
        r = self.send_fixed(padded_entry(LIMIT + 1))
        self.assertProblem(r, 413)
        r = self.send_fixed(padded_entry(3 * LIMIT))
        self.assertProblem(r, 413)
        self.assertEqual(h.stored_entry_count(self.pid), 0)

    def test_content_length_over_limit_before_auth(self):
        r = self.send_fixed(padded_entry(LIMIT + 1), token=False)
        self.assertProblem(r, 413)

    def test_chunked_small_accepted(self):
        r = self.send_chunked(json.dumps(h.pain_entry(score=7)).encode(), chunk=7)
        self.assertStatus(r, 201)
        self.assertEqual(r.body["score"], 7)

    def test_chunked_exactly_limit_accepted(self):
        r = self.send_chunked(padded_entry(LIMIT))
        self.assertStatus(r, 201)

    def test_chunked_over_limit_413(self):
        r = self.send_chunked(padded_entry(LIMIT + 1))
        self.assertProblem(r, 413)
        r = self.send_chunked(padded_entry(LIMIT + 300 * 1024), chunk=100 * 1024)
        self.assertProblem(r, 413)
        self.assertEqual(h.stored_entry_count(self.pid), 0)

    def test_chunked_with_http_client_generator(self):
        # the same through http.client's own chunked encoder (encode_chunked=True)
        import http.client

        srv = h.server()
        body = padded_entry(LIMIT + 64 * 1024)

        def gen():
            for i in range(0, len(body), 32768):
                yield body[i:i + 32768]

        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        try:
            try:
                conn.request("POST", self.path, body=gen(), headers=self.headers(),
                             encode_chunked=True)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server may answer and stop reading before the end
            try:
                resp = conn.getresponse()
            except (ConnectionResetError, http.client.RemoteDisconnected) as e:
                self.skipTest(f"connection reset before the response could be read: {e}")
            raw = resp.read()
            self.assertEqual(resp.status, 413, raw)
        finally:
            conn.close()
        self.assertEqual(h.stored_entry_count(self.pid), 0)

    def test_413_on_other_routes(self):
        big = b'{"timezone": "UTC"' + b" " * (2 * LIMIT) + b"}"
        for path in ("/v1/patients", "/v1/tokens", f"/v1/patients/{self.pid}/dose-entries"):
            with self.subTest(path=path):
                hdrs = dict(self.headers(), **{"Content-Length": str(len(big))})
                r = h.raw_request("POST", path, hdrs,
                                  (big[i:i + 65536] for i in range(0, len(big), 65536)))
                self.assertProblem(r, 413)

    def test_server_still_serves_after_413(self):
        self.send_chunked(padded_entry(2 * LIMIT))
        self.assertStatus(h.request("GET", "/healthz"), 200)


class CheckOrderTest(h.ApiTestCase):
    """api-decisions.md: 404/405 -> 413 -> 401 -> 403 -> 415 -> 400 -> 404 patient -> 422
    -> 409."""

    def test_401_before_403(self):
        self.assertProblem(h.request("POST", "/v1/tokens", {"role": "admin"}), 401)
        self.assertProblem(h.request("DELETE", "/v1/patients/not-a-uuid"), 401)

    def test_401_before_415_and_400(self):
        pid = h.new_patient()["id"]
        self.assertProblem(h.request("POST", f"/v1/patients/{pid}/pain-entries", b"{",
                                     content_type="text/plain"), 401)
        self.assertProblem(h.request("POST", f"/v1/patients/{pid}/pain-entries", b"{"), 401)

    def test_403_before_415_400_and_422(self):
        pid = h.new_patient()["id"]
        t = h.new_patient_token(pid)["token"]
        self.assertProblem(h.request("POST", "/v1/patients", b"{}", token=t,
                                     content_type="text/plain"), 403)
        self.assertProblem(h.request("POST", "/v1/patients", b"{", token=t), 403)
        self.assertProblem(h.request("POST", "/v1/patients", {"timezone": "Nowhere"}, token=t), 403)
        self.assertProblem(h.request("DELETE", f"/v1/patients/{h.new_id()}", token=t), 403)

    def test_400_before_patient_404(self):
        r = h.post_pain(h.new_id(), b'{"score": ')
        self.assertProblem(r, 400)

    def test_patient_404_before_422(self):
        self.assertProblem(h.post_pain(h.new_id(), {"score": 99}), 404)
        c = h.new_clinician()
        other = h.new_patient()["id"]
        self.assertProblem(h.post_pain(other, {"score": 99}, token=c["token"]), 404)
