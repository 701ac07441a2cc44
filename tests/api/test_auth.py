"""Authentication (401), roles (403), visibility (404), tokens, /v1/me, care teams, CLI."""

import secrets
import time
import uuid

from . import harness as h


class AuthenticationTest(h.ApiTestCase):
    def assert401(self, r):
        self.assertProblem(r, 401)
        self.assertTrue(r.headers.get("www-authenticate", "").lower().startswith("bearer"),
                        f"WWW-Authenticate: {r.headers.get('www-authenticate')!r}")

    def test_missing_token(self):
        pid = h.new_patient()["id"]
        for method, path in [("GET", "/v1/me"), ("GET", "/v1/medications"),
                             ("GET", "/v1/patients"), ("GET", f"/v1/patients/{pid}"),
                             ("GET", f"/v1/patients/{pid}/pain-entries"),
                             ("DELETE", f"/v1/patients/{pid}")]:
            with self.subTest(method=method, path=path):
                self.assert401(h.request(method, path))
        self.assert401(h.request("POST", "/v1/patients", {}))
        self.assert401(h.request("POST", "/v1/tokens", {"role": "admin"}))
        self.assert401(h.request("POST", f"/v1/patients/{pid}/pain-entries", h.pain_entry()))
        self.assertEqual(h.stored_entry_count(pid), 0)

    def test_unknown_or_malformed_token(self):
        adm = h.admin_token()
        altered = adm[:-1] + ("1" if adm.endswith("0") else "0")
        bad = [
            {"Authorization": "Bearer oiw_" + secrets.token_hex(32)},
            {"Authorization": "Bearer " + altered},
            {"Authorization": "Bearer "},
            {"Authorization": "Bearer"},
            {"Authorization": "Basic dXNlcjpwYXNz"},
            {"Authorization": h.admin_token()},
            {"Authorization": "Bearer " + h.admin_token() + "x"},
        ]
        for headers in bad:
            with self.subTest(headers=headers["Authorization"][:20]):
                self.assert401(h.request("GET", "/v1/me", headers=headers))

    def test_bearer_scheme_case_insensitive(self):
        r = h.request("GET", "/v1/me", headers={"Authorization": "bearer " + h.admin_token()})
        self.assertStatus(r, 200)


class MeTest(h.ApiTestCase):
    def test_me_admin(self):
        r = self.api("GET", "/v1/me")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["role"], "admin")
        self.assertUuid(r.body["principal_id"])
        self.assertIsNone(r.body.get("patient_id"))

    def test_me_clinician(self):
        c = h.new_clinician()
        r = h.request("GET", "/v1/me", token=c["token"])
        self.assertStatus(r, 200)
        self.assertEqual(r.body["role"], "clinician")
        self.assertEqual(r.body["principal_id"], c["principal_id"])
        self.assertIsNone(r.body.get("patient_id"))

    def test_me_patient(self):
        p = h.new_patient()
        t = h.new_patient_token(p["id"])
        r = h.request("GET", "/v1/me", token=t["token"])
        self.assertStatus(r, 200)
        self.assertEqual(r.body["role"], "patient")
        self.assertEqual(r.body["principal_id"], t["principal_id"])
        self.assertEqual(r.body["patient_id"], p["id"])


