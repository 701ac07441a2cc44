"""GET /v1/risk: the caller's patients by stored OIH result, kept fresh by the risk worker
(recomputed about 1 s after a patient's last write).

Courses here are built backwards from now (the worker assesses as of now with a 90-day
window); expected scores are those worked out in test_clinical_scenarios.py:
textbook OIH 90 (high), `moderate` 55, tolerance 10 (low), gate_minimal 10 (low).
"""

import datetime as dt
import time

from . import clinical_data as cd
from . import harness as h

POLL_S = 0.25
WAIT_S = 15
ROW_KEYS = {"patient_id", "external_ref", "level", "score", "signals", "computed_at"}
OIH_SIGNALS = ["pain_rising", "dose_escalation", "pain_tracks_dose",
               "no_relief_after_escalation", "evoked_pain", "pain_spreading"]


def now_course():
    # entries a few seconds before now (`minutes` stand for seconds), so that none is in the
    # future and the last day is today
    return cd.Course(h.now_utc() - dt.timedelta(seconds=1), days=90,
                     spacing=dt.timedelta(seconds=1))


def cohort(token, **params):
    q = "&".join(f"{k}={v}" for k, v in params.items())
    return h.request("GET", "/v1/risk" + (f"?{q}" if q else ""), token=token)


def cohort_all(token, limit=500, **params):
    """Every row, following next_cursor."""
    rows, cursor = [], None
    for _ in range(1000):
        extra = dict(params, limit=limit)
        if cursor:
            extra["cursor"] = cursor
        r = cohort(token, **extra)
        if r.status != 200:
            raise h.HarnessError(f"GET /v1/risk: {r!r}")
        rows += r.body["patients"]
        cursor = r.body["next_cursor"]
        if cursor is None:
            return rows
    raise h.HarnessError("next_cursor never ended")


def make_patient(clinician, builder, ref_prefix="coh"):
    p = h.new_patient(token=clinician["token"], external_ref=h.unique(ref_prefix))
    c = now_course()
    builder(c)
    c.post(p["id"], token=clinician["token"])
    return p, c


class CohortCase(h.ApiTestCase):
    def wait_rows(self, token, pred, what, timeout=WAIT_S, **params):
        """Polls GET /v1/risk until pred(rows) holds; returns (rows, seconds waited)."""
        start = time.monotonic()
        rows = []
        while True:
            rows = cohort_all(token, **params)
            if pred(rows):
                return rows, time.monotonic() - start
            if time.monotonic() - start > timeout:
                self.fail(f"after {timeout}s, GET /v1/risk never showed {what}; rows: {rows}")
            time.sleep(POLL_S)

    def by_id(self, rows):
        return {r["patient_id"]: r for r in rows}

    def assertRow(self, row, patient, level, score, signals):
        self.assertEqual(set(row), ROW_KEYS)
        self.assertEqual(row["patient_id"], patient["id"])
        self.assertEqual(row["external_ref"], patient["external_ref"])
        self.assertEqual((row["level"], row["score"], row["signals"]), (level, score, signals))
        self.assertUtcTimestamp(row["computed_at"])

    def assertOrdered(self, rows):
        scores = [r["score"] for r in rows]
        self.assertEqual(scores, sorted(scores, reverse=True), "highest score first")


