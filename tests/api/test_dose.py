"""Dose entries (validation, class, MME) and the medication catalog."""

import datetime as dt
import uuid

from . import harness as h

# risk-model.md section 1: (medication, route, unit, factor or None)
OPIOID_FORMS = [
    ("codeine", "oral", "mg", 0.15),
    ("dihydrocodeine", "oral", "mg", 0.25),
    ("fentanyl", "transdermal", "mcg/h", 2.4),
    ("fentanyl", "buccal", "mcg", 0.13),
    ("fentanyl", "sublingual", "mcg", 0.13),
    ("fentanyl", "nasal", "mcg", 0.16),
    ("hydrocodone", "oral", "mg", 1),
    ("hydromorphone", "oral", "mg", 5),
    ("levorphanol", "oral", "mg", 11),
    ("meperidine", "oral", "mg", 0.1),
    ("methadone", "oral", "mg", 4.7),
    ("morphine", "oral", "mg", 1),
    ("oxycodone", "oral", "mg", 1.5),
    ("oxymorphone", "oral", "mg", 3),
    ("pentazocine", "oral", "mg", 0.37),
    ("tapentadol", "oral", "mg", 0.4),
    ("tramadol", "oral", "mg", 0.2),
    ("buprenorphine", "sublingual", "mg", None),
    ("buprenorphine", "buccal", "mg", None),
    ("buprenorphine", "transdermal", "mcg/h", None),
]
NON_OPIOIDS = {
    "gabapentin": "gabapentinoid", "pregabalin": "gabapentinoid",
    "alprazolam": "benzodiazepine", "clonazepam": "benzodiazepine",
    "diazepam": "benzodiazepine", "lorazepam": "benzodiazepine",
    "ibuprofen": "nsaid", "naproxen": "nsaid",
    "duloxetine": "antidepressant", "amitriptyline": "antidepressant",
    "nortriptyline": "antidepressant",
    "acetaminophen": "other",
}
CLASSES = {"opioid", "benzodiazepine", "gabapentinoid", "antidepressant", "nsaid", "other"}


def catalog():
    r = h.request("GET", "/v1/medications", token=h.admin_token())
    assert r.status == 200, r
    return {m["key"]: m for m in r.body["medications"]}


class MedicationsTest(h.ApiTestCase):
    def test_shape(self):
        r = self.api("GET", "/v1/medications")
        self.assertStatus(r, 200)
        self.assertIsInstance(r.body.get("source"), str)
        self.assertTrue(r.body["source"])
        meds = r.body["medications"]
        self.assertIsInstance(meds, list)
        keys = [m["key"] for m in meds]
        self.assertEqual(len(keys), len(set(keys)), "keys are unique")
        for m in meds:
            with self.subTest(key=m.get("key")):
                self.assertEqual(set(m), {"key", "name", "class", "forms"})
                self.assertRegex(m["key"], r"^[a-z][a-z0-9_]*$")
                self.assertIsInstance(m["name"], str)
                self.assertTrue(m["name"])
                self.assertIn(m["class"], CLASSES)
                self.assertTrue(m["forms"])
                routes = [f["route"] for f in m["forms"]]
                self.assertEqual(len(routes), len(set(routes)))
                for f in m["forms"]:
                    self.assertEqual(set(f), {"route", "unit", "mme_factor"})
                    if m["class"] != "opioid":
                        self.assertIsNone(f["mme_factor"], "non-opioids have no MME factor")
                    elif f["mme_factor"] is not None:
                        self.assertGreater(f["mme_factor"], 0)

    def test_cdc_factors(self):
        meds = catalog()
        for key, route, unit, factor in OPIOID_FORMS:
            with self.subTest(key=key, route=route):
                self.assertIn(key, meds)
                self.assertEqual(meds[key]["class"], "opioid")
                forms = {f["route"]: f for f in meds[key]["forms"]}
                self.assertIn(route, forms)
                self.assertEqual(forms[route]["unit"], unit)
                if factor is None:
                    self.assertIsNone(forms[route]["mme_factor"])
                else:
                    self.assertIsNotNone(forms[route]["mme_factor"])
                    self.assertAlmostEqual(forms[route]["mme_factor"], factor, delta=1e-9)

    def test_example_from_contract(self):
        meds = catalog()
        self.assertEqual(meds["oxycodone"]["name"], "Oxycodone")
        self.assertEqual(meds["oxycodone"]["class"], "opioid")
        self.assertIn({"route": "oral", "unit": "mg", "mme_factor": 1.5},
                      meds["oxycodone"]["forms"])

    def test_non_opioids(self):
        meds = catalog()
        for key, cls in NON_OPIOIDS.items():
            with self.subTest(key=key):
                self.assertIn(key, meds)
                self.assertEqual(meds[key]["class"], cls)

    def test_any_role_may_read(self):
        c = h.new_clinician()
        pid = h.new_patient()["id"]
        t = h.new_patient_token(pid)["token"]
        want = self.api("GET", "/v1/medications").body
        for tok in (c["token"], t):
            r = h.request("GET", "/v1/medications", token=tok)
            self.assertStatus(r, 200)
            self.assertEqual(r.body, want)
        self.assertProblem(h.request("GET", "/v1/medications"), 401)


