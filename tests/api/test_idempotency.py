"""Idempotent writes by client ids: replays, conflicts, batches and concurrent retries."""

import datetime as dt
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from . import harness as h


def pain_batch(n, start=h.BASE_TIME):
    return [h.pain_entry(id=str(uuid.uuid4()), recorded_at=h.ts(start - dt.timedelta(minutes=i)),
                         score=i % 11, locations=["knee"] if i % 2 else [])
            for i in range(n)]


def run_concurrently(n, fn):
    """Runs fn(i) in n threads released together; returns the results in order."""
    barrier = threading.Barrier(n)

    def go(i):
        barrier.wait(10)
        return fn(i)

    with ThreadPoolExecutor(max_workers=n) as ex:
        return list(ex.map(go, range(n)))


class SingleReplayTest(h.ApiTestCase):
    def setUp(self):
        self.pid = h.new_patient()["id"]

    def test_replay_returns_stored_entry(self):
        body = h.pain_entry(id=str(uuid.uuid4()), score=4, enjoyment=3, activity=2,
                            locations=["neck", "hip"], qualities=["dull", "aching"],
                            evoked_by=["cold"], note="replay me")
        first = h.post_pain(self.pid, body)
        self.assertStatus(first, 201)
        again = h.post_pain(self.pid, body)
        self.assertStatus(again, 200)
        self.assertEqual(again.body, first.body, "the stored entry, created_at included")
        self.assertEqual(h.stored_entry_count(self.pid), 1)

    def test_equivalent_content_is_a_replay(self):
        eid = str(uuid.uuid4())
        first = h.post_pain(self.pid, {"id": eid, "recorded_at": "2026-03-01T08:30:00-05:00",
                                       "score": 4, "qualities": ["sharp", "aching"]})
        self.assertStatus(first, 201)
        again = h.post_pain(self.pid, {"id": eid.upper(), "recorded_at": "2026-03-01T13:30:00Z",
                                       "score": 4, "qualities": ["aching", "sharp"]})
        self.assertStatus(again, 200)
        self.assertEqual(again.body, first.body)
        self.assertEqual(h.stored_entry_count(self.pid), 1)

    def test_changed_replay_409(self):
        base = h.pain_entry(id=str(uuid.uuid4()), score=4, enjoyment=3, note="a")
        first = h.post_pain(self.pid, base)
        self.assertStatus(first, 201)
        variants = [dict(base, score=5), dict(base, note="b"), dict(base, locations=["knee"]),
                    dict(base, recorded_at="2026-03-01T12:00:01Z"), dict(base, activity=3),
                    {k: v for k, v in base.items() if k != "enjoyment"},
                    {k: v for k, v in base.items() if k != "note"}]
        for v in variants:
            with self.subTest(variant=v):
                self.assertProblem(h.post_pain(self.pid, v), 409)
        lst = self.api("GET", f"/v1/patients/{self.pid}/pain-entries")
        self.assertEqual(lst.body["entries"], [first.body], "the stored entry is unchanged")

    def test_changed_replay_invalid_is_422_first(self):
        base = h.pain_entry(id=str(uuid.uuid4()))
        self.assertStatus(h.post_pain(self.pid, base), 201)
        self.assertProblem(h.post_pain(self.pid, dict(base, score=12)), 422, ["/score"])

    def test_dose_replay_and_conflict(self):
        body = h.dose_entry(id=str(uuid.uuid4()), medication="fentanyl", route="transdermal",
                            unit="mcg/h", dose=25, duration_hours=48, note="left arm")
        first = h.post_dose(self.pid, body)
        self.assertStatus(first, 201)
        again = h.post_dose(self.pid, body)
        self.assertStatus(again, 200)
        self.assertEqual(again.body, first.body)
        for v in (dict(body, dose=50), dict(body, duration_hours=72), dict(body, note="right"),
                  dict(body, taken_at="2026-03-02T12:00:00Z")):
            with self.subTest(variant=v):
                self.assertProblem(h.post_dose(self.pid, v), 409)
        self.assertEqual(h.stored_entry_count(self.pid, "taken_at"), 1)

    def test_same_id_for_another_patient_is_independent(self):
        other = h.new_patient()["id"]
        eid = str(uuid.uuid4())
        self.assertStatus(h.post_pain(other, h.pain_entry(id=eid, score=1)), 201)
        r = h.post_pain(self.pid, h.pain_entry(id=eid, score=9))
        self.assertStatus(r, 201, "another patient's entry must neither conflict nor leak")
        self.assertEqual(r.body["score"], 9)
        lst = self.api("GET", f"/v1/patients/{other}/pain-entries")
        self.assertEqual([e["score"] for e in lst.body["entries"]], [1])

    def test_id_reusable_after_delete(self):
        eid = str(uuid.uuid4())
        self.assertStatus(h.post_pain(self.pid, h.pain_entry(id=eid, score=1)), 201)
        self.assertStatus(self.api("DELETE", f"/v1/patients/{self.pid}/pain-entries/{eid}"), 204)
        r = h.post_pain(self.pid, h.pain_entry(id=eid, score=2))
        self.assertStatus(r, 201)
        self.assertEqual(r.body["score"], 2)

    def test_single_replay_of_batched_entry(self):
        es = pain_batch(3)
        self.assertStatus(h.post_pain(self.pid, {"entries": es}), 200)
        r = h.post_pain(self.pid, es[1])
        self.assertStatus(r, 200)
        self.assertEqual(r.body["id"], es[1]["id"])
        self.assertEqual(r.body["score"], es[1]["score"])