class TokensTest(h.ApiTestCase):
    def check_token_body(self, body, role, patient_id=None):
        self.assertEqual(set(body), {"id", "token", "role", "principal_id", "patient_id",
                                     "created_at", "expires_at"})
        self.assertIsNone(body["expires_at"])  # no expiry unless asked for
        self.assertUuid(body["id"])
        self.assertRegex(body["token"], h.TOKEN_RE)
        self.assertEqual(body["role"], role)
        self.assertUuid(body["principal_id"])
        self.assertEqual(body["patient_id"], patient_id)
        self.assertUtcTimestamp(body["created_at"])

    def test_admin_creates_clinician(self):
        r = self.api("POST", "/v1/tokens", {"role": "clinician", "name": "Dr Ada"})
        self.assertStatus(r, 201)
        self.check_token_body(r.body, "clinician")
        me = h.request("GET", "/v1/me", token=r.body["token"])
        self.assertStatus(me, 200)
        self.assertEqual(me.body["principal_id"], r.body["principal_id"])
        # each clinician token is a new principal
        r2 = self.api("POST", "/v1/tokens", {"role": "clinician", "name": "Dr Ada"})
        self.assertStatus(r2, 201)
        self.assertNotEqual(r2.body["principal_id"], r.body["principal_id"])
        self.assertNotEqual(r2.body["token"], r.body["token"])
        self.assertNotEqual(r2.body["id"], r.body["id"])

    def test_admin_creates_admin(self):
        r = self.api("POST", "/v1/tokens", {"role": "admin", "name": h.unique("ops")})
        self.assertStatus(r, 201)
        self.check_token_body(r.body, "admin")
        me = h.request("GET", "/v1/me", token=r.body["token"])
        self.assertEqual(me.body["role"], "admin")

    def test_admin_creates_patient_tokens_sharing_principal(self):
        pid = h.new_patient()["id"]
        r1 = self.api("POST", "/v1/tokens", {"role": "patient", "patient_id": pid})
        self.assertStatus(r1, 201)
        self.check_token_body(r1.body, "patient", pid)
        r2 = self.api("POST", "/v1/tokens", {"role": "patient", "patient_id": pid.upper(),
                                             "name": "second phone"})
        self.assertStatus(r2, 201)
        self.check_token_body(r2.body, "patient", pid)
        self.assertEqual(r1.body["principal_id"], r2.body["principal_id"])
        self.assertNotEqual(r1.body["token"], r2.body["token"])
        for t in (r1.body["token"], r2.body["token"]):
            self.assertEqual(h.request("GET", "/v1/me", token=t).body["patient_id"], pid)

    def test_token_stored_only_as_hash(self):
        r = self.api("POST", "/v1/tokens", {"role": "clinician", "name": "hash check"})
        self.assertStatus(r, 201)
        token = r.body["token"]
        for table in h.public_tables_with_column("id"):
            cols = h.psql(
                "SELECT column_name FROM information_schema.columns WHERE table_schema="
                f"'public' AND table_name='{table}' AND data_type IN ('text','character varying')")
            for col in cols.splitlines():
                n = int(h.psql(f'SELECT count(*) FROM public."{table}" WHERE "{col}" '
                               f"LIKE '%{token[4:]}%'"))
                self.assertEqual(n, 0, f"token text found in {table}.{col}")

    def test_clinician_creates_patient_token_for_own_patient(self):
        c = h.new_clinician()
        p = h.new_patient(token=c["token"])
        r = h.request("POST", "/v1/tokens", {"role": "patient", "patient_id": p["id"]},
                      token=c["token"])
        self.assertStatus(r, 201)
        self.check_token_body(r.body, "patient", p["id"])
        self.assertStatus(h.request("GET", f"/v1/patients/{p['id']}", token=r.body["token"]),
                          200)

    def test_clinician_patient_token_for_other_patient_404(self):
        c = h.new_clinician()
        other = h.new_patient()["id"]
        r = h.request("POST", "/v1/tokens", {"role": "patient", "patient_id": other},
                      token=c["token"])
        self.assertProblem(r, 404)
        r = h.request("POST", "/v1/tokens", {"role": "patient", "patient_id": str(uuid.uuid4())},
                      token=c["token"])
        self.assertProblem(r, 404)

    def test_admin_patient_token_for_unknown_patient_404(self):
        r = self.api("POST", "/v1/tokens", {"role": "patient", "patient_id": str(uuid.uuid4())})
        self.assertProblem(r, 404)

    def test_clinician_may_not_create_clinician_or_admin(self):
        c = h.new_clinician()
        for role in ("clinician", "admin"):
            with self.subTest(role=role):
                r = h.request("POST", "/v1/tokens", {"role": role, "name": "x"},
                              token=c["token"])
                self.assertProblem(r, 403)

    def test_patient_may_not_create_tokens(self):
        p = h.new_patient()
        t = h.new_patient_token(p["id"])["token"]
        for body in ({"role": "patient", "patient_id": p["id"]},
                     {"role": "clinician", "name": "x"}, {"role": "admin"}):
            with self.subTest(body=body):
                self.assertProblem(h.request("POST", "/v1/tokens", body, token=t), 403)

    def test_token_validation(self):
        pid = h.new_patient()["id"]
        cases = [
            ({}, "/role"),
            ({"role": "superuser"}, "/role"),
            ({"role": 5}, "/role"),
            ({"role": None}, "/role"),
            ({"role": "clinician", "name": 123}, "/name"),
            ({"role": "clinician", "name": ["a"]}, "/name"),
            ({"role": "patient"}, "/patient_id"),
            ({"role": "patient", "patient_id": "not-a-uuid"}, "/patient_id"),
            ({"role": "patient", "patient_id": 42}, "/patient_id"),
            ({"role": "clinician", "patient_id": pid}, "/patient_id"),
            ({"role": "admin", "patient_id": pid}, "/patient_id"),
            ({"role": "clinician", "name": "x", "scope": "all"}, "/scope"),
        ]
        for body, pointer in cases:
            with self.subTest(body=body):
                self.assertProblem(self.api("POST", "/v1/tokens", body), 422, [pointer])

    def test_token_validation_names_every_field(self):
        r = self.api("POST", "/v1/tokens", {"role": "wizard", "name": 1, "colour": "red"})
        self.assertProblem(r, 422, ["/role", "/name", "/colour"])

    def test_long_or_odd_names_never_500(self):
        for name in ("n" * 200, "n" * 201, "n" * 5000, "Dr \u00e9\u00e8 \u4e2d", "a\u0000b"):
            with self.subTest(length=len(name)):
                r = self.api("POST", "/v1/tokens", {"role": "clinician", "name": name})
                self.assertIn(r.status, (201, 400, 422), r)
                if r.status != 201:
                    self.assertProblem(r, r.status)
                    if r.status == 422:
                        self.assertProblem(r, 422, ["/name"])

    def test_tokens_bad_body(self):
        self.assertProblem(self.api("POST", "/v1/tokens", b"[]"), 400)
        self.assertProblem(self.api("POST", "/v1/tokens", b'{"role": "admin", "role": "admin"}'),
                           400)
        self.assertProblem(self.api("POST", "/v1/tokens", b'{"role":', ), 400)
        self.assertProblem(self.api("POST", "/v1/tokens", b'{"role": "admin"}',
                                    content_type="text/plain"), 415)


