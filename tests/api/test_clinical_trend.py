"""GET /v1/patients/{id}/trend: day and week buckets, summary statistics, local days in the
patient's IANA zone (DST included) and continuous doses spread by the hour."""

import datetime as dt
from urllib.parse import quote
from zoneinfo import ZoneInfo

from . import clinical_data as cd
from . import harness as h

TREND_KEYS = {"patient_id", "timezone", "from", "to", "bucket", "series", "summary"}
BUCKET_KEYS = {"start", "pain", "peg", "mme", "doses", "evoked_reports", "locations"}
SUMMARY_KEYS = {"pain_slope_per_week", "mme_slope_per_week", "pain_mme_correlation",
                "days_with_pain", "days_with_opioid"}
EMPTY = {"pain": None, "peg": None, "mme": {"total": 0, "per_day": 0}, "doses": 0,
         "evoked_reports": 0, "locations": 0}


def days(first, last):
    d, out = cd.parse_date(first), []
    while d <= cd.parse_date(last):
        out.append(d.isoformat())
        d += dt.timedelta(days=1)
    return out


def empty(start):
    return {"start": start, **EMPTY}


def bucket(start, pain=None, peg=None, mme=0, per_day=None, doses=0, evoked=0, locations=0):
    return {"start": start, "pain": pain, "peg": peg,
            "mme": {"total": mme, "per_day": mme if per_day is None else per_day},
            "doses": doses, "evoked_reports": evoked, "locations": locations}


def pain_stats(mean, lo, hi, count):
    return {"mean": mean, "min": lo, "max": hi, "count": count}


class TrendCase(h.ApiTestCase):
    def patient(self, tz="UTC", pain=(), dose=()):
        pid = h.new_patient(timezone=tz)["id"]
        if pain:
            cd.post_batches(pid, "pain-entries", list(pain))
        if dose:
            cd.post_batches(pid, "dose-entries", list(dose))
        return pid

    def trend(self, pid, **params):
        r = cd.trend(pid, **params)
        self.assertStatus(r, 200)
        body = r.body
        self.assertEqual(set(body), TREND_KEYS)
        self.assertEqual(body["patient_id"], pid)
        self.assertEqual(set(body["summary"]), SUMMARY_KEYS)
        for b in body["series"]:
            self.assertEqual(set(b), BUCKET_KEYS, b)
            if b["pain"] is not None:
                self.assertEqual(set(b["pain"]), {"mean", "min", "max", "count"})
            self.assertEqual(set(b["mme"]), {"total", "per_day"})
        return body

    def mme_by_day(self, body):
        return {b["start"]: b["mme"]["total"] for b in body["series"]}


def pain(at, score, **fields):
    return {"recorded_at": at, "score": score, **fields}


def dose(at, medication, amount, route="oral", unit="mg", **fields):
    return {"taken_at": at, "medication": medication, "dose": amount, "route": route,
            "unit": unit, **fields}


def patch(at, mcg_per_h=25, **fields):
    return dose(at, "fentanyl", mcg_per_h, route="transdermal", unit="mcg/h", **fields)


