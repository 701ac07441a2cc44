"""GET /v1/patients/{id}/risk on synthetic clinical courses (risk-model.md, every number).

Each scenario is a fresh patient with 90-120 days of pain and dose entries placed before a
fixed past `as_of` (AS_OF below), so the window is 2026-04-02 .. 2026-06-30 (90 local days,
day index 0 .. 89) and early = days 0..27, late = days 62..89 (s = 28). The arithmetic
behind each expected number is written next to it.
"""

import datetime as dt
from urllib.parse import quote

from . import clinical_data as cd
from . import harness as h

AS_OF = "2026-06-30T12:00:00Z"
ANCHOR = dt.datetime(2026, 6, 30, 8, 0, tzinfo=dt.timezone.utc)  # entries of day 89
WINDOW = {"from": "2026-04-02", "to": "2026-06-30", "days": 90, "timezone": "UTC"}
SIGNAL_KEYS = {"code", "present", "weight", "points", "evidence", "summary"}


class RiskCase(h.ApiTestCase):
    def course(self, tz="UTC", anchor=ANCHOR):
        return cd.Course(anchor, days=90, tz=tz)

    def post_course(self, c, token=None, **patient_fields):
        p = h.new_patient(token=token, timezone=c.tz, **patient_fields)
        c.post(p["id"], token=token)
        return p["id"]

    def get_risk(self, pid, token=None, **params):
        params.setdefault("as_of", AS_OF)
        r = cd.risk(pid, token=token, **params)
        self.assertStatus(r, 200)
        return r.body

    def check_common(self, body, pid, c, window=WINDOW, as_of=AS_OF):
        """Shape of risk-model.md section 6 and the data counts of the course."""
        self.assertEqual(set(body), {"patient_id", "as_of", "window", "model", "oih", "safety",
                                     "data", "notice"})
        self.assertEqual(body["patient_id"], pid)
        self.assertEqual(body["as_of"], as_of)
        self.assertEqual(body["window"], window)
        self.assertEqual(body["model"], cd.MODEL)
        self.assertEqual(body["notice"], cd.NOTICE)
        oih = body["oih"]
        self.assertEqual(set(oih), {"level", "score", "signals"})
        self.assertEqual([s["code"] for s in oih["signals"]], cd.SIGNAL_CODES,
                         "all seven signals in the order of risk-model.md section 4")
        total = 0
        for s in oih["signals"]:
            with self.subTest(signal=s["code"]):
                self.assertEqual(set(s), SIGNAL_KEYS)
                self.assertIsInstance(s["present"], bool)
                self.assertEqual(s["weight"], cd.WEIGHTS[s["code"]])
                self.assertEqual(s["points"], s["weight"] if s["present"] else 0)
                self.assertIsInstance(s["evidence"], dict)
                for k, v in s["evidence"].items():
                    self.assertTrue(v is None or isinstance(v, (int, float)), (k, v))
                    if isinstance(v, float):
                        self.assertEqual(v, round(v, 2), f"evidence {k} rounded to 2 decimals")
                self.assertIsInstance(s["summary"], str)
                self.assertTrue(s["summary"].strip())
                total += s["points"]
        if oih["level"] == "insufficient_data":
            self.assertIsNone(oih["score"])
        else:
            self.assertEqual(oih["score"], total, "score is the sum of the points")
            want = "high" if total >= 60 else "moderate" if total >= 30 else "low"
            self.assertEqual(oih["level"], want)
        safety = body["safety"]
        self.assertEqual(set(safety), {"average_daily_mme", "max_daily_mme", "mme_band", "flags"})
        codes = cd.flag_codes(body)
        self.assertEqual(codes, [f for f in cd.FLAG_CODES if f in codes],
                         "raised flags only, once each, in the order of section 5")
        for f in safety["flags"]:
            self.assertEqual(set(f), {"code", "summary", "evidence"})
            self.assertTrue(f["summary"].strip())
            self.assertIsInstance(f["evidence"], dict)
        self.assertEqual(body["data"], {
            "pain_days": c.pain_days(), "opioid_days": c.opioid_days(),
            "pain_entries": len(c.in_window(c.pain)), "dose_entries": len(c.in_window(c.dose))})

    def present(self, body):
        return [s["code"] for s in body["oih"]["signals"] if s["present"]]

    def evidence(self, body, code):
        return cd.signal(body, code)["evidence"]

    def assertEvidence(self, body, code, expected):
        ev = self.evidence(body, code)
        for k, v in expected.items():
            self.assertIn(k, ev, f"{code} evidence {ev}")
            self.assertEqual(ev[k], v, f"{code} evidence {k}: {ev}")