class BatchReplayTest(h.ApiTestCase):
    def setUp(self):
        self.pid = h.new_patient()["id"]

    def test_batch_replay_counts_duplicates(self):
        es = pain_batch(5)
        ids = [e["id"] for e in es]
        r = h.post_pain(self.pid, {"entries": es})
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {"created": 5, "duplicates": 0, "ids": ids})
        r = h.post_pain(self.pid, {"entries": es})
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {"created": 0, "duplicates": 5, "ids": ids})
        more = pain_batch(2, start=h.BASE_TIME - dt.timedelta(days=1))
        mixed = [more[0], es[4], es[0], more[1], es[2]]
        r = h.post_pain(self.pid, {"entries": mixed})
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {"created": 2, "duplicates": 3, "ids": [e["id"] for e in mixed]})
        self.assertEqual(h.stored_entry_count(self.pid), 7)

    def test_batch_conflict_409_and_nothing_stored(self):
        es = pain_batch(20)
        self.assertStatus(h.post_pain(self.pid, {"entries": es[:10]}), 200)
        changed = [dict(e) for e in es]
        changed[7]["score"] = (changed[7]["score"] + 1) % 11
        r = h.post_pain(self.pid, {"entries": changed})
        self.assertProblem(r, 409)
        ps = self.pointers(r)
        self.assertTrue(ps and all(p == "/entries/7" or p.startswith("/entries/7/") for p in ps),
                        f"409 names the entry: {ps}")
        self.assertEqual(h.stored_entry_count(self.pid), 10, "the 10 new entries are not stored")
        # a conflict late in the batch, after new entries
        changed = [dict(e) for e in es]
        changed[3]["note"] = "different"
        r = h.post_pain(self.pid, {"entries": changed[10:] + changed[:10]})
        self.assertProblem(r, 409)
        self.assertTrue(all(p == "/entries/13" or p.startswith("/entries/13/")
                            for p in self.pointers(r)), self.pointers(r))
        self.assertEqual(h.stored_entry_count(self.pid), 10)

    def test_same_id_twice_in_one_batch(self):
        e = h.pain_entry(id=str(uuid.uuid4()), score=3)
        other = h.pain_entry(id=str(uuid.uuid4()), score=4)
        r = h.post_pain(self.pid, {"entries": [e, other, dict(e)]})
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {"created": 2, "duplicates": 1,
                                  "ids": [e["id"], other["id"], e["id"]]})
        self.assertEqual(h.stored_entry_count(self.pid), 2)
        e2 = h.pain_entry(id=str(uuid.uuid4()), score=3)
        r = h.post_pain(self.pid, {"entries": [e2, h.pain_entry(), dict(e2, score=5)]})
        self.assertProblem(r, 409)
        self.assertTrue(all(p == "/entries/2" or p.startswith("/entries/2/")
                            for p in self.pointers(r)), self.pointers(r))
        self.assertEqual(h.stored_entry_count(self.pid), 2)

    def test_dose_batch_replay(self):
        es = [h.dose_entry(id=str(uuid.uuid4()), dose=5 + i) for i in range(4)]
        r = h.post_dose(self.pid, {"entries": es})
        self.assertEqual(r.body, {"created": 4, "duplicates": 0, "ids": [e["id"] for e in es]})
        r = h.post_dose(self.pid, {"entries": es})
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {"created": 0, "duplicates": 4, "ids": [e["id"] for e in es]})
        es[2]["dose"] = 99
        r = h.post_dose(self.pid, {"entries": es + [h.dose_entry(id=str(uuid.uuid4()))]})
        self.assertProblem(r, 409)
        self.assertEqual(h.stored_entry_count(self.pid, "taken_at"), 4)