class RevocationTest(h.ApiTestCase):
    def test_admin_revokes_and_token_stops_at_once(self):
        c = h.new_clinician()
        self.assertStatus(h.request("GET", "/v1/me", token=c["token"]), 200)
        r = self.api("DELETE", f"/v1/tokens/{c['id']}")
        self.assertStatus(r, 204)
        self.assertEqual(r.raw, b"")
        r = h.request("GET", "/v1/me", token=c["token"])
        self.assertProblem(r, 401)
        self.assertTrue(r.headers.get("www-authenticate", "").startswith("Bearer"))
        # already revoked
        self.assertProblem(self.api("DELETE", f"/v1/tokens/{c['id']}"), 404)

    def test_revoking_one_patient_token_keeps_the_other(self):
        pid = h.new_patient()["id"]
        t1, t2 = h.new_patient_token(pid), h.new_patient_token(pid)
        self.assertStatus(self.api("DELETE", f"/v1/tokens/{t1['id']}"), 204)
        self.assertProblem(h.request("GET", "/v1/me", token=t1["token"]), 401)
        self.assertStatus(h.request("GET", "/v1/me", token=t2["token"]), 200)

    def test_revoke_unknown_or_malformed(self):
        self.assertProblem(self.api("DELETE", f"/v1/tokens/{uuid.uuid4()}"), 404)
        self.assertProblem(self.api("DELETE", "/v1/tokens/not-a-uuid"), 404)
        self.assertProblem(self.api("DELETE", "/v1/tokens/1234"), 404)

    def test_clinician_revokes_own_created_token(self):
        c = h.new_clinician()
        p = h.new_patient(token=c["token"])
        t = h.new_patient_token(p["id"], token=c["token"])
        r = h.request("DELETE", f"/v1/tokens/{t['id']}", token=c["token"])
        self.assertStatus(r, 204)
        self.assertProblem(h.request("GET", "/v1/me", token=t["token"]), 401)

    def test_clinician_cannot_revoke_others_tokens(self):
        c1, c2 = h.new_clinician(), h.new_clinician()
        p = h.new_patient(token=c1["token"])
        t = h.new_patient_token(p["id"], token=c1["token"])
        self.assertProblem(h.request("DELETE", f"/v1/tokens/{t['id']}", token=c2["token"]), 404)
        admin_made = h.new_patient_token(p["id"])
        self.assertProblem(
            h.request("DELETE", f"/v1/tokens/{admin_made['id']}", token=c1["token"]), 404)
        self.assertProblem(
            h.request("DELETE", f"/v1/tokens/{c2['id']}", token=c1["token"]), 404)
        # all still work
        for tok in (t["token"], admin_made["token"], c2["token"]):
            self.assertStatus(h.request("GET", "/v1/me", token=tok), 200)

    def test_patient_cannot_revoke(self):
        pid = h.new_patient()["id"]
        t1, t2 = h.new_patient_token(pid), h.new_patient_token(pid)
        self.assertProblem(h.request("DELETE", f"/v1/tokens/{t2['id']}", token=t1["token"]), 403)
        self.assertStatus(h.request("GET", "/v1/me", token=t2["token"]), 200)


