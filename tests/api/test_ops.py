"""Operations endpoints, HEAD, 405/Allow, X-Request-Id and Cache-Control."""

import re
import uuid

from . import harness as h


class OpsTest(h.ApiTestCase):
    def test_healthz(self):
        r = h.request("GET", "/healthz")
        self.assertStatus(r, 200)
        self.assertTrue(r.headers.get("content-type", "").startswith("application/json"))
        self.assertEqual(r.body, {"status": "ok"})
        self.assertIn("x-request-id", r.headers)

    def test_readyz(self):
        r = h.request("GET", "/readyz")
        self.assertStatus(r, 200)
        self.assertEqual(r.body.get("status"), "ready")
        v = r.body.get("schema_version")
        self.assertIsInstance(v, int)
        self.assertNotIsInstance(v, bool)
        self.assertGreaterEqual(v, 1)

    def test_openapi(self):
        r = h.request("GET", "/openapi.json")
        self.assertStatus(r, 200)
        self.assertTrue(r.headers.get("content-type", "").startswith("application/json"))
        self.assertIsInstance(r.body, dict, "openapi.json is a JSON object")
        self.assertIsInstance(r.body.get("openapi"), str)
        self.assertTrue(r.body["openapi"].startswith("3."), r.body["openapi"])
        self.assertIsInstance(r.body.get("paths"), dict)
        # every operation of the contract is documented (parameter names aside)
        documented = {(re.sub(r"\{[^}]*\}", "{}", path), method.upper())
                      for path, item in r.body["paths"].items() for method in item
                      if method in ("get", "post", "put", "delete", "patch")}
        for op in [("/healthz", "GET"), ("/readyz", "GET"), ("/metrics", "GET"),
                   ("/openapi.json", "GET"), ("/v1/me", "GET"), ("/v1/tokens", "POST"),
                   ("/v1/tokens/{}", "DELETE"), ("/v1/patients", "GET"),
                   ("/v1/patients", "POST"), ("/v1/patients/{}", "GET"),
                   ("/v1/patients/{}", "DELETE"), ("/v1/patients/{}/clinicians/{}", "PUT"),
                   ("/v1/patients/{}/clinicians/{}", "DELETE"),
                   ("/v1/patients/{}/pain-entries", "GET"),
                   ("/v1/patients/{}/pain-entries", "POST"),
                   ("/v1/patients/{}/pain-entries/{}", "DELETE"),
                   ("/v1/patients/{}/dose-entries", "GET"),
                   ("/v1/patients/{}/dose-entries", "POST"),
                   ("/v1/patients/{}/dose-entries/{}", "DELETE"), ("/v1/medications", "GET")]:
            self.assertIn(op, documented, "operation missing from /openapi.json")

    def test_metrics(self):
        h.request("GET", "/healthz")
        r = h.request("GET", "/metrics")
        self.assertStatus(r, 200)
        self.assertTrue(r.headers.get("content-type", "").startswith("text/plain"),
                        r.headers.get("content-type"))
        text = r.body.decode("utf-8")
        self.assertIn("# TYPE", text)
        self.assertIn("build_info", text)

    def test_metrics_by_route_template_and_status(self):
        pid = h.new_patient()["id"]
        self.assertStatus(self.api("GET", "/v1/me"), 200)
        self.assertStatus(self.api("GET", f"/v1/patients/{pid}"), 200)
        text = h.request("GET", "/metrics").body.decode("utf-8")
        samples = [l for l in text.splitlines() if l and not l.startswith("#")]
        self.assertTrue(any("/v1/me" in l and "200" in l for l in samples),
                        "request count of GET /v1/me by status")
        self.assertTrue(any("/v1/patients/{" in l for l in samples),
                        "routes appear as templates")
        self.assertTrue(any("_bucket{" in l and "le=" in l for l in samples),
                        "latency histogram")
        self.assertNotIn(pid, text, "no patient ids in metrics (route templates only)")
        self.assertTrue(any("pool" in l for l in samples), "database pool usage")

    def test_no_token_needed_for_ops(self):
        for path in ("/healthz", "/readyz", "/openapi.json", "/metrics"):
            with self.subTest(path=path):
                r = h.request("GET", path, headers={"Authorization": "Bearer nonsense"})
                self.assertStatus(r, 200)

    def test_head_where_get(self):
        pid = h.new_patient()["id"]
        paths = ["/healthz", "/readyz", "/openapi.json", "/v1/me", "/v1/medications",
                 f"/v1/patients/{pid}", "/v1/patients", f"/v1/patients/{pid}/pain-entries",
                 f"/v1/patients/{pid}/dose-entries"]
        for path in paths:
            with self.subTest(path=path):
                get = self.api("GET", path)
                head = self.api("HEAD", path)
                self.assertStatus(get, 200)
                self.assertStatus(head, 200)
                self.assertEqual(head.raw, b"", "HEAD has no body")
                self.assertEqual(head.headers.get("content-type"),
                                 get.headers.get("content-type"))
                self.assertIn("x-request-id", head.headers)

    def test_oversized_url_and_headers(self):
        r = h.request("GET", "/v1/me?x=" + "a" * 200000)
        self.assertEqual(r.status, 414, r)
        r = h.request("GET", "/healthz", headers={"X-Big": "b" * 200000})
        self.assertEqual(r.status, 431, r)
        self.assertStatus(h.request("GET", "/healthz"), 200)

    def test_oversized_url_and_headers_are_refused(self):
        # libmicrohttpd 0.9.75 answers these itself, before any application callback, with
        # its own short body: the status is ours to assert, the body is not.
        self.assertStatus(h.request("GET", "/v1/me?x=" + "a" * 200000), 414)
        self.assertStatus(h.request("GET", "/healthz", headers={"X-Big": "b" * 200000}), 431)
        self.assertStatus(h.request("GET", "/healthz"), 200)

    def test_head_follows_auth(self):
        r = h.request("HEAD", "/v1/me")
        self.assertStatus(r, 401)
        self.assertTrue(r.headers.get("www-authenticate", "").startswith("Bearer"))

    def test_405_with_allow(self):
        pid = h.new_patient()["id"]
        cases = [
            ("PUT", "/v1/medications", {"GET"}),
            ("POST", "/v1/medications", {"GET"}),
            ("DELETE", "/v1/me", {"GET"}),
            ("POST", "/healthz", {"GET"}),
            ("DELETE", "/readyz", {"GET"}),
            ("PATCH", f"/v1/patients/{pid}", {"GET", "DELETE"}),
            ("PUT", "/v1/patients", {"GET", "POST"}),
            ("PUT", f"/v1/patients/{pid}/pain-entries", {"GET", "POST"}),
            ("DELETE", f"/v1/patients/{pid}/dose-entries", {"GET", "POST"}),
            ("GET", "/v1/tokens", {"POST"}),
            ("GET", f"/v1/tokens/{uuid.uuid4()}", {"DELETE"}),
            ("GET", f"/v1/patients/{pid}/clinicians/{uuid.uuid4()}", {"PUT", "DELETE"}),
        ]
        for method, path, must in cases:
            with self.subTest(method=method, path=path):
                r = self.api(method, path)
                self.assertProblem(r, 405)
                allow = {m.strip().upper() for m in r.headers.get("allow", "").split(",")}
                self.assertTrue(must <= allow, f"Allow {r.headers.get('allow')!r} lacks {must}")
                self.assertNotIn(method, allow)

    def test_405_comes_before_401(self):
        r = h.request("PUT", "/v1/medications")
        self.assertProblem(r, 405)
        self.assertIn("GET", r.headers.get("allow", ""))

    def test_unknown_route_404_before_401(self):
        for path in ("/v1/nothing", "/v2/me", "/", "/v1/patients/x/y/z", "/healthz/extra"):
            with self.subTest(path=path):
                self.assertProblem(h.request("GET", path), 404)
                self.assertProblem(self.api("GET", path), 404)

    def test_request_id_echoed_when_sane(self):
        for rid in ("abc-123", "A.b_c:d-9", "x" * 128, str(uuid.uuid4())):
            with self.subTest(rid=rid):
                r = h.request("GET", "/healthz", headers={"X-Request-Id": rid})
                self.assertEqual(r.headers.get("x-request-id"), rid)
                r = self.api("GET", "/v1/nothing", headers={"X-Request-Id": rid})
                self.assertEqual(r.headers.get("x-request-id"), rid)

    def test_request_id_generated_otherwise(self):
        seen = set()
        for rid in (None, "", "bad id", "semi;colon", "x" * 129, "<script>", "ä-unicode"):
            with self.subTest(rid=rid):
                headers = {} if rid is None else {"X-Request-Id": rid}
                r = self.api("GET", "/v1/me", headers=headers)
                self.assertStatus(r, 200)
                got = r.headers.get("x-request-id")
                self.assertIsNotNone(got)
                self.assertNotEqual(got, rid)
                self.assertRegex(got, h.UUID_RE, "a generated request id is a new UUID")
                self.assertNotIn(got, seen)
                seen.add(got)

    def test_request_id_on_every_kind_of_response(self):
        pid = h.new_patient()["id"]
        responses = [
            h.request("GET", "/healthz"),
            h.request("GET", "/v1/me"),  # 401
            self.api("GET", "/v1/nowhere"),  # 404
            self.api("PUT", "/v1/me"),  # 405
            self.api("POST", "/v1/patients", b"{", content_type="application/json"),  # 400
            self.api("POST", "/v1/patients", b"{}", content_type="text/plain"),  # 415
            self.api("POST", f"/v1/patients/{pid}/pain-entries", {"score": 99}),  # 422
            self.api("POST", f"/v1/patients/{pid}/pain-entries", h.pain_entry()),  # 201
            self.api("DELETE", f"/v1/patients/{pid}/pain-entries/{uuid.uuid4()}"),  # 404
            self.api("HEAD", "/v1/medications"),
        ]
        for r in responses:
            with self.subTest(status=r.status):
                self.assertIn("x-request-id", r.headers, r)
                self.assertTrue(r.headers["x-request-id"])

    def test_cache_control_no_store_on_v1(self):
        pid = h.new_patient()["id"]
        responses = [
            self.api("GET", "/v1/me"),
            self.api("GET", f"/v1/patients/{pid}"),
            self.api("GET", f"/v1/patients/{uuid.uuid4()}"),
            h.request("GET", "/v1/me"),
            self.api("POST", f"/v1/patients/{pid}/pain-entries", h.pain_entry()),
        ]
        for r in responses:
            with self.subTest(status=r.status):
                self.assertIn("no-store", r.headers.get("cache-control", ""), r)