class CohortListTest(CohortCase):
    """One clinician (A) with a high, a moderate, a low, an insufficient-data and an empty
    patient; another (B) with one high patient."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a = h.new_clinician()
        cls.b = h.new_clinician()
        cls.high, _ = make_patient(cls.a, cd.textbook_oih)
        cls.mod, _ = make_patient(cls.a, cd.moderate)
        cls.low, _ = make_patient(cls.a, cd.tolerance)
        cls.insufficient, _ = make_patient(
            cls.a, lambda c: (c.mme_schedule(lambda i: 30),
                              c.pain_schedule(lambda i: 5, first=80)))
        cls.empty = h.new_patient(token=cls.a["token"], external_ref=h.unique("coh"))
        cls.no_ref = h.new_patient(token=cls.a["token"])  # external_ref null
        c = now_course()
        cd.gate_minimal(c)
        c.post(cls.no_ref["id"], token=cls.a["token"])
        cls.b_high, _ = make_patient(cls.b, cd.textbook_oih)
        cls.a_ids = {cls.high["id"], cls.mod["id"], cls.low["id"], cls.no_ref["id"]}

    def wait_all(self):
        rows, _ = self.wait_rows(self.a["token"], lambda rows: self.a_ids <= set(self.by_id(rows)),
                                 "all of A's scored patients")
        return rows

    def test_levels_order_and_rows(self):
        rows = self.wait_all()
        ids = [r["patient_id"] for r in rows]
        self.assertEqual(ids[:2], [self.high["id"], self.mod["id"]])
        self.assertEqual(set(ids[2:]), {self.low["id"], self.no_ref["id"]})  # both score 10
        self.assertEqual(len(ids), 4)
        self.assertOrdered(rows)
        rows = self.by_id(rows)
        self.assertRow(rows[self.high["id"]], self.high, "high", 90, OIH_SIGNALS)
        self.assertRow(rows[self.mod["id"]], self.mod, "moderate", 55,
                       ["dose_escalation", "pain_tracks_dose", "no_relief_after_escalation"])
        self.assertRow(rows[self.low["id"]], self.low, "low", 10, ["dose_escalation"])
        self.assertRow(rows[self.no_ref["id"]], self.no_ref, "low", 10, ["dose_escalation"])
        self.assertIsNone(rows[self.no_ref["id"]]["external_ref"])

    def test_rows_agree_with_patient_risk(self):
        rows = self.by_id(self.wait_all())
        for pid in self.a_ids:
            with self.subTest(patient=pid):
                r = cd.risk(pid, token=self.a["token"])
                self.assertStatus(r, 200)
                present = [s["code"] for s in r.body["oih"]["signals"] if s["present"]]
                self.assertEqual((rows[pid]["level"], rows[pid]["score"], rows[pid]["signals"]),
                                 (r.body["oih"]["level"], r.body["oih"]["score"], present))

    def test_level_filter(self):
        self.wait_all()
        for level, want in (("low", self.a_ids),
                            ("moderate", {self.high["id"], self.mod["id"]}),
                            ("high", {self.high["id"]})):
            with self.subTest(level=level):
                r = cohort(self.a["token"], level=level)
                self.assertStatus(r, 200)
                self.assertEqual({x["patient_id"] for x in r.body["patients"]}, want)
                self.assertOrdered(r.body["patients"])
                self.assertIsNone(r.body["next_cursor"])

    def test_insufficient_data_and_empty_patients_never_listed(self):
        self.wait_all()
        self.assertEqual(cd.risk(self.insufficient["id"]).body["oih"]["level"],
                         "insufficient_data")
        # the worker stores the insufficient-data result like any other (risk_current of
        # sql/002_risk.sql): wait for it, so the check below is not vacuous
        deadline = time.monotonic() + WAIT_S
        while h.psql("SELECT level FROM risk_current WHERE patient_id = '%s'"
                     % self.insufficient["id"]) != "insufficient_data":
            self.assertLess(time.monotonic(), deadline, "the worker stored no result")
            time.sleep(POLL_S)
        for params in ({}, {"level": "low"}):
            ids = {x["patient_id"] for x in cohort_all(self.a["token"], **params)}
            self.assertNotIn(self.insufficient["id"], ids)
            self.assertNotIn(self.empty["id"], ids)
            for x in cohort_all(self.a["token"], **params):
                self.assertIn(x["level"], ("low", "moderate", "high"))
        for x in cohort_all(self.admin):
            self.assertIn(x["level"], ("low", "moderate", "high"))

    def test_other_clinicians_patients_never_appear(self):
        self.wait_all()
        b_rows, _ = self.wait_rows(self.b["token"], lambda rows: rows, "B's patient")
        self.assertEqual([x["patient_id"] for x in b_rows], [self.b_high["id"]])
        self.assertRow(b_rows[0], self.b_high, "high", 90, OIH_SIGNALS)
        a_ids = {x["patient_id"] for x in cohort_all(self.a["token"])}
        self.assertEqual(a_ids, self.a_ids)
        # admins see everyone's
        admin_rows = self.by_id(cohort_all(self.admin))
        self.assertTrue(self.a_ids | {self.b_high["id"]} <= set(admin_rows))
        self.assertOrdered(list(cohort_all(self.admin)))
        # joining B's care team makes A's patient visible to B
        r = self.api("PUT", f"/v1/patients/{self.mod['id']}/clinicians/{self.b['principal_id']}")
        self.assertStatus(r, 204)
        self.assertEqual([x["patient_id"] for x in cohort_all(self.b["token"])],
                         [self.b_high["id"], self.mod["id"]])
        r = self.api("DELETE",
                     f"/v1/patients/{self.mod['id']}/clinicians/{self.b['principal_id']}")
        self.assertStatus(r, 204)
        self.assertEqual([x["patient_id"] for x in cohort_all(self.b["token"])],
                         [self.b_high["id"]])

    def test_clinician_without_patients(self):
        c = h.new_clinician()
        r = cohort(c["token"])
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {"patients": [], "next_cursor": None})


class CohortRequestTest(CohortCase):
    def test_patient_token_forbidden(self):
        pid = h.new_patient()["id"]
        pt = h.new_patient_token(pid)["token"]
        self.assertProblem(cohort(pt), 403)
        self.assertProblem(cohort(pt, level="high"), 403)

    def test_no_token(self):
        r = cohort(None)
        self.assertProblem(r, 401)
        self.assertIn("www-authenticate", r.headers)

    def test_bad_parameters(self):
        for params, name in ((dict(level="urgent"), "level"), (dict(level="HIGH"), "level"),
                             (dict(level=""), "level"), (dict(limit="0"), "limit"),
                             (dict(limit="501"), "limit"), (dict(limit="x"), "limit"),
                             (dict(cursor="not-a-cursor"), "cursor")):
            with self.subTest(**params):
                body = self.assertProblem(cohort(self.admin, **params), 400)
                self.assertEqual([e.get("parameter") for e in body.get("errors", [])], [name])


    def test_cursor_of_another_list(self):
        """A cursor is opaque: one from another list (or a well-formed one with a large key)
        is either followed (200) or a bad parameter (400 naming cursor), never a 422/500."""
        pid = h.new_patient()["id"]
        h.new_patient()
        cd.post_batches(pid, "pain-entries", [h.pain_entry(recorded_at=f"2026-01-0{i}T00:00:00Z")
                                              for i in range(1, 4)])
        cursors = {
            "patients": self.api("GET", "/v1/patients?limit=1").body["next_cursor"],
            "pain-entries": self.api("GET", f"/v1/patients/{pid}/pain-entries?limit=1")
                                .body["next_cursor"],
            "key 2^40": "01" + "0000010000000000" + pid.replace("-", ""),
        }
        for name, cursor in cursors.items():
            with self.subTest(cursor_from=name):
                self.assertIsInstance(cursor, str)
                r = cohort(self.admin, cursor=cursor)
                self.assertIn(r.status, (200, 400), r)
                if r.status == 400:
                    body = self.assertProblem(r, 400)
                    self.assertEqual([e.get("parameter") for e in body.get("errors", [])],
                                     ["cursor"])


class CohortWorkerTest(CohortCase):
    def test_rising_patient_appears_within_seconds(self):
        clin = h.new_clinician()
        p = h.new_patient(token=clin["token"], external_ref=h.unique("rise"))
        # phase 1: the textbook doses with flat pain 5: dose_escalation (10) and
        # no_relief_after_escalation (20) -> moderate 30
        c = now_course()
        c.mme_schedule(cd.oih_mme, first=-14)
        c.pain_schedule(lambda i: 5, first=-14)
        before = h.now_utc()
        c.post(p["id"], token=clin["token"])
        rows, waited = self.wait_rows(
            clin["token"], lambda rows: any(x["patient_id"] == p["id"] for x in rows),
            "the new patient")
        self.assertLess(waited, WAIT_S)
        self.assertRow(rows[0], p, "moderate", 30,
                       ["dose_escalation", "no_relief_after_escalation"])
        computed = h.parse_ts(rows[0]["computed_at"])
        self.assertTrue(before - dt.timedelta(seconds=1) <= computed
                        <= h.now_utc() + dt.timedelta(seconds=1), rows[0]["computed_at"])
        self.assertEqual(cohort_all(clin["token"], level="high"), [])

        # phase 2: a second pain entry a day (3, 5, 7, 9 with the dose steps) makes the daily
        # means 4, 5, 6, 7, with allodynia late and spreading regions: high 90
        c2 = cd.Course(c.anchor, days=90, spacing=c.spacing)
        c2.pain_schedule(lambda i: 2 * cd.oih_pain(i) - 5, first=-14, minutes=20,
                         locations=cd.oih_locations, evoked_by=cd.oih_evoked)
        c2.post(p["id"], token=clin["token"])
        rows, waited = self.wait_rows(
            clin["token"], lambda rows: rows and rows[0]["level"] == "high", "level high",
            level="high")
        self.assertRow(rows[0], p, "high", 90, OIH_SIGNALS)
        self.assertGreaterEqual(h.parse_ts(rows[0]["computed_at"]), computed)

    def test_constant_writer_is_recomputed_within_the_max_delay(self):
        """A patient who writes every 0.3 s never lets the 1 s debounce expire; the result
        must still come at most ~5 s (OIHWATCH_RISK_MAX_DELAY_MS) after the first write."""
        clin = h.new_clinician()
        p = h.new_patient(token=clin["token"])
        c = now_course()
        cd.gate_minimal(c)
        start = time.monotonic()
        c.post(p["id"], token=clin["token"])
        k, seen = 0, None
        while seen is None and time.monotonic() - start < 9:
            # old entries (200 days ago): they do not change the result
            r = h.post_pain(p["id"], h.pain_entry(
                recorded_at=h.ts(h.now_utc() - dt.timedelta(days=200, seconds=k))),
                token=clin["token"])
            self.assertStatus(r, 201)
            k += 1
            if cohort_all(clin["token"]):
                seen = time.monotonic() - start
            time.sleep(0.3)
        self.assertIsNotNone(seen, "not listed within 9 s while the patient kept writing")
        self.assertLess(seen, 7.5)

    def test_paging_returns_every_patient_once(self):
        clin = h.new_clinician()
        patients = [make_patient(clin, cd.gate_minimal)[0] for _ in range(5)]
        patients.append(make_patient(clin, cd.moderate)[0])
        ids = {p["id"] for p in patients}
        self.wait_rows(clin["token"], lambda rows: ids <= {x["patient_id"] for x in rows},
                       "all six patients")
        for limit in (1, 2, 4, 6, 7):
            with self.subTest(limit=limit):
                seen, cursor, pages = [], None, 0
                while True:
                    params = {"limit": limit}
                    if cursor:
                        params["cursor"] = cursor
                    r = cohort(clin["token"], **params)
                    self.assertStatus(r, 200)
                    self.assertLessEqual(len(r.body["patients"]), limit)
                    seen += r.body["patients"]
                    cursor = r.body["next_cursor"]
                    pages += 1
                    if cursor is None:
                        break
                    self.assertLess(pages, 20)
                got = [x["patient_id"] for x in seen]
                self.assertEqual(sorted(got), sorted(ids), "every patient exactly once")
                self.assertEqual(got[0], patients[-1]["id"], "the moderate one first")
                self.assertEqual([x["score"] for x in seen], [55, 10, 10, 10, 10, 10])
                self.assertEqual(pages, -(-6 // limit))
        # the level filter pages too
        r = cohort(clin["token"], limit=1, level="moderate")
        self.assertEqual([x["patient_id"] for x in r.body["patients"]], [patients[-1]["id"]])
        self.assertIsNone(r.body["next_cursor"])

    def test_deleted_entries_and_erased_patients_leave_the_list(self):
        clin = h.new_clinician()
        p1, c1 = make_patient(clin, cd.gate_minimal)
        p2, _ = make_patient(clin, cd.gate_minimal)
        ids = {p1["id"], p2["id"]}
        self.wait_rows(clin["token"], lambda rows: ids <= {x["patient_id"] for x in rows},
                       "both patients")
        # one pain entry fewer: 13 pain days, under the data gate -> insufficient_data
        entry = c1.pain[-1][1]
        r = self.api("DELETE", f"/v1/patients/{p1['id']}/pain-entries/{entry['id']}")
        self.assertStatus(r, 204)
        self.wait_rows(clin["token"], lambda rows: p1["id"] not in {x["patient_id"] for x in rows},
                       "p1 gone after deleting an entry")
        self.assertEqual(cd.risk(p1["id"]).body["oih"]["level"], "insufficient_data")
        # erasing a patient removes them at once, for the clinician and for admins
        self.assertStatus(self.api("DELETE", f"/v1/patients/{p2['id']}"), 204)
        self.assertEqual(cohort_all(clin["token"]), [])
        self.assertNotIn(p2["id"], {x["patient_id"] for x in cohort_all(self.admin)})
        # posting the entry again brings p1 back
        r = h.post_pain(p1["id"], {k: v for k, v in entry.items()})
        self.assertStatus(r, 201)
        self.wait_rows(clin["token"], lambda rows: [x["patient_id"] for x in rows] == [p1["id"]],
                       "p1 back after re-posting the entry")