class DayBucketTest(TrendCase):
    def test_day_buckets(self):
        pid = self.patient(pain=[
            pain("2026-02-01T09:00:00Z", 4, enjoyment=4, activity=4,
                 locations=["lower_back", "neck"], evoked_by=["movement"]),
            pain("2026-02-01T18:00:00Z", 7, enjoyment=7, activity=7,
                 locations=["neck", "left_arm"], evoked_by=["light_touch", "cold"]),
            pain("2026-02-03T12:00:00Z", 5),
            pain("2026-02-04T08:00:00Z", 3, enjoyment=2, activity=1),  # PEG 2.0
            pain("2026-02-04T20:00:00Z", 8, enjoyment=8),  # no PEG: activity missing
            pain("2026-02-07T23:59:59Z", 9, locations=["right_knee"]),
            pain("2026-02-08T00:00:00Z", 1),  # after `to`
            pain("2026-01-31T23:59:59Z", 1),  # before `from`
        ], dose=[
            dose("2026-02-01T08:00:00Z", "morphine", 30),  # 30 MME
            dose("2026-02-01T20:00:00Z", "oxycodone", 10),  # 15 MME
            dose("2026-02-01T12:00:00Z", "ibuprofen", 400),  # not an opioid
            dose("2026-02-03T10:00:00Z", "alprazolam", 1),
            dose("2026-02-07T23:00:00Z", "buprenorphine", 2, route="sublingual"),  # no MME
            dose("2026-02-08T01:00:00Z", "morphine", 100),  # after `to`
        ])
        body = self.trend(pid, **{"from": "2026-02-01", "to": "2026-02-07"})
        self.assertEqual((body["timezone"], body["from"], body["to"], body["bucket"]),
                         ("UTC", "2026-02-01", "2026-02-07", "day"))
        self.assertEqual(body["series"], [
            bucket("2026-02-01", pain_stats(5.5, 4, 7, 2), peg=5.5, mme=45.0, doses=3,
                   evoked=2, locations=3),
            empty("2026-02-02"),
            bucket("2026-02-03", pain_stats(5.0, 5, 5, 1), doses=1),
            bucket("2026-02-04", pain_stats(5.5, 3, 8, 2), peg=2.0),
            empty("2026-02-05"),
            empty("2026-02-06"),
            bucket("2026-02-07", pain_stats(9.0, 9, 9, 1), doses=1, locations=1),
        ])
        # MME 45, 0, 0, 0, 0, 0, 0: 6 of the 21 pairwise slopes are negative, median 0
        self.assertEqual(body["summary"], {
            "pain_slope_per_week": None, "mme_slope_per_week": 0.0,
            "pain_mme_correlation": None, "days_with_pain": 4, "days_with_opioid": 1})

    def test_single_day_and_bucket_param(self):
        pid = self.patient(pain=[pain("2026-02-01T09:00:00Z", 6)])
        for params in ({"from": "2026-02-01", "to": "2026-02-01"},
                       {"from": "2026-02-01", "to": "2026-02-01", "bucket": "day"}):
            body = self.trend(pid, **params)
            self.assertEqual(body["bucket"], "day")
            self.assertEqual(body["series"], [bucket("2026-02-01", pain_stats(6.0, 6, 6, 1))])
            self.assertEqual(body["summary"]["mme_slope_per_week"], None, "1 day < 7")

    def test_default_range_is_90_local_days_ending_today(self):
        tz = "America/Chicago"
        pid = self.patient(tz=tz)
        for _ in range(2):  # retry once if local midnight passed during the request
            today = h.now_utc().astimezone(ZoneInfo(tz)).date()
            body = self.trend(pid)
            if h.now_utc().astimezone(ZoneInfo(tz)).date() == today:
                break
        first = today - dt.timedelta(days=89)
        self.assertEqual((body["timezone"], body["from"], body["to"], body["bucket"]),
                         (tz, first.isoformat(), today.isoformat(), "day"))
        self.assertEqual(body["series"], [empty(d) for d in days(first.isoformat(),
                                                                 today.isoformat())])
        self.assertEqual(body["summary"], {
            "pain_slope_per_week": None, "mme_slope_per_week": 0.0,
            "pain_mme_correlation": None, "days_with_pain": 0, "days_with_opioid": 0})

    def test_only_from_or_only_to(self):
        pid = self.patient()
        body = self.trend(pid, to="2026-02-07")
        self.assertEqual((body["from"], body["to"], len(body["series"])),
                         ("2025-11-10", "2026-02-07", 90))
        today = h.now_utc().date()
        start = today - dt.timedelta(days=9)
        body = self.trend(pid, **{"from": start.isoformat()})
        if body["to"] == today.isoformat():
            self.assertEqual(len(body["series"]), 10)
        else:  # midnight passed
            self.assertEqual(body["to"], (today + dt.timedelta(days=1)).isoformat())

    def test_730_days_at_most(self):
        pid = self.patient()
        body = self.trend(pid, **{"from": "2025-01-01", "to": "2026-12-31"})
        self.assertEqual(len(body["series"]), 730)
        self.assertEqual(body["series"][0]["start"], "2025-01-01")
        self.assertEqual(body["series"][-1]["start"], "2026-12-31")
        body = self.trend(pid, **{"from": "2025-01-01", "to": "2026-12-31", "bucket": "week"})
        self.assertEqual(body["series"][0]["start"], "2024-12-30")
        self.assertEqual(len(body["series"]), 105)

    def test_bad_parameters(self):
        pid = self.patient()
        cases = [
            ({"from": "2024-12-31", "to": "2026-12-31"}, {"from", "to"}),  # 731 days
            ({"from": "2024-01-01"}, {"from", "to"}),  # far more than 730 days to today
            ({"from": "2026-02-08", "to": "2026-02-07"}, {"from", "to"}),
            ({"from": "2026-02-30", "to": "2026-03-07"}, {"from"}),
            ({"from": "2026-2-01", "to": "2026-03-07"}, {"from"}),
            ({"from": "20260201", "to": "2026-03-07"}, {"from"}),
            ({"from": "2026-02-01T00:00:00Z", "to": "2026-03-07"}, {"from"}),
            ({"from": "2026-02-01", "to": "today"}, {"to"}),
            ({"from": "2026-02-01", "to": ""}, {"to"}),
            ({"from": "2026-02-01", "to": "2026-13-01"}, {"to"}),
            ({"bucket": "month"}, {"bucket"}),
            ({"bucket": "Week"}, {"bucket"}),
            ({"bucket": ""}, {"bucket"}),
        ]
        for params, names in cases:
            with self.subTest(**params):
                r = cd.trend(pid, **{k: quote(v) for k, v in params.items()})
                body = self.assertProblem(r, 400)
                got = {e.get("parameter") for e in body.get("errors", [])}
                self.assertTrue(got and got <= names, f"parameters {got}, want within {names}")

    def test_dates_at_the_ends_of_the_calendar(self):
        """Any YYYY-MM-DD is either served (200) or a bad parameter (400 naming it); the
        database must not get to reject it (PostgreSQL has no year 0)."""
        pid = self.patient()
        for frm, to in (("0001-01-01", "0001-01-05"), ("9999-12-27", "9999-12-31"),
                        ("0000-01-01", "0000-01-03"), ("0000-12-31", "0001-01-01")):
            with self.subTest(frm=frm, to=to):
                r = cd.trend(pid, **{"from": frm, "to": to})
                self.assertIn(r.status, (200, 400), r)
                if r.status == 400:
                    self.assertProblem(r, 400)
                    self.assertTrue({e.get("parameter") for e in r.body.get("errors", [])}
                                    & {"from", "to"}, r.body)

    def test_access(self):
        c1, c2 = h.new_clinician(), h.new_clinician()
        pid = h.new_patient(token=c1["token"])["id"]
        pt = h.new_patient_token(pid)["token"]
        self.assertStatus(cd.trend(pid, token=c1["token"]), 200)
        self.assertStatus(cd.trend(pid, token=pt), 200)
        self.assertProblem(cd.trend(pid, token=c2["token"]), 404)
        self.assertProblem(cd.trend(h.new_id()), 404)
        self.assertProblem(h.request("GET", f"/v1/patients/{pid}/trend"), 401)