class ScenarioTest(RiskCase):
    def test_textbook_oih(self):
        c = self.course()
        cd.textbook_oih(c)
        pid = self.post_course(c)
        self.assertEqual(len(c.pain), 104)
        body = self.get_risk(pid)
        self.check_common(body, pid, c)
        self.assertEqual(body["data"], {"pain_days": 90, "opioid_days": 90,
                                        "pain_entries": 90, "dose_entries": 90})
        self.assertEqual(self.present(body), [
            "pain_rising", "dose_escalation", "pain_tracks_dose", "no_relief_after_escalation",
            "evoked_pain", "pain_spreading"])
        self.assertEqual(body["oih"]["score"], 90)  # 20 + 10 + 25 + 20 + 10 + 5
        self.assertEqual(body["oih"]["level"], "high")

        pain = c.daily_pain()
        # early days 0..27: 21 x 4, 7 x 5 -> median 4; late 62..89: 1 x 6, 27 x 7 -> 7
        slope = cd.theil_sen(list(pain), list(pain.values())) * 7
        self.assertEvidence(body, "pain_rising", {
            "slope_per_week": round(slope, 2), "early_median": 4.0, "late_median": 7.0})
        self.assertEqual(round(slope, 2), 0.29)
        # early: (21 x 30 + 7 x 45) / 28 = 33.75; late: (60 + 27 x 90) / 28 = 88.93
        self.assertEvidence(body, "dose_escalation",
                            {"early_mean_mme": 33.75, "late_mean_mme": 88.93})
        # pain and MME are staircases with the same steps: identical ranks
        self.assertEvidence(body, "pain_tracks_dose", {"rho": 1.0})
        # escalations start at days 17, 38 and 58 (mean7 >= 1.1 x prior7 and +5): pain
        # before 4, 5, 6 and after 5, 6, 7: never lower
        self.assertEvidence(body, "no_relief_after_escalation",
                            {"escalations": 3, "evaluable": 3})
        self.assertEvidence(body, "pain_spreading", {"early_locations": 2, "late_locations": 4})
        self.assertEvidence(body, "relief_after_taper", {"tapers": 0, "evaluable": 0})

        s = body["safety"]
        self.assertEqual(s["average_daily_mme"], 90.0)
        self.assertEqual(s["max_daily_mme"], 90.0)
        self.assertEqual(s["mme_band"], "90_plus")
        self.assertEqual(cd.flag_codes(body), ["mme_90_plus", "long_term_therapy"])

    def test_textbook_oih_details(self):
        """The evidence names of this implementation (beyond the spec's example)."""
        c = self.course()
        cd.textbook_oih(c)
        body = self.get_risk(self.post_course(c))
        self.assertEvidence(body, "dose_escalation", {"ratio": 2.63})  # 88.93 / 33.75
        self.assertEvidence(body, "pain_tracks_dose",
                            {"pain_days": 90, "min_daily_mme": 30.0, "max_daily_mme": 90.0})
        # drop = before - after = -1 for each of the three escalations
        self.assertEvidence(body, "no_relief_after_escalation",
                            {"with_relief": 0, "largest_pain_drop": -1.0})
        # allodynia on days 80, 83, 86, 89; movement on 66..68 and pressure on day 10
        # (early) do not count
        self.assertEvidence(body, "evoked_pain",
                            {"late_days_with_evoked_pain": 4, "late_days": 28})
        self.assertEvidence(body, "relief_after_taper",
                            {"with_relief": 0, "largest_pain_drop": None})
        self.assertEqual(cd.flag(body, "mme_90_plus")["evidence"], {"average_daily_mme": 90.0})
        self.assertEqual(cd.flag(body, "long_term_therapy")["evidence"],
                         {"opioid_days": 90, "days": 90})

    def test_tolerance(self):
        c = self.course()
        cd.tolerance(c)
        pid = self.post_course(c)
        body = self.get_risk(pid)
        self.check_common(body, pid, c)
        self.assertEqual(self.present(body), ["dose_escalation"])
        self.assertEqual(body["oih"]["score"], 10)
        self.assertEqual(body["oih"]["level"], "low")
        self.assertEvidence(body, "dose_escalation",
                            {"early_mean_mme": 30.0, "late_mean_mme": 60.0})
        # escalations at days 24 and 52: before 6.0 / after 65/14 = 4.64 (drop 1.36);
        # before 86/14 = 6.14 / after 62/14 = 4.43 (drop 1.71)
        self.assertEvidence(body, "no_relief_after_escalation",
                            {"escalations": 2, "evaluable": 2, "with_relief": 2,
                             "largest_pain_drop": 1.71})
        self.assertEvidence(body, "pain_rising", {"early_median": 6.0, "late_median": 6.0})
        pain = c.daily_pain()
        mme = c.daily_mme()
        rho = cd.spearman(list(pain.values()), [mme[i] for i in pain])
        self.assertLess(rho, 0.4)
        self.assertEvidence(body, "pain_tracks_dose", {"rho": round(rho, 2)})
        self.assertEqual(body["safety"]["mme_band"], "50_to_89")
        self.assertEqual(cd.flag_codes(body), ["mme_50_plus", "long_term_therapy"])

    def test_disease_progression_on_stable_dose(self):
        c = self.course()
        cd.progression(c)
        pid = self.post_course(c)
        body = self.get_risk(pid)
        self.check_common(body, pid, c)
        self.assertEqual(self.present(body), ["pain_rising"])
        self.assertEqual(body["oih"]["score"], 20)
        self.assertEqual(body["oih"]["level"], "low")
        pain = c.daily_pain()
        slope = cd.theil_sen(list(pain), list(pain.values())) * 7
        # early: 18 x 3, 10 x 4 -> 3; late: 10 x 6, 18 x 7 -> 7
        self.assertEvidence(body, "pain_rising", {
            "slope_per_week": round(slope, 2), "early_median": 3.0, "late_median": 7.0})
        self.assertEvidence(body, "dose_escalation",
                            {"early_mean_mme": 60.0, "late_mean_mme": 60.0})
        # constant dose: rho cannot be computed
        self.assertEvidence(body, "pain_tracks_dose", {"rho": None})
        self.assertEvidence(body, "no_relief_after_escalation",
                            {"escalations": 0, "evaluable": 0})

    def test_taper_with_relief(self):
        c = self.course()
        cd.taper_relief(c)
        pid = self.post_course(c)
        body = self.get_risk(pid)
        self.check_common(body, pid, c)
        # 90 -> 60 MME at day 35: the taper starts at day 31 (mean7 = (4 x 90 + 3 x 60) / 7
        # = 77.1 <= 0.9 x 90); pain before (17..30) 7.0, after (45..72) 5.0
        sig = cd.signal(body, "relief_after_taper")
        self.assertTrue(sig["present"], sig)
        self.assertEqual(sig["points"], 10)
        self.assertEvidence(body, "relief_after_taper", {"tapers": 1, "evaluable": 1})
        self.assertEvidence(body, "relief_after_taper",
                            {"with_relief": 1, "largest_pain_drop": 2.0})
        pain = c.daily_pain()
        mme = c.daily_mme()
        rho = cd.spearman(list(pain.values()), [mme[i] for i in pain])
        self.assertEqual(round(rho, 2), 0.6)  # pain fell with the dose: tracks it
        self.assertEqual(self.present(body), ["pain_tracks_dose", "relief_after_taper"])
        self.assertEqual(body["oih"]["score"], 35)
        self.assertEqual(body["oih"]["level"], "moderate")

    def test_taper_relief_only_during_withdrawal_weeks_does_not_count(self):
        """Pain after a taper is read over t+14..t+41: relief in the first two weeks only
        is not evidence."""
        c = self.course()
        c.mme_schedule(lambda i: 90 if i < 35 else 60, first=-14)
        c.pain_schedule(lambda i: 5 if 31 <= i <= 44 else 7, first=-14)
        pid = self.post_course(c)
        body = self.get_risk(pid)
        self.check_common(body, pid, c)
        self.assertFalse(cd.signal(body, "relief_after_taper")["present"])
        self.assertEvidence(body, "relief_after_taper",
                            {"tapers": 1, "evaluable": 1, "with_relief": 0,
                             "largest_pain_drop": 0.0})

    def test_escalation_relief_of_exactly_one_point_is_relief(self):
        """"not at least 1.0 point below": a drop of exactly 1.0 is relief."""
        c = self.course()
        c.mme_schedule(lambda i: 30 if i < 45 else 60, first=-14)
        # escalation at day 40 (mean7 = (5 x 30 + 2 x 60) / 7 = 38.6 >= 33 and >= 35);
        # pain before (26..39) 6, after (47..60) 5
        c.pain_schedule(lambda i: 6 if i < 45 else 5, first=-14)
        body = self.get_risk(self.post_course(c))
        self.assertEvidence(body, "no_relief_after_escalation",
                            {"escalations": 1, "evaluable": 1, "with_relief": 1,
                             "largest_pain_drop": 1.0})
        self.assertFalse(cd.signal(body, "no_relief_after_escalation")["present"])