class ConcurrentReplayTest(h.ApiTestCase):
    def setUp(self):
        self.pid = h.new_patient()["id"]

    def test_16_threads_same_batch_of_50(self):
        es = pain_batch(50)
        ids = [e["id"] for e in es]
        results = run_concurrently(16, lambda i: h.post_pain(self.pid, {"entries": es}))
        statuses = [r.status for r in results]
        self.assertNotIn(500, statuses, results)
        self.assertEqual(statuses, [200] * 16, results)
        for r in results:
            self.assertEqual(r.body["created"] + r.body["duplicates"], 50)
            self.assertEqual(r.body["ids"], ids)
        self.assertEqual(sum(r.body["created"] for r in results), 50)
        table = h.entry_table("recorded_at")
        self.assertEqual(h.count_where(table, "patient_id", self.pid), 50)
        self.assertEqual(int(h.psql(f'SELECT count(DISTINCT id) FROM public."{table}" '
                                    f"WHERE patient_id::text = '{self.pid}'")), 50)
        lst = self.api("GET", f"/v1/patients/{self.pid}/pain-entries?limit=500")
        self.assertEqual(sorted(e["id"] for e in lst.body["entries"]), sorted(ids))

    def test_16_threads_same_single_entry(self):
        body = h.pain_entry(id=str(uuid.uuid4()), score=3)
        results = run_concurrently(16, lambda i: h.post_pain(self.pid, body))
        statuses = sorted(r.status for r in results)
        self.assertEqual(statuses, [200] * 15 + [201], results)
        self.assertEqual(len({r.body["created_at"] for r in results}), 1)
        self.assertEqual(h.stored_entry_count(self.pid), 1)

    def test_concurrent_conflicting_writes(self):
        eid = str(uuid.uuid4())
        results = run_concurrently(8, lambda i: h.post_pain(self.pid,
                                                            h.pain_entry(id=eid, score=i)))
        statuses = sorted(r.status for r in results)
        self.assertEqual(statuses, [201] + [409] * 7, results)
        winner = next(r for r in results if r.status == 201)
        lst = self.api("GET", f"/v1/patients/{self.pid}/pain-entries")
        self.assertEqual(lst.body["entries"], [winner.body])

    def test_concurrent_dose_batches(self):
        es = [h.dose_entry(id=str(uuid.uuid4()), dose=1 + i,
                           taken_at=h.ts(h.BASE_TIME - dt.timedelta(hours=i))) for i in range(30)]
        results = run_concurrently(8, lambda i: h.post_dose(self.pid, {"entries": es}))
        self.assertEqual([r.status for r in results], [200] * 8, results)
        self.assertEqual(sum(r.body["created"] for r in results), 30)
        self.assertEqual(h.stored_entry_count(self.pid, "taken_at"), 30)

    def test_concurrent_duplicate_external_ref(self):
        ref = h.unique("race")
        results = run_concurrently(8, lambda i: self.api("POST", "/v1/patients",
                                                         {"external_ref": ref}))
        self.assertEqual(sorted(r.status for r in results), [201] + [409] * 7, results)
        self.assertEqual(int(h.psql(f"SELECT count(*) FROM patients WHERE external_ref = '{ref}'")),
                         1)

    def test_overlapping_batches(self):
        es = pain_batch(40)
        # thread i posts entries i*5 .. i*5+14: neighbours overlap
        results = run_concurrently(6, lambda i: h.post_pain(
            self.pid, {"entries": es[i * 5:i * 5 + 15]}))
        self.assertEqual([r.status for r in results], [200] * 6, results)
        self.assertEqual(sum(r.body["created"] for r in results), 40)
        self.assertEqual(h.stored_entry_count(self.pid), 40)