class WeekBucketTest(TrendCase):
    def test_week_buckets(self):
        # morphine every day from 02-02 to 02-25, MME = day of the month
        doses = [dose(f"2026-02-{d:02d}T10:00:00Z", "morphine", d) for d in range(2, 26)]
        pains = [
            pain("2026-02-03T10:00:00Z", 1),  # Tuesday before `from`: outside
            pain("2026-02-08T10:00:00Z", 6, enjoyment=6, activity=6),
            pain("2026-02-09T10:00:00Z", 2, locations=["a"]),
            pain("2026-02-10T10:00:00Z", 4, locations=["a", "b"], evoked_by=["pressure"]),
            pain("2026-02-15T10:00:00Z", 9, locations=["c"], enjoyment=3, activity=3),
            pain("2026-02-25T10:00:00Z", 10),  # after `to`
        ]
        pid = self.patient(pain=pains, dose=doses)
        # 2026-02-04 is a Wednesday, 2026-02-24 a Tuesday
        body = self.trend(pid, **{"from": "2026-02-04", "to": "2026-02-24", "bucket": "week"})
        self.assertEqual((body["from"], body["to"], body["bucket"]),
                         ("2026-02-04", "2026-02-24", "week"))
        starts = [b["start"] for b in body["series"]]
        self.assertEqual(starts, ["2026-02-02", "2026-02-09", "2026-02-16", "2026-02-23"])
        for s in starts:
            self.assertEqual(cd.parse_date(s).isoweekday(), 1, f"{s} is a Monday")
        self.assertEqual(body["series"], [
            # 4+5+6+7+8 over the 5 days inside the range
            bucket("2026-02-02", pain_stats(6.0, 6, 6, 1), peg=6.0, mme=30.0, per_day=6.0,
                   doses=5),
            # 9+...+15 = 84 over 7 days
            bucket("2026-02-09", pain_stats(5.0, 2, 9, 3), peg=5.0, mme=84.0, per_day=12.0,
                   doses=7, evoked=1, locations=3),
            # 16+...+22 = 133
            bucket("2026-02-16", mme=133.0, per_day=19.0, doses=7),
            # 23+24 = 47 over the 2 days inside the range
            bucket("2026-02-23", mme=47.0, per_day=23.5, doses=2),
        ])
        # statistics on daily values, whatever the bucket: MME rises 1 a day
        day = self.trend(pid, **{"from": "2026-02-04", "to": "2026-02-24"})
        self.assertEqual(body["summary"], day["summary"])
        self.assertEqual(body["summary"]["mme_slope_per_week"], 7.0)
        self.assertEqual(body["summary"]["days_with_pain"], 4)
        self.assertEqual(body["summary"]["days_with_opioid"], 21)
        week_totals = [b["mme"]["total"] for b in body["series"]]
        self.assertEqual(sum(week_totals), sum(b["mme"]["total"] for b in day["series"]))

    def test_range_inside_one_week(self):
        pid = self.patient(dose=[dose("2026-02-11T10:00:00Z", "morphine", 21)])
        body = self.trend(pid, **{"from": "2026-02-10", "to": "2026-02-12", "bucket": "week"})
        self.assertEqual(body["series"], [bucket("2026-02-09", mme=21.0, per_day=7.0, doses=1)])

    def test_monday_to_sunday(self):
        pid = self.patient()
        body = self.trend(pid, **{"from": "2026-02-02", "to": "2026-02-15", "bucket": "week"})
        self.assertEqual([b["start"] for b in body["series"]], ["2026-02-02", "2026-02-09"])


