"""Keyset pagination of entry lists, from/to filters and query-parameter errors."""

import datetime as dt
import uuid
from urllib.parse import urlencode

from . import harness as h

N = 250


def group_time(g):
    """Entries come in groups sharing one recorded_at; group g is g minutes before BASE."""
    return h.BASE_TIME - dt.timedelta(minutes=g)


class PainPaginationTest(h.ApiTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pid = h.new_patient()["id"]
        # 250 entries, groups of 1..4 with identical recorded_at, posted in shuffled order
        cls.entries = []
        g = 0
        i = 0
        while i < N:
            size = 1 + (g % 4)
            for _ in range(min(size, N - i)):
                cls.entries.append({"id": str(uuid.uuid4()), "recorded_at": h.ts(group_time(g)),
                                    "score": i % 11})
                i += 1
            g += 1
        cls.groups = g
        shuffled = cls.entries[1::2] + cls.entries[0::2]
        r = h.post_pain(cls.pid, {"entries": shuffled[:120]})
        assert r.status == 200, r
        r = h.post_pain(cls.pid, {"entries": shuffled[120:]})
        assert r.status == 200, r

    def list_all(self, limit, **params):
        seen, pages, cursor = [], 0, None
        while True:
            q = dict(params, limit=limit)
            if cursor is not None:
                q["cursor"] = cursor
            r = self.api("GET", f"/v1/patients/{self.pid}/pain-entries?{urlencode(q)}")
            self.assertStatus(r, 200)
            self.assertEqual(set(r.body), {"entries", "next_cursor"})
            page = r.body["entries"]
            self.assertLessEqual(len(page), limit)
            seen += page
            pages += 1
            cursor = r.body["next_cursor"]
            if cursor is None:
                break
            self.assertIsInstance(cursor, str)
            self.assertTrue(cursor)
            self.assertEqual(len(page), limit, "only the last page may be short")
            self.assertLess(pages, 200, "pagination does not end")
        return seen, pages

    def check_order(self, entries):
        times = [h.parse_ts(e["recorded_at"]) for e in entries]
        self.assertEqual(times, sorted(times, reverse=True), "newest recorded_at first")
        # ties by id: one direction throughout
        directions = set()
        for a, b in zip(entries, entries[1:]):
            if a["recorded_at"] == b["recorded_at"]:
                directions.add(a["id"] < b["id"])
        self.assertLessEqual(len(directions), 1, "ties ordered by id consistently")

    def test_limit_7_visits_every_entry_once(self):
        seen, pages = self.list_all(7)
        ids = [e["id"] for e in seen]
        self.assertEqual(len(ids), N)
        self.assertEqual(len(set(ids)), N, "no entry twice")
        self.assertEqual(set(ids), {e["id"] for e in self.entries})
        self.assertEqual(pages, (N + 6) // 7)
        self.check_order(seen)

    def test_limit_1(self):
        seen, pages = self.list_all(1, to=h.ts(group_time(20)), **{"from": h.ts(group_time(29))})
        want = [e for e in self.entries
                if group_time(29) <= h.parse_ts(e["recorded_at"]) < group_time(20)]
        self.assertEqual(sorted(e["id"] for e in seen), sorted(e["id"] for e in want))
        self.check_order(seen)

    def test_default_limit_100(self):
        r = self.api("GET", f"/v1/patients/{self.pid}/pain-entries")
        self.assertStatus(r, 200)
        self.assertEqual(len(r.body["entries"]), 100)
        self.assertIsInstance(r.body["next_cursor"], str)
        self.check_order(r.body["entries"])

    def test_limit_500_gets_all(self):
        r = self.api("GET", f"/v1/patients/{self.pid}/pain-entries?limit=500")
        self.assertStatus(r, 200)
        self.assertEqual(len(r.body["entries"]), N)
        self.assertIsNone(r.body["next_cursor"])
        self.check_order(r.body["entries"])

    def test_from_inclusive_to_exclusive(self):
        lo, hi = group_time(30), group_time(10)
        want = {e["id"] for e in self.entries if lo <= h.parse_ts(e["recorded_at"]) < hi}
        self.assertTrue(want)
        at_lo = {e["id"] for e in self.entries if h.parse_ts(e["recorded_at"]) == lo}
        at_hi = {e["id"] for e in self.entries if h.parse_ts(e["recorded_at"]) == hi}
        self.assertTrue(at_lo and at_hi)
        seen, _ = self.list_all(7, **{"from": h.ts(lo), "to": h.ts(hi)})
        got = [e["id"] for e in seen]
        self.assertEqual(len(got), len(set(got)))
        self.assertEqual(set(got), want)
        self.assertTrue(at_lo <= set(got), "from is inclusive")
        self.assertFalse(at_hi & set(got), "to is exclusive")
        self.check_order(seen)

    def test_from_and_to_with_offsets(self):
        lo, hi = group_time(30), group_time(10)
        est = dt.timezone(dt.timedelta(hours=-5))
        q = urlencode({"from": lo.astimezone(est).isoformat(), "to": hi.astimezone(est).isoformat(),
                       "limit": 500})
        r = self.api("GET", f"/v1/patients/{self.pid}/pain-entries?{q}")
        self.assertStatus(r, 200)
        want = {e["id"] for e in self.entries if lo <= h.parse_ts(e["recorded_at"]) < hi}
        self.assertEqual({e["id"] for e in r.body["entries"]}, want)

    def test_only_from_or_only_to(self):
        t = group_time(50)
        r = self.api("GET", f"/v1/patients/{self.pid}/pain-entries?"
                            f"{urlencode({'from': h.ts(t), 'limit': 500})}")
        self.assertStatus(r, 200)
        self.assertEqual({e["id"] for e in r.body["entries"]},
                         {e["id"] for e in self.entries if h.parse_ts(e["recorded_at"]) >= t})
        r = self.api("GET", f"/v1/patients/{self.pid}/pain-entries?"
                            f"{urlencode({'to': h.ts(t), 'limit': 500})}")
        self.assertStatus(r, 200)
        self.assertEqual({e["id"] for e in r.body["entries"]},
                         {e["id"] for e in self.entries if h.parse_ts(e["recorded_at"]) < t})

    def test_empty_range(self):
        t = h.ts(group_time(5))
        r = self.api("GET", f"/v1/patients/{self.pid}/pain-entries?"
                            f"{urlencode({'from': t, 'to': t})}")
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {"entries": [], "next_cursor": None})

    def test_bad_query_parameters(self):
        cases = [("limit", "0"), ("limit", "501"), ("limit", "-5"), ("limit", "ten"),
                 ("limit", "7x"), ("limit", ""), ("from", "yesterday"),
                 ("from", "2026-03-01T08:30:00"), ("to", "2026-02-30T00:00:00Z"),
                 ("to", "2026-03-01"), ("cursor", "not-a-cursor"), ("cursor", "g" * 50),
                 ("cursor", "%00")]
        for name, value in cases:
            with self.subTest(name=name, value=value):
                r = self.api("GET", f"/v1/patients/{self.pid}/pain-entries?"
                                    f"{urlencode({name: value})}")
                self.assertProblem(r, 400)
                self.assertIsInstance(r.body.get("errors"), list, r.body)
                self.assertIn(name, [e.get("parameter") for e in r.body["errors"]], r.body)

    def test_cursor_of_another_list_does_not_500(self):
        r = self.api("GET", f"/v1/patients/{self.pid}/pain-entries?limit=3")
        cursor = r.body["next_cursor"]
        other = h.new_patient()["id"]
        r = self.api("GET", f"/v1/patients/{other}/pain-entries?"
                            f"{urlencode({'cursor': cursor})}")
        self.assertIn(r.status, (200, 400), r)


class DosePaginationTest(h.ApiTestCase):
    def test_doses_paged_by_taken_at(self):
        pid = h.new_patient()["id"]
        es = [h.dose_entry(id=str(uuid.uuid4()),
                           taken_at=h.ts(h.BASE_TIME - dt.timedelta(hours=i // 2)), dose=1 + i)
              for i in range(30)]
        self.assertStatus(h.post_dose(pid, {"entries": es[::-1]}), 200)
        seen, cursor = [], None
        for _ in range(20):
            q = {"limit": 7}
            if cursor:
                q["cursor"] = cursor
            r = self.api("GET", f"/v1/patients/{pid}/dose-entries?{urlencode(q)}")
            self.assertStatus(r, 200)
            seen += r.body["entries"]
            cursor = r.body["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(len(seen), 30)
        self.assertEqual({e["id"] for e in seen}, {e["id"] for e in es})
        times = [h.parse_ts(e["taken_at"]) for e in seen]
        self.assertEqual(times, sorted(times, reverse=True))
        lo, hi = h.BASE_TIME - dt.timedelta(hours=10), h.BASE_TIME - dt.timedelta(hours=4)
        r = self.api("GET", f"/v1/patients/{pid}/dose-entries?"
                            f"{urlencode({'from': h.ts(lo), 'to': h.ts(hi), 'limit': 500})}")
        self.assertStatus(r, 200)
        self.assertEqual({e["id"] for e in r.body["entries"]},
                         {e["id"] for e in es if lo <= h.parse_ts(e["taken_at"]) < hi})
        self.assertProblem(self.api("GET", f"/v1/patients/{pid}/dose-entries?limit=0"), 400)