class DoseTest(h.ApiTestCase):
    def setUp(self):
        self.pid = h.new_patient()["id"]

    def post(self, body, **kw):
        return h.post_dose(self.pid, body, **kw)

    def test_full_entry_oxycodone(self):
        eid = str(uuid.uuid4())
        r = self.post({"id": eid, "taken_at": "2026-03-01T08:30:00-05:00",
                       "medication": "oxycodone", "dose": 10, "unit": "mg", "route": "oral",
                       "note": "after lunch"})
        self.assertStatus(r, 201)
        e = r.body
        self.assertEqual(set(e), {"id", "taken_at", "medication", "dose", "unit", "route",
                                  "duration_hours", "note", "class", "mme", "created_at"})
        self.assertEqual(e["id"], eid)
        self.assertEqual(e["taken_at"], "2026-03-01T13:30:00Z")
        self.assertEqual(e["medication"], "oxycodone")
        self.assertEqual(e["dose"], 10)
        self.assertEqual(e["unit"], "mg")
        self.assertEqual(e["route"], "oral")
        self.assertIsNone(e["duration_hours"])
        self.assertEqual(e["note"], "after lunch")
        self.assertEqual(e["class"], "opioid")
        self.assertAlmostEqual(e["mme"], 15, delta=1e-9)
        self.assertUtcTimestamp(e["created_at"])
        lst = self.api("GET", f"/v1/patients/{self.pid}/dose-entries")
        self.assertStatus(lst, 200)
        self.assertEqual(lst.body, {"entries": [e], "next_cursor": None})

    def test_minimal_defaults(self):
        r = self.post(h.dose_entry())
        self.assertStatus(r, 201)
        self.assertUuid(r.body["id"])
        self.assertIsNone(r.body["note"])
        self.assertIsNone(r.body["duration_hours"])

    def test_mme(self):
        cases = [
            (dict(medication="oxycodone", route="oral", unit="mg", dose=10), "opioid", 15, None),
            (dict(medication="oxycodone", route="oral", unit="mg", dose=7.5), "opioid", 11.25,
             None),
            (dict(medication="fentanyl", route="transdermal", unit="mcg/h", dose=25), "opioid",
             180, 72),
            (dict(medication="fentanyl", route="transdermal", unit="mcg/h", dose=25,
                  duration_hours=48), "opioid", 120, 48),
            (dict(medication="fentanyl", route="transdermal", unit="mcg/h", dose=12.5,
                  duration_hours=168), "opioid", 210, 168),
            (dict(medication="fentanyl", route="transdermal", unit="mcg/h", dose=50,
                  duration_hours=0.5), "opioid", 2.5, 0.5),
            (dict(medication="fentanyl", route="buccal", unit="mcg", dose=200), "opioid", 26,
             None),
            (dict(medication="fentanyl", route="nasal", unit="mcg", dose=100), "opioid", 16,
             None),
            (dict(medication="methadone", route="oral", unit="mg", dose=10), "opioid", 47, None),
            (dict(medication="hydromorphone", route="oral", unit="mg", dose=2), "opioid", 10,
             None),
            (dict(medication="tramadol", route="oral", unit="mg", dose=50), "opioid", 10, None),
            (dict(medication="codeine", route="oral", unit="mg", dose=30), "opioid", 4.5, None),
            (dict(medication="morphine", route="oral", unit="mg", dose=30), "opioid", 30, None),
            (dict(medication="tapentadol", route="oral", unit="mg", dose=100), "opioid", 40,
             None),
            (dict(medication="buprenorphine", route="sublingual", unit="mg", dose=8), "opioid",
             None, None),
            (dict(medication="buprenorphine", route="transdermal", unit="mcg/h", dose=10),
             "opioid", None, 72),
            (dict(medication="gabapentin", route="oral", unit="mg", dose=300), "gabapentinoid",
             None, None),
            (dict(medication="lorazepam", route="oral", unit="mg", dose=1), "benzodiazepine",
             None, None),
            (dict(medication="ibuprofen", route="oral", unit="mg", dose=400), "nsaid", None,
             None),
            (dict(medication="duloxetine", route="oral", unit="mg", dose=60), "antidepressant",
             None, None),
            (dict(medication="acetaminophen", route="oral", unit="mg", dose=500), "other", None,
             None),
        ]
        for fields, cls, mme, duration in cases:
            with self.subTest(**{k: v for k, v in fields.items() if k != "unit"}):
                r = self.post(h.dose_entry(**fields))
                self.assertStatus(r, 201)
                self.assertEqual(r.body["class"], cls)
                self.assertEqual(r.body["dose"], fields["dose"])
                if mme is None:
                    self.assertIsNone(r.body["mme"])
                else:
                    self.assertIsNotNone(r.body["mme"])
                    self.assertAlmostEqual(r.body["mme"], mme, delta=1e-6)
                if duration is None:
                    self.assertIsNone(r.body["duration_hours"])
                else:
                    self.assertAlmostEqual(r.body["duration_hours"], duration, delta=1e-9)

    def test_required_fields(self):
        for field in ("taken_at", "medication", "dose", "unit", "route"):
            with self.subTest(missing=field):
                body = h.dose_entry()
                del body[field]
                self.assertProblem(self.post(body), 422, [f"/{field}"])
                if field not in ("medication",):
                    self.assertProblem(self.post(body), 422, [f"/{field}"], exact=True)
        self.assertEqual(h.stored_entry_count(self.pid, "taken_at"), 0)

    def test_taken_at_rules(self):
        future = h.now_utc() + dt.timedelta(minutes=10)
        for value in ("2026-03-01T08:30:00", h.ts(future), "1999-12-31T23:59:59Z",
                      "2025-02-30T08:00:00Z", 5, None, "soon"):
            with self.subTest(taken_at=value):
                self.assertProblem(self.post(h.dose_entry(taken_at=value)), 422, ["/taken_at"],
                                   exact=True)
        self.assertStatus(self.post(h.dose_entry(taken_at="2000-01-01T00:00:00Z")), 201)
        self.assertStatus(self.post(h.dose_entry(
            taken_at=h.ts(h.now_utc() + dt.timedelta(minutes=3)))), 201)

    def test_medication_rules(self):
        for value in ("unobtainium", "Oxycodone", "", 5, None, ["oxycodone"]):
            with self.subTest(medication=value):
                r = self.post(h.dose_entry(medication=value))
                self.assertProblem(r, 422, ["/medication"])
                self.assertTrue(set(self.pointers(r)) <= {"/medication", "/unit", "/route"},
                                self.pointers(r))

    def test_dose_rules(self):
        for value in (0, -1, -0.5, 0.0, "10", None, True, [10]):
            with self.subTest(dose=value):
                self.assertProblem(self.post(h.dose_entry(dose=value)), 422, ["/dose"],
                                   exact=True)
        r = self.post(h.dose_entry(dose=0.001))
        self.assertStatus(r, 201)
        self.assertAlmostEqual(r.body["mme"], 0.0015, delta=1e-9)

    def test_huge_dose_never_500(self):
        # finite doses whose MME would overflow a double: refuse or store, never crash
        for fields in (dict(dose=1e308),
                       dict(medication="fentanyl", route="transdermal", unit="mcg/h", dose=1e307,
                            duration_hours=168)):
            with self.subTest(**fields):
                r = self.post(h.dose_entry(**fields))
                self.assertIn(r.status, (201, 422), r)
                if r.status == 422:
                    self.assertProblem(r, 422, ["/dose"])
        lst = self.api("GET", f"/v1/patients/{self.pid}/dose-entries")
        self.assertStatus(lst, 200)

    def test_non_finite_dose_rejected(self):
        for raw in (b"NaN", b"Infinity", b"-Infinity", b"1e999"):
            with self.subTest(raw=raw):
                body = (b'{"taken_at": "2026-03-01T12:00:00Z", "medication": "oxycodone", '
                        b'"dose": ' + raw + b', "unit": "mg", "route": "oral"}')
                r = self.post(body)
                self.assertIn(r.status, (400, 422), r)
                self.assertProblem(r, r.status)
        self.assertEqual(h.stored_entry_count(self.pid, "taken_at"), 0)

    def test_unit_rules(self):
        for med, route, unit in (("oxycodone", "oral", "g"), ("oxycodone", "oral", "mcg"),
                                 ("oxycodone", "oral", "MG"), ("fentanyl", "transdermal", "mcg"),
                                 ("fentanyl", "buccal", "mcg/h"), ("oxycodone", "oral", ""),
                                 ("oxycodone", "oral", 5), ("gabapentin", "oral", "mcg")):
            with self.subTest(med=med, route=route, unit=unit):
                r = self.post(h.dose_entry(medication=med, route=route, unit=unit))
                self.assertProblem(r, 422, ["/unit"], exact=True)

    def test_route_rules(self):
        for med, route, unit in (("oxycodone", "rectal", "mg"), ("oxycodone", "transdermal",
                                                                  "mcg/h"),
                                 ("fentanyl", "oral", "mg"), ("gabapentin", "iv", "mg"),
                                 ("oxycodone", "ORAL", "mg"), ("oxycodone", 1, "mg")):
            with self.subTest(med=med, route=route):
                r = self.post(h.dose_entry(medication=med, route=route, unit=unit))
                self.assertProblem(r, 422, ["/route"])
                self.assertTrue(set(self.pointers(r)) <= {"/route", "/unit"}, self.pointers(r))

    def test_duration_rules(self):
        patch = dict(medication="fentanyl", route="transdermal", unit="mcg/h", dose=25)
        for value in (0, -1, 168.01, 169, 1000, "72", True):
            with self.subTest(duration_hours=value):
                self.assertProblem(self.post(h.dose_entry(duration_hours=value, **patch)), 422,
                                   ["/duration_hours"], exact=True)
        for value in (168, 1, 0.25):
            with self.subTest(duration_hours=value):
                r = self.post(h.dose_entry(duration_hours=value, **patch))
                self.assertStatus(r, 201)
                self.assertAlmostEqual(r.body["duration_hours"], value, delta=1e-9)

    def test_note_rules(self):
        r = self.post(h.dose_entry(note="ü" * 1000))
        self.assertStatus(r, 201)
        self.assertEqual(r.body["note"], "ü" * 1000)
        for note in ("x" * 1001, "ü" * 1001, 7):
            with self.subTest(note=str(note)[:2]):
                self.assertProblem(self.post(h.dose_entry(note=note)), 422, ["/note"],
                                   exact=True)

    def test_unknown_fields(self):
        r = self.post(h.dose_entry(strength="10mg", mme=15))
        self.assertProblem(r, 422, ["/strength", "/mme"], exact=True)
        self.assertEqual(h.stored_entry_count(self.pid, "taken_at"), 0)

    def test_every_invalid_field_is_named(self):
        r = self.post({"id": "x", "taken_at": "2026-03-01", "medication": "oxycodone",
                       "dose": -5, "unit": "g", "route": "oral", "duration_hours": 0,
                       "note": "n" * 1001})
        ps = self.pointers(r)
        self.assertProblem(r, 422, ["/id", "/taken_at", "/dose", "/unit", "/note"])
        self.assertTrue(set(ps) <= {"/id", "/taken_at", "/dose", "/unit", "/note",
                                    "/duration_hours"}, ps)

    def test_batch_and_all_or_nothing(self):
        es = [h.dose_entry(id=str(uuid.uuid4()),
                           taken_at=h.ts(h.BASE_TIME - dt.timedelta(hours=i)))
              for i in range(20)]
        bad = [dict(e) for e in es]
        bad[11]["unit"] = "g"
        r = self.post({"entries": bad})
        self.assertProblem(r, 422, ["/entries/11/unit"], exact=True)
        self.assertEqual(h.stored_entry_count(self.pid, "taken_at"), 0)
        r = self.post({"entries": es})
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {"created": 20, "duplicates": 0, "ids": [e["id"] for e in es]})
        self.assertEqual(h.stored_entry_count(self.pid, "taken_at"), 20)
        for n in (0, 1001):
            with self.subTest(n=n):
                r = self.post({"entries": [h.dose_entry() for _ in range(n)]})
                self.assertProblem(r, 422, ["/entries"], exact=True)

    def test_list_ordered_by_taken_at_and_delete(self):
        times = ["2026-02-01T00:00:00Z", "2026-03-05T00:00:00Z", "2026-01-01T00:00:00Z"]
        ids = {}
        for t in times:
            ids[t] = self.post(h.dose_entry(taken_at=t)).body["id"]
        r = self.api("GET", f"/v1/patients/{self.pid}/dose-entries")
        self.assertStatus(r, 200)
        self.assertEqual([e["taken_at"] for e in r.body["entries"]], sorted(times, reverse=True))
        d = self.api("DELETE", f"/v1/patients/{self.pid}/dose-entries/{ids[times[0]]}")
        self.assertStatus(d, 204)
        self.assertEqual(d.raw, b"")
        self.assertProblem(self.api("DELETE",
                                    f"/v1/patients/{self.pid}/dose-entries/{ids[times[0]]}"),
                           404)
        self.assertProblem(self.api("DELETE", f"/v1/patients/{self.pid}/dose-entries/bad-id"),
                           404)
        # a pain path does not delete a dose
        self.assertProblem(self.api("DELETE",
                                    f"/v1/patients/{self.pid}/pain-entries/{ids[times[1]]}"),
                           404)
        r = self.api("GET", f"/v1/patients/{self.pid}/dose-entries")
        self.assertEqual(len(r.body["entries"]), 2)