class SummaryTest(TrendCase):
    def test_pain_one_point_per_week_constant_mme(self):
        # Mondays 2026-01-05 .. 2026-02-23 with scores 1..8; 30 MME every day
        mondays = [dt.date(2026, 1, 5) + dt.timedelta(weeks=k) for k in range(8)]
        pid = self.patient(
            pain=[pain(f"{d}T12:00:00Z", k + 1) for k, d in enumerate(mondays)],
            dose=[dose(f"{d}T08:00:00Z", "morphine", 30)
                  for d in days("2026-01-05", "2026-03-01")])
        body = self.trend(pid, **{"from": "2026-01-05", "to": "2026-03-01"})
        self.assertEqual(body["summary"], {
            "pain_slope_per_week": 1.0, "mme_slope_per_week": 0.0,
            "pain_mme_correlation": None,  # MME is constant over the pain days
            "days_with_pain": 8, "days_with_opioid": 56})

    def test_pain_and_mme_together_and_opposite(self):
        dates = days("2026-01-05", "2026-01-11")
        for sign, rho in ((1, 1.0), (-1, -1.0)):
            with self.subTest(rho=rho):
                mmes = [10 * (k + 1) for k in range(7)][::sign]
                pid = self.patient(
                    pain=[pain(f"{d}T12:00:00Z", k + 1) for k, d in enumerate(dates)],
                    dose=[dose(f"{d}T08:00:00Z", "morphine", m) for d, m in zip(dates, mmes)])
                body = self.trend(pid, **{"from": dates[0], "to": dates[-1]})
                self.assertEqual(body["summary"], {
                    "pain_slope_per_week": 7.0, "mme_slope_per_week": 70.0 * sign,
                    "pain_mme_correlation": rho, "days_with_pain": 7, "days_with_opioid": 7})

    def test_spearman_with_ties(self):
        # 8 days: pain 1,2,3,4,5,6,7,8; MME 10,10,20,20,30,30,40,10 -> rho from average ranks
        dates = days("2026-01-05", "2026-01-12")
        scores = [1, 2, 3, 4, 5, 6, 7, 8]
        mmes = [10, 10, 20, 20, 30, 30, 40, 10]
        pid = self.patient(
            pain=[pain(f"{d}T12:00:00Z", s) for d, s in zip(dates, scores)],
            dose=[dose(f"{d}T08:00:00Z", "morphine", m) for d, m in zip(dates, mmes)])
        body = self.trend(pid, **{"from": dates[0], "to": dates[-1]})
        self.assertEqual(body["summary"]["pain_mme_correlation"],
                         round(cd.spearman(scores, mmes), 2))
        self.assertEqual(body["summary"]["mme_slope_per_week"],
                         round(cd.theil_sen(list(range(8)), mmes) * 7, 2))

    def test_summary_matches_the_definitions(self):
        """Seeded random series: the summary equals Theil-Sen and Spearman as api.md defines
        them (to the 2 decimals of the response)."""
        import random
        rnd = random.Random(20260301)
        for trial in range(8):
            n = rnd.choice([7, 9, 15, 30, 45])
            dates = days("2026-01-01", (dt.date(2026, 1, 1) + dt.timedelta(days=n - 1)).isoformat())
            pains, doses, daily_pain, daily_mme = [], [], {}, []
            for k, d in enumerate(dates):
                if rnd.random() < 0.7:
                    scores = [rnd.randint(0, 10) for _ in range(rnd.choice([1, 1, 2, 3]))]
                    pains += [pain(f"{d}T1{j}:00:00Z", s) for j, s in enumerate(scores)]
                    daily_pain[k] = sum(scores) / len(scores)
                m = rnd.choice([0, 0, 10, 20, 30, 45])
                if m:
                    doses.append(dose(f"{d}T08:00:00Z", "morphine", m))
                daily_mme.append(m)
            with self.subTest(trial=trial, days=n):
                pid = self.patient(pain=pains, dose=doses)
                got = self.trend(pid, **{"from": dates[0], "to": dates[-1]})["summary"]
                px = list(daily_pain)
                enough = len(px) >= 7
                want = {
                    "pain_slope_per_week":
                        cd.theil_sen(px, [daily_pain[k] for k in px]) * 7 if enough else None,
                    "mme_slope_per_week": cd.theil_sen(list(range(n)), daily_mme) * 7,
                    "pain_mme_correlation":
                        cd.spearman([daily_pain[k] for k in px], [daily_mme[k] for k in px])
                        if enough else None,
                }
                for k, v in want.items():
                    if v is None:
                        self.assertIsNone(got[k], k)
                    else:
                        self.assertIsNotNone(got[k], k)
                        self.assertAlmostEqual(got[k], v, delta=0.0051, msg=k)
                self.assertEqual(got["days_with_pain"], len(px))
                self.assertEqual(got["days_with_opioid"], sum(1 for m in daily_mme if m))

    def test_fewer_than_seven_days(self):
        dates = days("2026-01-05", "2026-01-14")  # 10 days, pain on 6 of them
        pid = self.patient(
            pain=[pain(f"{d}T12:00:00Z", k + 1) for k, d in enumerate(dates[:6])],
            dose=[dose(f"{d}T08:00:00Z", "morphine", 10 * (k + 1))
                  for k, d in enumerate(dates)])
        body = self.trend(pid, **{"from": dates[0], "to": dates[-1]})
        self.assertEqual(body["summary"], {
            "pain_slope_per_week": None, "mme_slope_per_week": 70.0,
            "pain_mme_correlation": None, "days_with_pain": 6, "days_with_opioid": 10})
        # a range of 6 days: even the MME slope has too few days
        body = self.trend(pid, **{"from": dates[0], "to": dates[5]})
        self.assertEqual(body["summary"], {
            "pain_slope_per_week": None, "mme_slope_per_week": None,
            "pain_mme_correlation": None, "days_with_pain": 6, "days_with_opioid": 6})
        # 7 days with pain: the slope appears
        h.post_pain(pid, pain(f"{dates[6]}T12:00:00Z", 7))
        body = self.trend(pid, **{"from": dates[0], "to": dates[-1]})
        self.assertEqual(body["summary"]["pain_slope_per_week"], 7.0)
        self.assertEqual(body["summary"]["pain_mme_correlation"], 1.0)