class DataGateTest(RiskCase):
    def gate(self, pain_days, opioid_days, mme=30):
        c = self.course()
        for i in pain_days:
            c.add_pain(i, 5, minutes=10)
        for i in opioid_days:
            c.add_mme(i, mme, medication="morphine")
        pid = self.post_course(c)
        body = self.get_risk(pid)
        self.check_common(body, pid, c)
        return body

    def assertInsufficient(self, body, evidence):
        self.assertEqual(body["oih"]["level"], "insufficient_data")
        self.assertIsNone(body["oih"]["score"])
        for s in body["oih"]["signals"]:
            with self.subTest(signal=s["code"]):
                self.assertFalse(s["present"])
                self.assertEqual(s["points"], 0)
                for k, v in evidence.items():
                    self.assertEqual(s["evidence"].get(k), v, f"evidence {s['evidence']}")

    def test_ten_pain_days(self):
        body = self.gate(list(range(0, 5)) + list(range(85, 90)), range(90))
        self.assertInsufficient(body, {"pain_days": 10, "opioid_days": 90,
                                       "early_pain_days": 5, "late_pain_days": 5})
        # safety is computed regardless
        s = body["safety"]
        self.assertEqual((s["average_daily_mme"], s["max_daily_mme"], s["mme_band"]),
                         (30.0, 30.0, "under_50"))
        self.assertEqual(cd.flag_codes(body), ["long_term_therapy"])

    def test_too_few_late_pain_days(self):
        body = self.gate(list(range(0, 17)) + list(range(87, 90)), range(90))
        self.assertInsufficient(body, {"pain_days": 20, "early_pain_days": 17,
                                       "late_pain_days": 3})

    def test_too_few_early_pain_days(self):
        body = self.gate(list(range(25, 28)) + list(range(60, 90)), range(90))
        self.assertInsufficient(body, {"pain_days": 33, "early_pain_days": 3,
                                       "late_pain_days": 28})

    def test_thirteen_opioid_days(self):
        body = self.gate(list(range(0, 15)) + list(range(75, 90)), range(77, 90))
        self.assertInsufficient(body, {"pain_days": 30, "opioid_days": 13})
        self.assertEqual(body["safety"]["max_daily_mme"], 30.0)

    def test_no_data_at_all(self):
        body = self.gate([], [])
        self.assertInsufficient(body, {"pain_days": 0, "opioid_days": 0})
        self.assertEqual(body["safety"], {"average_daily_mme": 0, "max_daily_mme": 0,
                                          "mme_band": "none", "flags": []})

    def test_exactly_at_the_gate(self):
        """14 pain days (4 early, 4 late) and 14 opioid days pass."""
        body = self.gate(list(range(0, 4)) + list(range(40, 46)) + list(range(86, 90)),
                         range(76, 90))
        # dose_escalation: early mean 0, late (14 x 30) / 28 = 15 -> present; the only
        # escalation (day 71) has no pain days before it -> not evaluable
        self.assertEqual(body["oih"]["level"], "low")
        self.assertEqual(body["oih"]["score"], 10)
        self.assertEqual(self.present(body), ["dose_escalation"])
        self.assertEvidence(body, "dose_escalation",
                            {"early_mean_mme": 0.0, "late_mean_mme": 15.0, "ratio": None})
        self.assertEvidence(body, "no_relief_after_escalation",
                            {"escalations": 1, "evaluable": 0})