class CommandLineTokensTest(h.ApiTestCase):
    def test_cli_create_clinician(self):
        out = h.run_cli("token", "create", "--role", "clinician", "--name", "CLI doc")
        self.assertEqual(out.returncode, 0, out.stderr)
        token = out.stdout.strip()
        self.assertRegex(token, h.TOKEN_RE)
        self.assertEqual(out.stdout, token + "\n", "the token alone on stdout")
        me = h.request("GET", "/v1/me", token=token)
        self.assertStatus(me, 200)
        self.assertEqual(me.body["role"], "clinician")

    def test_cli_create_patient(self):
        pid = h.new_patient()["id"]
        out = h.run_cli("token", "create", "--role", "patient", "--patient", pid)
        self.assertEqual(out.returncode, 0, out.stderr)
        me = h.request("GET", "/v1/me", token=out.stdout.strip())
        self.assertStatus(me, 200)
        self.assertEqual(me.body["role"], "patient")
        self.assertEqual(me.body["patient_id"], pid)

    def test_cli_revoke(self):
        c = h.new_clinician()
        self.assertStatus(h.request("GET", "/v1/me", token=c["token"]), 200)
        out = h.run_cli("token", "revoke", c["id"])
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertProblem(h.request("GET", "/v1/me", token=c["token"]), 401)

    def test_cli_rejects_bad_arguments(self):
        for args in (("token", "create", "--role", "emperor"),
                     ("token", "create", "--role", "patient"),
                     ("token", "revoke", "not-a-uuid")):
            with self.subTest(args=args):
                out = h.run_cli(*args)
                self.assertNotEqual(out.returncode, 0)
                self.assertEqual(out.stdout.strip(), "")


class RolesTest(h.ApiTestCase):
    def test_patient_cannot_create_patients(self):
        pid = h.new_patient()["id"]
        t = h.new_patient_token(pid)["token"]
        self.assertProblem(h.request("POST", "/v1/patients", {}, token=t), 403)
        self.assertProblem(h.request("POST", "/v1/patients", {"timezone": "UTC"}, token=t), 403)

    def test_only_admin_erases(self):
        c = h.new_clinician()
        p = h.new_patient(token=c["token"])
        t = h.new_patient_token(p["id"])["token"]
        self.assertProblem(h.request("DELETE", f"/v1/patients/{p['id']}", token=c["token"]), 403)
        self.assertProblem(h.request("DELETE", f"/v1/patients/{p['id']}", token=t), 403)
        self.assertStatus(h.request("GET", f"/v1/patients/{p['id']}", token=c["token"]), 200)

    def test_only_admin_manages_care_team(self):
        c = h.new_clinician()
        c2 = h.new_clinician()
        p = h.new_patient(token=c["token"])
        t = h.new_patient_token(p["id"])["token"]
        path = f"/v1/patients/{p['id']}/clinicians/{c2['principal_id']}"
        for tok in (c["token"], t):
            self.assertProblem(h.request("PUT", path, token=tok), 403)
            self.assertProblem(h.request("DELETE", path, token=tok), 403)
        self.assertProblem(h.request("GET", f"/v1/patients/{p['id']}", token=c2["token"]), 404)


