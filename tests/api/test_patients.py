"""POST/GET /v1/patients, lookup by external_ref, validation, listing."""

import uuid
from urllib.parse import quote

from . import harness as h


class PatientsTest(h.ApiTestCase):
    def test_create_full(self):
        ref = h.unique("portal")
        r = self.api("POST", "/v1/patients", {"external_ref": ref, "timezone": "America/Chicago"})
        self.assertStatus(r, 201)
        self.assertEqual(set(r.body), {"id", "external_ref", "timezone", "created_at"})
        self.assertUuid(r.body["id"])
        self.assertEqual(r.body["external_ref"], ref)
        self.assertEqual(r.body["timezone"], "America/Chicago")
        self.assertUtcTimestamp(r.body["created_at"])
        created = h.parse_ts(r.body["created_at"])
        self.assertLess(abs((created - h.now_utc()).total_seconds()), 120)
        loc = r.headers.get("location", "")
        self.assertTrue(loc.endswith(f"/v1/patients/{r.body['id']}"), loc)
        self.assertTrue(r.headers.get("content-type", "").startswith("application/json"))

    def test_create_defaults(self):
        r = self.api("POST", "/v1/patients", {})
        self.assertStatus(r, 201)
        self.assertIsNone(r.body["external_ref"])
        self.assertEqual(r.body["timezone"], "UTC")

    def test_get_returns_same_object(self):
        p = h.new_patient(external_ref=h.unique("ref"), timezone="Europe/Berlin")
        r = self.api("GET", f"/v1/patients/{p['id']}")
        self.assertStatus(r, 200)
        self.assertEqual(r.body, p)

    def test_get_accepts_uppercase_uuid(self):
        p = h.new_patient()
        r = self.api("GET", f"/v1/patients/{p['id'].upper()}")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["id"], p["id"])

    def test_get_unknown_and_malformed_404(self):
        for pid in (str(uuid.uuid4()), "not-a-uuid", "1234", "0" * 36,
                    str(uuid.uuid4())[:-1], str(uuid.uuid4()) + "0",
                    str(uuid.uuid4()).replace("-", ""), "%00", "..%2F..%2Fetc"):
            with self.subTest(pid=pid):
                self.assertProblem(self.api("GET", f"/v1/patients/{pid}"), 404)
                self.assertProblem(self.api("GET", f"/v1/patients/{pid}/pain-entries"), 404)
                self.assertProblem(self.api("POST", f"/v1/patients/{pid}/pain-entries",
                                            h.pain_entry()), 404)

    def test_lookup_by_external_ref(self):
        ref = h.unique("portal")
        p = h.new_patient(external_ref=ref)
        h.new_patient(external_ref=h.unique("other"))
        r = self.api("GET", f"/v1/patients?external_ref={quote(ref)}")
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {"patients": [p], "next_cursor": None})
        r = self.api("GET", f"/v1/patients?external_ref={quote(h.unique('none'))}")
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {"patients": [], "next_cursor": None})

    def test_lookup_by_external_ref_hides_invisible(self):
        c1, c2 = h.new_clinician(), h.new_clinician()
        ref = h.unique("hidden")
        p = h.new_patient(token=c1["token"], external_ref=ref)
        r = h.request("GET", f"/v1/patients?external_ref={quote(ref)}", token=c2["token"])
        self.assertStatus(r, 200)
        self.assertEqual(r.body["patients"], [])
        r = h.request("GET", f"/v1/patients?external_ref={quote(ref)}", token=c1["token"])
        self.assertEqual(r.body["patients"], [p])

    def test_duplicate_external_ref_409(self):
        ref = h.unique("dup")
        h.new_patient(external_ref=ref)
        r = self.api("POST", "/v1/patients", {"external_ref": ref})
        self.assertProblem(r, 409)
        r = self.api("GET", f"/v1/patients?external_ref={quote(ref)}")
        self.assertEqual(len(r.body["patients"]), 1)

    def test_external_ref_length(self):
        ok = "r" * 96 + uuid.uuid4().hex  # 128 characters
        self.assertEqual(len(ok), 128)
        r = self.api("POST", "/v1/patients", {"external_ref": ok})
        self.assertStatus(r, 201)
        self.assertEqual(r.body["external_ref"], ok)
        one = self.api("POST", "/v1/patients", {"external_ref": uuid.uuid4().hex[:1]})
        self.assertIn(one.status, (201, 409), one)  # 1 char is valid (may collide)
        for bad in ("", "x" * 129):
            with self.subTest(length=len(bad)):
                self.assertProblem(self.api("POST", "/v1/patients", {"external_ref": bad}), 422,
                                   ["/external_ref"])

    def test_external_ref_counts_characters(self):
        # 128 characters in more than 128 bytes; the second one has a 2-byte character
        # across byte 128
        for ref in ("é" * 64 + "✓" * 32 + uuid.uuid4().hex,
                    "a" + "é" * 80 + uuid.uuid4().hex):
            with self.subTest(ref=ref[:3]):
                self.assertLessEqual(len(ref), 128)
                r = self.api("POST", "/v1/patients", {"external_ref": ref})
                self.assertStatus(r, 201)
                self.assertEqual(r.body["external_ref"], ref)
                g = self.api("GET", f"/v1/patients/{r.body['id']}")
                self.assertStatus(g, 200)
                self.assertEqual(g.body["external_ref"], ref)
                lst = self.api("GET", f"/v1/patients?external_ref={quote(ref)}")
                self.assertStatus(lst, 200)
                self.assertEqual([p["external_ref"] for p in lst.body["patients"]], [ref])

    def test_patient_validation(self):
        cases = [
            ({"external_ref": 5}, "/external_ref"),
            ({"external_ref": ["a"]}, "/external_ref"),
            ({"timezone": "Mars/Olympus_Mons"}, "/timezone"),
            ({"timezone": "America/Chicag"}, "/timezone"),
            ({"timezone": ""}, "/timezone"),
            ({"timezone": 5}, "/timezone"),
            ({"timezone": "../../etc/passwd"}, "/timezone"),
            ({"nickname": "Bob"}, "/nickname"),
            ({"id": str(uuid.uuid4())}, "/id"),
        ]
        for body, pointer in cases:
            with self.subTest(body=body):
                self.assertProblem(self.api("POST", "/v1/patients", body), 422, [pointer])

    def test_patient_validation_lists_every_error(self):
        r = self.api("POST", "/v1/patients", {"external_ref": "", "timezone": "Nowhere/Land",
                                              "nickname": "x"})
        self.assertProblem(r, 422, ["/external_ref", "/timezone", "/nickname"], exact=True)

    def test_timezones_accepted(self):
        for tz in ("UTC", "Asia/Kolkata", "Australia/Lord_Howe", "America/Argentina/Buenos_Aires"):
            with self.subTest(tz=tz):
                r = self.api("POST", "/v1/patients", {"timezone": tz})
                self.assertStatus(r, 201)
                self.assertEqual(r.body["timezone"], tz)

    def test_bad_bodies(self):
        for body in (b"[]", b"5", b"null", b'"x"', b"{", b"", b'{"timezone":"UTC",}',
                     b'{"timezone":"UTC","timezone":"UTC"}'):
            with self.subTest(body=body):
                self.assertProblem(self.api("POST", "/v1/patients", body), 400)

    def test_clinician_creates_patient_on_own_team(self):
        c = h.new_clinician()
        p = h.new_patient(token=c["token"], timezone="Europe/Paris")
        self.assertEqual(h.request("GET", f"/v1/patients/{p['id']}", token=c["token"]).body, p)

    def test_list_newest_first_with_pagination(self):
        c = h.new_clinician()
        made = [h.new_patient(token=c["token"])["id"] for _ in range(5)]
        seen = []
        cursor = None
        for _ in range(10):
            q = "/v1/patients?limit=2" + (f"&cursor={quote(cursor)}" if cursor else "")
            r = h.request("GET", q, token=c["token"])
            self.assertStatus(r, 200)
            self.assertLessEqual(len(r.body["patients"]), 2)
            seen += [p["id"] for p in r.body["patients"]]
            cursor = r.body["next_cursor"]
            if cursor is None:
                break
            self.assertIsInstance(cursor, str)
        self.assertEqual(seen, list(reversed(made)))

    def test_list_query_errors(self):
        for q in ("limit=0", "limit=501", "limit=abc", "limit=-1", "limit=", "limit=1.5",
                  "cursor=garbage", "cursor=%00"):
            with self.subTest(q=q):
                r = self.api("GET", f"/v1/patients?{q}")
                self.assertProblem(r, 400)
                self.assertIn("errors", r.body)
                params = [e.get("parameter") for e in r.body["errors"]]
                self.assertIn(q.split("=")[0], params)
        self.assertStatus(self.api("GET", "/v1/patients?limit=500"), 200)
        self.assertStatus(self.api("GET", "/v1/patients?limit=1"), 200)