class SafetyTest(RiskCase):
    def test_high_dose_with_benzodiazepine_and_gabapentinoid(self):
        c = self.course()
        for i in range(90):
            c.add_mme(i, 90, "oxycodone", minutes=0)  # 60 mg
            if 76 <= i <= 89:  # last 14 days alternate 90 and 110: mean 100
                c.add_mme(i, 20 if i % 2 else 0, "morphine", minutes=1)
            else:
                c.add_mme(i, 30 if i == 30 else 10, "morphine", minutes=1)  # 100, 120 once
            if i >= 55:  # daily alprazolam: 28 of the last 28 days are co-use days
                c.add_dose(i, "alprazolam", 0.5, minutes=2)
            if 80 <= i <= 89 or 40 <= i <= 45:  # gabapentin: 10 days in the last 28
                c.add_dose(i, "gabapentin", 300, minutes=3)
        pid = self.post_course(c)
        body = self.get_risk(pid)
        self.check_common(body, pid, c)
        self.assertEqual(body["data"]["dose_entries"], 90 + 83 + 35 + 16)
        self.assertEqual(body["data"]["opioid_days"], 90)
        self.assertEqual(body["oih"]["level"], "insufficient_data")  # no pain entries
        s = body["safety"]
        self.assertEqual(s["average_daily_mme"], 100.0)
        self.assertEqual(s["max_daily_mme"], 120.0)
        self.assertEqual(s["mme_band"], "90_plus")
        self.assertEqual(cd.flag_codes(body), ["mme_90_plus", "benzodiazepine_co_use",
                                               "gabapentinoid_co_use", "long_term_therapy"])
        self.assertEqual(cd.flag(body, "mme_90_plus")["evidence"], {"average_daily_mme": 100.0})
        self.assertEqual(cd.flag(body, "benzodiazepine_co_use")["evidence"], {"days": 28})
        self.assertEqual(cd.flag(body, "gabapentinoid_co_use")["evidence"], {"days": 10})
        self.assertEqual(cd.flag(body, "long_term_therapy")["evidence"],
                         {"opioid_days": 90, "days": 90})

    def safety_of(self, daily, extra=None, tz="UTC"):
        """A patient with morphine doses {day index: MME} (and extra(course)); its safety."""
        c = self.course(tz=tz)
        for i, mme in sorted(daily.items()):
            c.add_mme(i, mme, medication="morphine")
        if extra:
            extra(c)
        pid = self.post_course(c)
        body = self.get_risk(pid)
        self.check_common(body, pid, c)
        return body

    def test_mme_bands(self):
        last14 = range(76, 90)
        cases = [
            ({10: 30}, 0.0, "none", []),
            ({i: 49 for i in last14}, 49.0, "under_50", []),
            ({i: 50 for i in last14}, 50.0, "50_to_89", ["mme_50_plus"]),
            # 13 x 89 + 1 x 103 = 1260 -> 90.0 exactly
            ({**{i: 89 for i in last14}, 89: 103}, 90.0, "90_plus", ["mme_90_plus"]),
            # one day of 1253 before the last 14 days: max, not average
            ({**{i: 89 for i in last14}, 40: 1253}, 89.0, "50_to_89", ["mme_50_plus"]),
        ]
        for daily, avg, band, flags in cases:
            with self.subTest(avg=avg, band=band):
                body = self.safety_of(daily)
                s = body["safety"]
                self.assertEqual(s["average_daily_mme"], avg)
                self.assertEqual(s["max_daily_mme"], float(max(daily.values())))
                self.assertEqual(s["mme_band"], band)
                self.assertEqual([f for f in cd.flag_codes(body) if f.startswith("mme_")], flags)

    def test_long_term_therapy_threshold(self):
        for days, flagged in ((45, True), (44, False)):
            with self.subTest(opioid_days=days):
                body = self.safety_of({i: 10 for i in range(90 - days, 90)})
                self.assertEqual("long_term_therapy" in cd.flag_codes(body), flagged)
                if flagged:
                    self.assertEqual(cd.flag(body, "long_term_therapy")["evidence"],
                                     {"opioid_days": 45, "days": 90})

    def test_long_term_therapy_counts_90_days_whatever_the_window(self):
        """Opioid days on 45 of the 90 days ending on as_of, with a 28-day window."""
        c = self.course()
        for i in range(0, 90, 2):  # 45 days, mostly before the window
            c.add_mme(i, 10, medication="morphine")
        pid = self.post_course(c)
        body = self.get_risk(pid, window_days=28)
        self.assertEqual(body["window"]["from"], "2026-06-03")
        self.assertIn("long_term_therapy", cd.flag_codes(body))
        self.assertEqual(cd.flag(body, "long_term_therapy")["evidence"],
                         {"opioid_days": 45, "days": 90})

    def test_rapid_escalation(self):
        prior = {i: 20 for i in range(55, 83)}
        cases = [
            # last 7 days at 30 = 1.5 x 20 (and >= 20): raised
            ({**prior, **{i: 30 for i in range(83, 90)}}, True, 30.0, 20.0),
            ({**prior, **{i: 29 for i in range(83, 90)}}, False, 29.0, 20.0),
            # nothing before: 19 is under the 20 floor, 20 is not
            ({i: 19 for i in range(83, 90)}, False, 19.0, 0.0),
            ({i: 20 for i in range(83, 90)}, True, 20.0, 0.0),
        ]
        for daily, raised, last7, prior28 in cases:
            with self.subTest(last7=last7, prior28=prior28):
                body = self.safety_of(daily)
                self.assertEqual("rapid_escalation" in cd.flag_codes(body), raised,
                                 body["safety"])
                if raised:
                    self.assertEqual(cd.flag(body, "rapid_escalation")["evidence"],
                                     {"last_7_days_mean_mme": last7,
                                      "prior_28_days_mean_mme": prior28})
                self.assertNotIn("fast_taper", cd.flag_codes(body))

    def test_fast_taper(self):
        cases = [
            # previous 7 days 40, last 7 days 29: 27.5 % lower -> raised
            (40, 29, True, 27.5),
            # exactly 25 % lower is not "more than 25%"
            (40, 30, False, 25.0),
            # previous week under 20 MME
            (19, 0, False, 100.0),
            (20, 0, True, 100.0),
        ]
        for prev, last, raised, drop in cases:
            with self.subTest(prev=prev, last=last):
                daily = {**{i: prev for i in range(76, 83)}, **{i: last for i in range(83, 90)}}
                body = self.safety_of(daily)
                self.assertEqual("fast_taper" in cd.flag_codes(body), raised, body["safety"])
                if raised:
                    self.assertEqual(cd.flag(body, "fast_taper")["evidence"],
                                     {"last_7_days_mean_mme": float(last),
                                      "previous_7_days_mean_mme": float(prev),
                                      "drop_percent": drop})

    def test_co_use_only_counts_the_last_28_days_and_opioid_days(self):
        def extra(c):
            c.add_dose(61, "alprazolam", 1)  # day 61: just before the last 28 days
            c.add_dose(62, "lorazepam", 1)  # first of the last 28 days
            c.add_dose(70, "pregabalin", 75)  # no opioid that day
        c_daily = {61: 10, 62: 10, 89: 10}
        body = self.safety_of(c_daily, extra)
        self.assertEqual(cd.flag_codes(body), ["benzodiazepine_co_use"])
        self.assertEqual(cd.flag(body, "benzodiazepine_co_use")["evidence"], {"days": 1})

    def test_patch_spreads_in_the_risk_series(self):
        """A 25 mcg/h fentanyl patch (180 MME over 72 h) applied at 20:00 local time puts 10,
        60, 60 and 50 MME on four local days; risk reads the same daily values."""
        anchor = dt.datetime(2026, 2, 14, 12, 0, tzinfo=dt.timezone.utc)
        c = cd.Course(anchor, days=90, tz="America/Chicago")
        c.add_dose(0, "fentanyl", 25, route="transdermal", unit="mcg/h",
                   taken_at="2026-02-10T20:00:00-06:00")
        p = h.new_patient(timezone=c.tz)
        c.post(p["id"])
        body = self.get_risk(p["id"], as_of="2026-02-14T12:00:00Z")
        self.assertEqual(body["window"]["to"], "2026-02-14")
        s = body["safety"]
        self.assertEqual(s["max_daily_mme"], 60.0)
        self.assertEqual(s["average_daily_mme"], round(180 / 14, 2))  # 12.86
        self.assertEqual(s["mme_band"], "under_50")
        self.assertEqual(body["data"]["opioid_days"], 4)
        self.assertEqual(body["data"]["dose_entries"], 1)