class VisibilityTest(h.ApiTestCase):
    def test_patient_sees_only_self(self):
        a, b = h.new_patient()["id"], h.new_patient()["id"]
        ta = h.new_patient_token(a)["token"]
        eid = h.post_pain(b, h.pain_entry()).body["id"]
        did = h.post_dose(b, h.dose_entry()).body["id"]
        self.assertStatus(h.request("GET", f"/v1/patients/{a}", token=ta), 200)
        checks = [
            ("GET", f"/v1/patients/{b}", None),
            ("GET", f"/v1/patients/{b}/pain-entries", None),
            ("GET", f"/v1/patients/{b}/dose-entries", None),
            ("POST", f"/v1/patients/{b}/pain-entries", h.pain_entry()),
            ("POST", f"/v1/patients/{b}/dose-entries", h.dose_entry()),
            ("POST", f"/v1/patients/{b}/pain-entries", {"entries": [h.pain_entry()]}),
            ("DELETE", f"/v1/patients/{b}/pain-entries/{eid}", None),
            ("DELETE", f"/v1/patients/{b}/dose-entries/{did}", None),
            # b's entry through a's own path is simply unknown
            ("DELETE", f"/v1/patients/{a}/pain-entries/{eid}", None),
        ]
        for method, path, body in checks:
            with self.subTest(method=method, path=path):
                self.assertProblem(h.request(method, path, body, token=ta), 404)
        self.assertEqual(h.stored_entry_count(b), 1)
        self.assertEqual(h.stored_entry_count(b, "taken_at"), 1)
        self.assertEqual(h.stored_entry_count(a), 0)
        lst = h.request("GET", "/v1/patients", token=ta)
        self.assertStatus(lst, 200)
        self.assertEqual([p["id"] for p in lst.body["patients"]], [a])

    def test_patient_writes_own_data(self):
        pid = h.new_patient()["id"]
        t = h.new_patient_token(pid)["token"]
        r = h.post_pain(pid, h.pain_entry(), token=t)
        self.assertStatus(r, 201)
        r = h.post_dose(pid, h.dose_entry(), token=t)
        self.assertStatus(r, 201)
        r = h.request("GET", f"/v1/patients/{pid}/pain-entries", token=t)
        self.assertStatus(r, 200)
        self.assertEqual(len(r.body["entries"]), 1)
        self.assertStatus(h.request("GET", "/v1/medications", token=t), 200)

    def test_clinician_sees_only_care_team(self):
        c1, c2 = h.new_clinician(), h.new_clinician()
        p = h.new_patient(token=c1["token"])["id"]
        self.assertStatus(h.request("GET", f"/v1/patients/{p}", token=c1["token"]), 200)
        self.assertStatus(h.post_pain(p, h.pain_entry(), token=c1["token"]), 201)
        for method, path, body in [
            ("GET", f"/v1/patients/{p}", None),
            ("GET", f"/v1/patients/{p}/pain-entries", None),
            ("GET", f"/v1/patients/{p}/dose-entries", None),
            ("POST", f"/v1/patients/{p}/pain-entries", h.pain_entry()),
            ("POST", f"/v1/patients/{p}/dose-entries", h.dose_entry()),
        ]:
            with self.subTest(method=method, path=path):
                self.assertProblem(h.request(method, path, body, token=c2["token"]), 404)
        lst = h.request("GET", "/v1/patients", token=c2["token"])
        self.assertStatus(lst, 200)
        self.assertEqual(lst.body["patients"], [])
        self.assertEqual(lst.body["next_cursor"], None)

    def test_care_team_put_and_delete(self):
        c = h.new_clinician()
        p = h.new_patient()  # created by admin: on nobody's team
        pid = p["id"]
        self.assertProblem(h.request("GET", f"/v1/patients/{pid}", token=c["token"]), 404)
        path = f"/v1/patients/{pid}/clinicians/{c['principal_id']}"
        r = self.api("PUT", path)
        self.assertStatus(r, 204)
        self.assertEqual(r.raw, b"")
        self.assertStatus(self.api("PUT", path), 204, "PUT is idempotent")
        g = h.request("GET", f"/v1/patients/{pid}", token=c["token"])
        self.assertStatus(g, 200)
        self.assertEqual(g.body, p)
        self.assertStatus(h.post_pain(pid, h.pain_entry(), token=c["token"]), 201)
        lst = h.request("GET", "/v1/patients", token=c["token"])
        self.assertEqual([x["id"] for x in lst.body["patients"]], [pid])
        self.assertStatus(self.api("DELETE", path), 204)
        self.assertProblem(h.request("GET", f"/v1/patients/{pid}", token=c["token"]), 404)
        self.assertProblem(h.request("GET", f"/v1/patients/{pid}/pain-entries",
                                     token=c["token"]), 404)
        self.assertProblem(self.api("DELETE", path), 404, None)
        lst = h.request("GET", "/v1/patients", token=c["token"])
        self.assertEqual(lst.body["patients"], [])

    def test_care_team_unknown_targets(self):
        c = h.new_clinician()
        pid = h.new_patient()["id"]
        me_admin = self.api("GET", "/v1/me").body["principal_id"]
        ppt = h.new_patient_token(pid)
        for path in [
            f"/v1/patients/{uuid.uuid4()}/clinicians/{c['principal_id']}",
            f"/v1/patients/{pid}/clinicians/{uuid.uuid4()}",
            f"/v1/patients/{pid}/clinicians/{me_admin}",  # an admin is not a clinician
            f"/v1/patients/{pid}/clinicians/{ppt['principal_id']}",  # nor is a patient
            f"/v1/patients/not-a-uuid/clinicians/{c['principal_id']}",
            f"/v1/patients/{pid}/clinicians/not-a-uuid",
        ]:
            with self.subTest(path=path):
                self.assertProblem(self.api("PUT", path), 404)
        self.assertProblem(self.api("DELETE", f"/v1/patients/{pid}/clinicians/"
                                              f"{c['principal_id']}"), 404)

    def test_clinician_team_created_patient_then_revoked_clinician(self):
        c = h.new_clinician()
        pid = h.new_patient(token=c["token"])["id"]
        self.assertStatus(self.api("DELETE", f"/v1/tokens/{c['id']}"), 204)
        self.assertProblem(h.request("GET", f"/v1/patients/{pid}", token=c["token"]), 401)