CHI = "America/Chicago"


class LocalDayTest(TrendCase):
    def test_local_day_of_an_entry(self):
        # 03:00 UTC on March 1st is 21:00 CST on February 28th
        pid = self.patient(tz=CHI, pain=[pain("2026-03-01T03:00:00Z", 6)],
                           dose=[dose("2026-03-01T05:59:59Z", "morphine", 10),  # 23:59:59
                                 dose("2026-03-01T06:00:00Z", "morphine", 20)])  # 00:00
        body = self.trend(pid, **{"from": "2026-02-27", "to": "2026-03-02"})
        self.assertEqual(body["timezone"], CHI)
        self.assertEqual(body["series"], [
            empty("2026-02-27"),
            bucket("2026-02-28", pain_stats(6.0, 6, 6, 1), mme=10.0, doses=1),
            bucket("2026-03-01", mme=20.0, doses=1),
            empty("2026-03-02"),
        ])

    def test_spring_forward(self):
        # 2026-03-08 02:00 CST -> 03:00 CDT (08:00 UTC): a 23-hour local day
        pid = self.patient(tz=CHI, pain=[
            pain("2026-03-08T05:30:00Z", 1),  # 23:30 CST on 03-07
            pain("2026-03-08T06:30:00Z", 2),  # 00:30 CST on 03-08
            pain("2026-03-08T08:30:00Z", 3),  # 03:30 CDT on 03-08
            pain("2026-03-09T04:30:00Z", 4),  # 23:30 CDT on 03-08
            pain("2026-03-09T05:30:00Z", 5),  # 00:30 CDT on 03-09
        ])
        body = self.trend(pid, **{"from": "2026-03-07", "to": "2026-03-09"})
        self.assertEqual([b["pain"] for b in body["series"]], [
            pain_stats(1.0, 1, 1, 1), pain_stats(3.0, 2, 4, 3), pain_stats(5.0, 5, 5, 1)])

    def test_fall_back(self):
        # 2026-11-01 02:00 CDT -> 01:00 CST (07:00 UTC): a 25-hour local day
        pid = self.patient(tz=CHI, pain=[
            pain("2026-11-01T04:30:00Z", 1),  # 23:30 CDT on 10-31
            pain("2026-11-01T05:30:00Z", 2),  # 00:30 CDT on 11-01
            pain("2026-11-01T06:30:00Z", 3),  # 01:30 CDT on 11-01
            pain("2026-11-01T07:30:00Z", 4),  # 01:30 CST on 11-01 (again)
            pain("2026-11-02T05:30:00Z", 5),  # 23:30 CST on 11-01
            pain("2026-11-02T06:30:00Z", 6),  # 00:30 CST on 11-02
        ])
        body = self.trend(pid, **{"from": "2026-10-31", "to": "2026-11-02"})
        self.assertEqual([b["pain"] for b in body["series"]], [
            pain_stats(1.0, 1, 1, 1), pain_stats(3.5, 2, 5, 4), pain_stats(6.0, 6, 6, 1)])


    def test_dst_at_midnight(self):
        # America/Santiago: 2026-09-06 00:00 -04 does not exist (clocks go to 01:00 -03 at
        # 04:00 UTC), so that local day starts at 01:00 and has 23 hours
        tz = "America/Santiago"
        pid = self.patient(tz=tz, pain=[
            pain("2026-09-06T03:30:00Z", 1),  # 23:30 -04 on 09-05
            pain("2026-09-06T04:30:00Z", 2),  # 01:30 -03 on 09-06
            pain("2026-09-07T02:30:00Z", 3),  # 23:30 -03 on 09-06
            pain("2026-09-07T03:30:00Z", 4),  # 00:30 -03 on 09-07
        ], dose=[patch("2026-09-05T20:00:00-04:00")])
        body = self.trend(pid, **{"from": "2026-09-05", "to": "2026-09-08"})
        self.assertEqual([b["pain"] for b in body["series"]], [
            pain_stats(1.0, 1, 1, 1), pain_stats(2.5, 2, 3, 2), pain_stats(4.0, 4, 4, 1), None])
        # 4 h, 23 h, 24 h, 21 h of a 60 MME/24 h patch
        self.assertEqual(self.mme_by_day(body), {
            "2026-09-05": 10.0, "2026-09-06": 57.5, "2026-09-07": 60.0, "2026-09-08": 52.5})