class RiskParametersTest(RiskCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pid = h.new_patient(timezone="America/Chicago")["id"]

    def test_bad_as_of(self):
        for bad in ("yesterday", "2026-02-30T00:00:00Z", "2026-03-01T00:00:00",
                    "2026-03-01", "2026-13-01T00:00:00Z", "2026-03-01T24:00:00Z", ""):
            with self.subTest(as_of=bad):
                r = cd.risk(self.pid, as_of=quote(bad))
                body = self.assertProblem(r, 400)
                self.assertEqual([e.get("parameter") for e in body.get("errors", [])],
                                 ["as_of"], body)

    def test_bad_window_days(self):
        for bad in ("27", "366", "abc", "0", "-30", "90.5", "", "1e2"):
            with self.subTest(window_days=bad):
                r = cd.risk(self.pid, as_of=AS_OF, window_days=quote(bad))
                body = self.assertProblem(r, 400)
                self.assertEqual([e.get("parameter") for e in body.get("errors", [])],
                                 ["window_days"], body)

    def test_window_days_bounds(self):
        for days, start in ((28, "2026-06-03"), (365, "2025-07-01"), (90, "2026-04-02")):
            with self.subTest(window_days=days):
                body = self.get_risk(self.pid, window_days=days)
                self.assertEqual(body["window"], {"from": start, "to": "2026-06-30",
                                                  "days": days, "timezone": "America/Chicago"})

    def test_as_of_at_the_ends_of_the_calendar(self):
        """A well-formed as_of is either assessed (200) or a bad parameter (400 naming
        as_of). The window and its 14-day lookback / 35-day lookahead must not reach a
        date the database rejects and come back as 422 (a GET has no body to validate)."""
        for as_of in ("0001-01-01T00:00:00Z", "0001-03-01T00:00:00Z",
                      "9999-12-31T23:59:59Z", "9999-12-01T00:00:00Z"):
            with self.subTest(as_of=as_of):
                r = cd.risk(self.pid, as_of=as_of)
                self.assertIn(r.status, (200, 400), r)
                if r.status == 400:
                    body = self.assertProblem(r, 400)
                    self.assertEqual([e.get("parameter") for e in body.get("errors", [])],
                                     ["as_of"], body)

    def test_as_of_sets_the_window_in_the_patient_zone(self):
        # 03:00 UTC on March 1st is 21:00 on February 28th in Chicago (CST, UTC-6)
        body = self.get_risk(self.pid, as_of="2026-03-01T03:00:00Z")
        self.assertEqual(body["as_of"], "2026-03-01T03:00:00Z")
        self.assertEqual(body["window"], {"from": "2025-12-01", "to": "2026-02-28",
                                          "days": 90, "timezone": "America/Chicago"})
        body = self.get_risk(self.pid, as_of=quote("2026-03-01T09:00:00+05:00"))
        self.assertEqual(body["as_of"], "2026-03-01T04:00:00Z")
        self.assertEqual(body["window"]["to"], "2026-02-28")
        body = self.get_risk(self.pid, as_of="2026-03-01T07:00:00Z")  # 01:00 local
        self.assertEqual(body["window"]["to"], "2026-03-01")

    def test_as_of_decides_which_entries_count(self):
        pid = h.new_patient(timezone="America/Chicago")["id"]
        self.assertStatus(h.post_pain(pid, {"entries": [
            h.pain_entry(recorded_at="2026-03-01T03:00:00Z"),  # local 2026-02-28
            h.pain_entry(recorded_at="2026-03-01T07:00:00Z"),  # local 2026-03-01
            h.pain_entry(recorded_at="2025-12-01T06:00:00Z"),  # local 2025-12-01 00:00
            h.pain_entry(recorded_at="2025-12-01T05:59:59Z"),  # local 2025-11-30
        ]}), 200)
        body = self.get_risk(pid, as_of="2026-03-01T03:00:00Z")
        self.assertEqual(body["data"]["pain_entries"], 2)
        self.assertEqual(body["data"]["pain_days"], 2)
        body = self.get_risk(pid, as_of="2026-03-01T07:00:00Z")  # window 12-02 .. 03-01
        self.assertEqual(body["data"]["pain_entries"], 2)

    def test_default_as_of_is_now(self):
        from zoneinfo import ZoneInfo
        before = h.now_utc()
        r = cd.risk(self.pid)
        after = h.now_utc()
        self.assertStatus(r, 200)
        as_of = h.parse_ts(r.body["as_of"])
        self.assertTrue(before - dt.timedelta(seconds=1) <= as_of <= after, r.body["as_of"])
        today = as_of.astimezone(ZoneInfo("America/Chicago")).date()
        self.assertEqual(r.body["window"], {
            "from": (today - dt.timedelta(days=89)).isoformat(), "to": today.isoformat(),
            "days": 90, "timezone": "America/Chicago"})

    def test_access(self):
        c1, c2 = h.new_clinician(), h.new_clinician()
        pid = h.new_patient(token=c1["token"])["id"]
        pt = h.new_patient_token(pid)["token"]
        self.assertStatus(cd.risk(pid, token=c1["token"]), 200)
        self.assertStatus(cd.risk(pid, token=pt), 200)
        self.assertProblem(cd.risk(pid, token=c2["token"]), 404)
        self.assertProblem(cd.risk(self.pid, token=pt), 404)
        self.assertProblem(cd.risk(h.new_id()), 404)
        self.assertProblem(cd.risk("not-a-uuid"), 404)
        r = h.request("GET", f"/v1/patients/{pid}/risk")
        self.assertProblem(r, 401)


class ThresholdTest(RiskCase):
    """Each threshold of risk-model.md section 4 on both sides ("at least" includes it)."""

    def run_course(self, build):
        c = self.course()
        build(c)
        pid = self.post_course(c)
        body = self.get_risk(pid)
        self.check_common(body, pid, c)
        return body

    def test_level_boundaries(self):
        def thirty(c):  # dose_escalation 10 + no_relief_after_escalation 20
            c.mme_schedule(cd.oih_mme, first=-14)
            c.pain_schedule(lambda i: 5, first=-14)

        def sixty(c):  # the moderate course (55) + pain_spreading (1 region early, 3 late)
            cd.moderate(c)
            for i, e in c.pain:
                if 0 <= i < 28:
                    e["locations"] = ["lower_back"]
                elif i >= 62:
                    e["locations"] = ["lower_back", "neck", "left_hip"]

        for build, score, level in ((thirty, 30, "moderate"), (cd.moderate, 55, "moderate"),
                                    (sixty, 60, "high")):
            with self.subTest(score=score):
                body = self.run_course(build)
                self.assertEqual((body["oih"]["score"], body["oih"]["level"]), (score, level))

    def test_pain_rising_needs_both_slope_and_median_rise(self):
        # median early 5.0 (14 x 4, 14 x 6), late 6.0 (14 x 5, 14 x 7): a rise of exactly
        # 1.0; Theil-Sen slope 0.11 per week
        def exactly_one(i):
            return 4 if i < 14 else 6 if i < 28 else 5 + (i - 28) // 17 if i < 62 else \
                5 if i < 76 else 7
        # a single step 5 -> 6 at day 45: medians rise by 1.0 but the slope is 0.08 per week
        def one_step(i):
            return 5 if i < 45 else 6

        for schedule, present in ((exactly_one, True), (one_step, False)):
            with self.subTest(present=present):
                body = self.run_course(lambda c: (c.mme_schedule(lambda i: 30, first=-14),
                                                  c.pain_schedule(schedule, first=-14)))
                c = self.course()
                c.pain_schedule(schedule)
                pain = c.daily_pain()
                slope = round(cd.theil_sen(list(pain), list(pain.values())) * 7, 2)
                self.assertEqual(slope, 0.11 if present else 0.08)
                self.assertEvidence(body, "pain_rising", {
                    "slope_per_week": slope, "early_median": 5.0, "late_median": 6.0})
                self.assertEqual(cd.signal(body, "pain_rising")["present"], present)

    def test_dose_escalation(self):
        # early segment (days 0..27) at `early` MME, late segment (62..89) at `late`
        for early, late, present in ((50, 60, True),  # x1.2 and +10 exactly
                                     (50, 59, False),  # +9
                                     (60, 71, False),  # x1.18
                                     (0, 10, True)):  # from nothing to 10
            with self.subTest(early=early, late=late):
                body = self.run_course(lambda c: (
                    c.mme_schedule(lambda i: early if i < 62 else late, first=-14,
                                   medication="morphine"),
                    c.pain_schedule(lambda i: 5, first=-14)))
                if early == 0:  # no opioid days early: only 28 in the window, enough
                    self.assertEqual(body["data"]["opioid_days"], 28)
                sig = cd.signal(body, "dose_escalation")
                self.assertEqual(sig["present"], present, sig)
                self.assertEqual(sig["evidence"]["early_mean_mme"], float(early))
                self.assertEqual(sig["evidence"]["late_mean_mme"], float(late))

    def test_pain_tracks_dose_needs_the_dose_to_vary(self):
        # pain 4 on low-dose days, 6 on high-dose days (rho 1.0); high = 1.2 x low or less
        for low, high, present in ((50, 60, True), (50, 59, False)):
            with self.subTest(low=low, high=high):
                body = self.run_course(lambda c: (
                    c.mme_schedule(lambda i: high if i % 3 == 0 else low, first=-14,
                                   medication="morphine"),
                    c.pain_schedule(lambda i: 6 if i % 3 == 0 else 4, first=-14)))
                sig = cd.signal(body, "pain_tracks_dose")
                self.assertEqual(sig["present"], present, sig)
                self.assertEqual(sig["evidence"]["rho"], 1.0)
                self.assertEqual((sig["evidence"]["min_daily_mme"],
                                  sig["evidence"]["max_daily_mme"]), (float(low), float(high)))

    def test_evoked_pain_days(self):
        def course(evoked_days):
            def build(c):
                c.mme_schedule(lambda i: 30, first=-14)
                for i in range(-14, 90):
                    c.add_pain(i, 5, minutes=10)
                for i, stimuli in evoked_days:
                    c.add_pain(i, 6, minutes=20, evoked_by=stimuli)
            return build

        cases = [
            # three late days; two reports on day 70 count once; heat and pressure count
            ([(70, ["heat"]), (70, ["cold"]), (75, ["pressure"]), (89, ["light_touch"])], 3),
            ([(70, ["heat"]), (70, ["cold"]), (89, ["light_touch"])], 2),
            # day 61 is not in the last 28 days; movement never counts
            ([(61, ["cold"]), (75, ["pressure"]), (89, ["light_touch"]),
              (80, ["movement"])], 2),
            ([(63, ["movement", "cold"]), (75, ["pressure"]), (89, ["light_touch"])], 3),
        ]
        for evoked, days in cases:
            with self.subTest(evoked=evoked):
                body = self.run_course(course(evoked))
                sig = cd.signal(body, "evoked_pain")
                self.assertEqual(sig["present"], days >= 3, sig)
                self.assertEqual(sig["evidence"]["late_days_with_evoked_pain"], days)

    def test_pain_spreading(self):
        def course(early_locs, late_locs):
            def build(c):
                c.mme_schedule(lambda i: 30, first=-14)
                c.pain_schedule(lambda i: 5, first=-14,
                                locations=lambda i: early_locs[i % len(early_locs)]
                                if 0 <= i < 28 and early_locs else
                                late_locs[i % len(late_locs)] if i >= 62 and late_locs else None)
            return build

        cases = [
            ([["back"], ["back", "neck"]], [["back", "neck", "hip"]], 2, 3, False),
            ([["back"], ["back", "neck"]], [["back", "hip"], ["neck", "knee"]], 2, 4, True),
            ([], [["back"], ["neck"]], 0, 2, True),
            ([], [["back"]], 0, 1, False),
        ]
        for early, late, n_early, n_late, present in cases:
            with self.subTest(early=early, late=late):
                body = self.run_course(course(early, late))
                sig = cd.signal(body, "pain_spreading")
                self.assertEqual(sig["present"], present, sig)
                self.assertEqual(sig["evidence"], {"early_locations": n_early,
                                                   "late_locations": n_late})