def _token_cache_count(result):
    text = h.request("GET", "/metrics").raw.decode()
    for line in text.splitlines():
        if line.startswith(f'oihwatch_token_cache_total{{result="{result}"}}'):
            return int(line.split()[-1])
    raise AssertionError(f"no token cache {result} counter in /metrics")


def _until_unauthorized(token, seconds=5.0):
    """Polls /v1/me until 401; returns the seconds it took (fails after `seconds`)."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if h.request("GET", "/v1/me", token=token).status == 401:
            return time.monotonic() - start
        time.sleep(0.01)
    raise AssertionError(f"token still accepted {seconds}s after its revocation")


class TokenCacheTest(h.ApiTestCase):
    """Tokens are cached in the server; every change elsewhere must still reach it."""

    def test_repeated_requests_are_served_from_the_cache(self):
        c = h.new_clinician()
        # a flush from an earlier test's token change may still be on its way (NOTIFY is
        # asynchronous): warm up until a request is a hit, so only this test's requests count
        for _ in range(50):
            before = _token_cache_count("hit")
            self.assertStatus(h.request("GET", "/v1/me", token=c["token"]), 200)
            if _token_cache_count("hit") > before:
                break
            time.sleep(0.02)
        hits = _token_cache_count("hit")
        for _ in range(5):
            self.assertStatus(h.request("GET", "/v1/me", token=c["token"]), 200)
        self.assertGreaterEqual(_token_cache_count("hit") - hits, 5)

    def test_revocation_in_sql_reaches_the_cache(self):
        # another replica, the CLI or an operator: only NOTIFY tells this server
        c = h.new_clinician()
        for _ in range(2):
            self.assertStatus(h.request("GET", "/v1/me", token=c["token"]), 200)
        h.psql(f"UPDATE tokens SET revoked_at = now() WHERE id = '{c['id']}'")
        self.assertLess(_until_unauthorized(c["token"]), 1.0)

    def test_principal_change_in_sql_reaches_the_cache(self):
        c = h.new_clinician()
        for _ in range(2):
            self.assertStatus(h.request("GET", "/v1/me", token=c["token"]), 200)
        h.psql("UPDATE principals SET name = 'renamed' WHERE id = (SELECT principal_id"
               f" FROM tokens WHERE id = '{c['id']}')")
        h.psql(f"DELETE FROM tokens WHERE id = '{c['id']}'")
        self.assertLess(_until_unauthorized(c["token"]), 1.0)

    def test_revocation_while_the_notification_connection_is_down(self):
        c = h.new_clinician()
        self.assertStatus(h.request("GET", "/v1/me", token=c["token"]), 200)
        # the server's LISTEN session dies; until it is back the cache must not answer
        killed = h.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        " WHERE query = 'LISTEN oihwatch_tokens'")
        self.assertEqual(killed, "1")
        h.psql(f"UPDATE tokens SET revoked_at = now() WHERE id = '{c['id']}'")
        self.assertLess(_until_unauthorized(c["token"]), 1.0)
        # and it comes back, caching again
        deadline = time.monotonic() + 5
        while h.psql("SELECT count(*) FROM pg_stat_activity"
                     " WHERE query = 'LISTEN oihwatch_tokens'") != "1":
            self.assertLess(time.monotonic(), deadline, "the server did not LISTEN again")
            time.sleep(0.05)
        d = h.new_clinician()
        self.assertStatus(h.request("GET", "/v1/me", token=d["token"]), 200)
        hits = _token_cache_count("hit")
        self.assertStatus(h.request("GET", "/v1/me", token=d["token"]), 200)
        self.assertEqual(_token_cache_count("hit") - hits, 1)
