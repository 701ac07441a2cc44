"""DELETE /v1/patients/{id}: the patient and everything about them is gone."""

import uuid
from urllib.parse import quote

from . import harness as h


def rows_for(patient_id):
    """{table.column: count} of rows holding patient_id in any patient_id column, and in any
    id column (the patients table), across the public schema."""
    counts = {}
    for table in h.public_tables_with_column("patient_id"):
        counts[f"{table}.patient_id"] = h.count_where(table, "patient_id", patient_id)
    for table in h.public_tables_with_column("id"):
        counts[f"{table}.id"] = h.count_where(table, "id", patient_id)
    return counts


class ErasureTest(h.ApiTestCase):
    def make_patient_with_data(self):
        c = h.new_clinician()
        ref = h.unique("erase")
        p = h.new_patient(token=c["token"], external_ref=ref, timezone="America/Chicago")
        pid = p["id"]
        t = h.new_patient_token(pid)
        t2 = h.new_patient_token(pid, token=c["token"])
        c2 = h.new_clinician()
        self.assertStatus(self.api("PUT", f"/v1/patients/{pid}/clinicians/{c2['principal_id']}"),
                          204)
        self.assertStatus(h.post_pain(pid, {"entries": [h.pain_entry(score=i) for i in range(5)]},
                                      token=t["token"]), 200)
        self.assertStatus(h.post_dose(pid, {"entries": [h.dose_entry(dose=5 + i)
                                                        for i in range(3)]},
                                      token=c["token"]), 200)
        return p, c, c2, t, t2

    def test_erase(self):
        p, c, c2, t, t2 = self.make_patient_with_data()
        pid = p["id"]
        other = h.new_patient()["id"]
        self.assertStatus(h.post_pain(other, h.pain_entry()), 201)
        before = rows_for(pid)
        self.assertGreaterEqual(sum(v for k, v in before.items() if k.endswith(".patient_id")), 8,
                                f"the check can see the patient's rows: {before}")
        self.assertEqual(sum(v for k, v in before.items() if k.endswith(".id")), 1,
                         f"the patient row is found by id: {before}")

        r = self.api("DELETE", f"/v1/patients/{pid}")
        self.assertStatus(r, 204)
        self.assertEqual(r.raw, b"")

        after = rows_for(pid)
        self.assertEqual({k: v for k, v in after.items() if v}, {},
                         "no row with the patient's id is left in the public schema")
        self.assertTrue(after, "tables were inspected")
        self.assertProblem(self.api("GET", f"/v1/patients/{pid}"), 404)
        self.assertProblem(self.api("GET", f"/v1/patients/{pid}/pain-entries"), 404)
        self.assertProblem(self.api("GET", f"/v1/patients/{pid}/dose-entries"), 404)
        self.assertProblem(h.post_pain(pid, h.pain_entry()), 404)
        self.assertProblem(self.api("DELETE", f"/v1/patients/{pid}"), 404)
        self.assertProblem(h.request("GET", f"/v1/patients/{pid}", token=c["token"]), 404)
        self.assertProblem(h.request("GET", f"/v1/patients/{pid}", token=c2["token"]), 404)
        lst = self.api("GET", f"/v1/patients?external_ref={quote(p['external_ref'])}")
        self.assertEqual(lst.body["patients"], [])
        # the patient's own tokens are gone with the patient
        for tok in (t["token"], t2["token"]):
            self.assertProblem(h.request("GET", "/v1/me", token=tok), 401)
        # the clinicians still work, and other patients are untouched
        self.assertStatus(h.request("GET", "/v1/me", token=c["token"]), 200)
        self.assertEqual(h.stored_entry_count(other), 1)
        self.assertStatus(self.api("GET", f"/v1/patients/{other}"), 200)
        # the external_ref may be used again
        again = self.api("POST", "/v1/patients", {"external_ref": p["external_ref"]})
        self.assertStatus(again, 201)
        self.assertNotEqual(again.body["id"], pid)

    def test_erase_patient_without_data(self):
        pid = h.new_patient()["id"]
        self.assertStatus(self.api("DELETE", f"/v1/patients/{pid}"), 204)
        self.assertEqual({k: v for k, v in rows_for(pid).items() if v}, {})
        self.assertProblem(self.api("GET", f"/v1/patients/{pid}"), 404)

    def test_erase_unknown_or_malformed(self):
        self.assertProblem(self.api("DELETE", f"/v1/patients/{uuid.uuid4()}"), 404)
        self.assertProblem(self.api("DELETE", "/v1/patients/not-a-uuid"), 404)

    def test_erase_forbidden_for_others(self):
        p, c, c2, t, t2 = self.make_patient_with_data()
        for tok in (c["token"], c2["token"], t["token"]):
            self.assertProblem(h.request("DELETE", f"/v1/patients/{p['id']}", token=tok), 403)
        self.assertStatus(self.api("GET", f"/v1/patients/{p['id']}"), 200)
        self.assertEqual(h.stored_entry_count(p["id"]), 5)