class ContinuousDoseTest(TrendCase):
    def post_patch(self, **fields):
        pid = h.new_patient(timezone=CHI)["id"]
        r = h.post_dose(pid, patch(**fields))
        self.assertStatus(r, 201)
        return pid, r.body

    def test_patch_applied_at_20h(self):
        # 25 mcg/h x 2.4 = 60 MME per 24 h, 72 h: 4 h on the first day (10), 24, 24, 20 (50)
        pid, e = self.post_patch(at="2026-02-10T20:00:00-06:00")
        self.assertEqual((e["mme"], e["duration_hours"]), (180, 72))
        body = self.trend(pid, **{"from": "2026-02-09", "to": "2026-02-14"})
        self.assertEqual(body["series"], [
            empty("2026-02-09"),
            bucket("2026-02-10", mme=10.0, doses=1),
            bucket("2026-02-11", mme=60.0),
            bucket("2026-02-12", mme=60.0),
            bucket("2026-02-13", mme=50.0),
            empty("2026-02-14"),
        ])
        self.assertEqual(body["summary"]["days_with_opioid"], 4)
        # a range starting after the application still gets the patch's later hours
        body = self.trend(pid, **{"from": "2026-02-12", "to": "2026-02-13"})
        self.assertEqual(self.mme_by_day(body), {"2026-02-12": 60.0, "2026-02-13": 50.0})
        body = self.trend(pid, **{"from": "2026-02-09", "to": "2026-02-15", "bucket": "week"})
        self.assertEqual([(b["start"], b["mme"]) for b in body["series"]],
                         [("2026-02-09", {"total": 180.0, "per_day": round(180 / 7, 2)})])

    def test_patch_over_spring_forward(self):
        # applied 20:00 CST on 03-07; 03-08 has 23 hours; removed 21:00 CDT on 03-10
        pid, _ = self.post_patch(at="2026-03-07T20:00:00-06:00")
        body = self.trend(pid, **{"from": "2026-03-06", "to": "2026-03-11"})
        self.assertEqual(self.mme_by_day(body), {
            "2026-03-06": 0, "2026-03-07": 10.0, "2026-03-08": 57.5,  # 23/24 x 60
            "2026-03-09": 60.0, "2026-03-10": 52.5, "2026-03-11": 0})  # 21/24 x 60
        self.assertEqual(sum(self.mme_by_day(body).values()), 180)

    def test_patch_over_fall_back(self):
        # applied 20:00 CDT on 10-31; 11-01 has 25 hours; removed 19:00 CST on 11-03
        pid, _ = self.post_patch(at="2026-10-31T20:00:00-05:00")
        body = self.trend(pid, **{"from": "2026-10-31", "to": "2026-11-04"})
        self.assertEqual(self.mme_by_day(body), {
            "2026-10-31": 10.0, "2026-11-01": 62.5, "2026-11-02": 60.0,  # 25/24 x 60
            "2026-11-03": 47.5, "2026-11-04": 0})  # 19/24 x 60
        self.assertEqual(sum(self.mme_by_day(body).values()), 180)

    def test_48_hour_patch(self):
        pid, e = self.post_patch(at="2026-02-20T20:00:00-06:00", duration_hours=48)
        self.assertEqual((e["mme"], e["duration_hours"]), (120, 48))
        body = self.trend(pid, **{"from": "2026-02-19", "to": "2026-02-23"})
        self.assertEqual(self.mme_by_day(body), {
            "2026-02-19": 0, "2026-02-20": 10.0, "2026-02-21": 60.0, "2026-02-22": 50.0,
            "2026-02-23": 0})

    def test_oral_dose_with_a_duration_spreads(self):
        # api.md: doses with a duration_hours spread their MME evenly over that time
        pid = h.new_patient(timezone="UTC")["id"]
        self.assertStatus(h.post_dose(pid, dose("2026-02-10T18:00:00Z", "morphine", 60,
                                                duration_hours=12)), 201)
        body = self.trend(pid, **{"from": "2026-02-10", "to": "2026-02-11"})
        self.assertEqual(self.mme_by_day(body), {"2026-02-10": 30.0, "2026-02-11": 30.0})
