"""Pain entries: shape, every validation rule by JSON Pointer, batches, list, delete."""

import datetime as dt
import uuid

from . import harness as h

QUALITIES = ["aching", "burning", "cramping", "dull", "electric", "sharp", "shooting",
             "stabbing", "throbbing", "tingling"]
EVOKED = ["light_touch", "cold", "heat", "pressure", "movement"]


class PainCreateTest(h.ApiTestCase):
    def setUp(self):
        self.pid = h.new_patient()["id"]

    def post(self, body, **kw):
        return h.post_pain(self.pid, body, **kw)

    def test_full_entry(self):
        eid = str(uuid.uuid4())
        body = {"id": eid, "recorded_at": "2026-03-01T08:30:00-05:00", "score": 6,
                "enjoyment": 5, "activity": 7, "locations": ["lower_back", "left_knee", "neck"],
                "qualities": ["tingling", "aching", "burning"],
                "evoked_by": ["movement", "light_touch"], "note": "worse after the walk"}
        r = self.post(body)
        self.assertStatus(r, 201)
        self.assertTrue(r.headers.get("content-type", "").startswith("application/json"))
        e = r.body
        self.assertEqual(set(e), {"id", "recorded_at", "score", "enjoyment", "activity",
                                  "locations", "qualities", "evoked_by", "note", "peg",
                                  "created_at"})
        self.assertEqual(e["id"], eid)
        self.assertEqual(e["recorded_at"], "2026-03-01T13:30:00Z")
        self.assertEqual(e["score"], 6)
        self.assertEqual(e["enjoyment"], 5)
        self.assertEqual(e["activity"], 7)
        self.assertEqual(e["locations"], ["lower_back", "left_knee", "neck"])  # request order
        self.assertEqual(e["qualities"], ["aching", "burning", "tingling"])  # vocabulary order
        self.assertEqual(e["evoked_by"], ["light_touch", "movement"])
        self.assertEqual(e["note"], "worse after the walk")
        self.assertEqual(e["peg"], 6.0)
        self.assertUtcTimestamp(e["created_at"])
        self.assertLess(abs((h.parse_ts(e["created_at"]) - h.now_utc()).total_seconds()), 120)
        # the list returns the same object
        lst = self.api("GET", f"/v1/patients/{self.pid}/pain-entries")
        self.assertStatus(lst, 200)
        self.assertEqual(lst.body, {"entries": [e], "next_cursor": None})

    def test_minimal_entry_defaults(self):
        r = self.post({"recorded_at": "2026-03-02T10:00:00Z", "score": 0})
        self.assertStatus(r, 201)
        e = r.body
        self.assertUuid(e["id"])
        self.assertEqual(e["score"], 0)
        for k in ("enjoyment", "activity", "note", "peg"):
            self.assertIsNone(e[k], k)
        for k in ("locations", "qualities", "evoked_by"):
            self.assertEqual(e[k], [], k)

    def test_peg(self):
        cases = [((5, 6, 7), 6.0), ((4, 5, 5), 4.7), ((10, 10, 10), 10.0), ((0, 0, 1), 0.3),
                 ((1, 1, 0), 0.7), ((3, None, 4), None), ((3, 4, None), None)]
        for (s, en, ac), peg in cases:
            with self.subTest(items=(s, en, ac)):
                body = h.pain_entry(score=s)
                if en is not None:
                    body["enjoyment"] = en
                if ac is not None:
                    body["activity"] = ac
                r = self.post(body)
                self.assertStatus(r, 201)
                if peg is None:
                    self.assertIsNone(r.body["peg"])
                else:
                    self.assertAlmostEqual(r.body["peg"], peg, places=9)

    def test_id_lowercased(self):
        eid = str(uuid.uuid4())
        r = self.post(h.pain_entry(id=eid.upper()))
        self.assertStatus(r, 201)
        self.assertEqual(r.body["id"], eid)

    def test_timestamps(self):
        cases = [
            ("2026-03-01T08:30:00-05:00", "2026-03-01T13:30:00Z"),
            ("2026-03-01T19:00:00+05:30", "2026-03-01T13:30:00Z"),
            ("2026-03-01T13:30:00.123456Z", "2026-03-01T13:30:00.123456Z"),
            ("2026-03-01T13:30:00.5Z", "2026-03-01T13:30:00.500000Z"),
            ("2026-03-01T13:30:00.000Z", "2026-03-01T13:30:00Z"),
            ("2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"),
            ("2000-01-01T00:00:00Z", "2000-01-01T00:00:00Z"),
            ("2000-01-01T05:00:00+05:00", "2000-01-01T00:00:00Z"),
            ("2026-03-01T13:30:00.1234561Z", "2026-03-01T13:30:00.123456Z"),
            ("2026-03-01T13:30:00.000001+00:00", "2026-03-01T13:30:00.000001Z"),
        ]
        for given, want in cases:
            with self.subTest(given=given):
                r = self.post(h.pain_entry(recorded_at=given))
                self.assertStatus(r, 201)
                self.assertEqual(r.body["recorded_at"], want)

    def test_near_future_ok(self):
        r = self.post(h.pain_entry(recorded_at=h.ts(h.now_utc() + dt.timedelta(minutes=3))))
        self.assertStatus(r, 201)

    def test_recorded_at_rules(self):
        future = h.now_utc() + dt.timedelta(minutes=10)
        bad = [
            None, 12345, True, [], "", "yesterday",
            "2026-03-01T08:30:00",  # no offset
            "2026-03-01 08:30:00Z",
            "2026-03-01",
            "2026-03-01T08:30Z",
            "2026-03-01T08:30:00+0500",
            h.ts(future),
            h.ts(future + dt.timedelta(days=400)),
            "1999-12-31T23:59:59Z",
            "2000-01-01T04:59:59+05:00",
            "1970-01-01T00:00:00Z",
            "2025-02-30T10:00:00Z",
            "2025-02-29T10:00:00Z",
            "2025-04-31T10:00:00Z",
            "2025-13-01T10:00:00Z",
            "2025-01-01T24:00:00Z",
            "2025-01-01T10:60:00Z",
            "2025-01-01T10:00:00+25:00",
        ]
        for value in bad:
            with self.subTest(recorded_at=value):
                self.assertProblem(self.post(h.pain_entry(recorded_at=value)), 422,
                                   ["/recorded_at"], exact=True)
        body = h.pain_entry()
        del body["recorded_at"]
        self.assertProblem(self.post(body), 422, ["/recorded_at"], exact=True)
        self.assertEqual(h.stored_entry_count(self.pid), 0)

    def test_score_rules(self):
        for value in (None, -1, 11, 100, 5.5, "5", True, [5], {"v": 5}):
            with self.subTest(score=value):
                self.assertProblem(self.post(h.pain_entry(score=value)), 422, ["/score"],
                                   exact=True)
        body = h.pain_entry()
        del body["score"]
        self.assertProblem(self.post(body), 422, ["/score"], exact=True)
        for value in (0, 10):
            with self.subTest(score=value):
                self.assertStatus(self.post(h.pain_entry(score=value)), 201)

    def test_peg_item_rules(self):
        for field in ("enjoyment", "activity"):
            for value in (-1, 11, 2.5, "3", False, [1]):
                with self.subTest(field=field, value=value):
                    self.assertProblem(self.post(h.pain_entry(**{field: value})), 422,
                                       [f"/{field}"], exact=True)
            for value in (0, 10):
                with self.subTest(field=field, value=value):
                    self.assertStatus(self.post(h.pain_entry(**{field: value})), 201)

    def test_locations_rules(self):
        ok16 = [f"region_{i}" for i in range(16)]
        r = self.post(h.pain_entry(locations=ok16))
        self.assertStatus(r, 201)
        self.assertEqual(r.body["locations"], ok16)
        r = self.post(h.pain_entry(locations=["a" + "b" * 39, "x", "z9_"]))
        self.assertStatus(r, 201)
        self.assertEqual(r.body["locations"], ["a" + "b" * 39, "x", "z9_"])
        r = self.post(h.pain_entry(locations=[]))
        self.assertStatus(r, 201)
        self.assertEqual(r.body["locations"], [])

        self.assertProblem(self.post(h.pain_entry(locations=ok16 + ["one_more"])), 422,
                           ["/locations"], exact=True)
        for value in ("knee", 5, {"a": 1}):
            with self.subTest(locations=value):
                self.assertProblem(self.post(h.pain_entry(locations=value)), 422,
                                   ["/locations"], exact=True)
        for token in ("Knee", "1knee", "_knee", "left-knee", "left knee", "", "a" * 41,
                      "knée", "knee\n"):
            with self.subTest(token=token):
                r = self.post(h.pain_entry(locations=["neck", "back", token]))
                self.assertProblem(r, 422, ["/locations/2"], exact=True)
        for value in (5, None, ["knee"]):
            with self.subTest(item=value):
                r = self.post(h.pain_entry(locations=[value]))
                self.assertProblem(r, 422, ["/locations/0"], exact=True)
        self.assertEqual(h.stored_entry_count(self.pid), 3)

    def test_duplicate_words(self):
        for field, words in (("locations", ["knee", "neck", "knee"]),
                             ("qualities", ["aching", "dull", "aching"]),
                             ("evoked_by", ["cold", "heat", "cold"])):
            with self.subTest(field=field):
                r = self.post(h.pain_entry(**{field: words}))
                self.assertProblem(r, 422)
                ps = self.pointers(r)
                self.assertTrue(ps and all(p in (f"/{field}", f"/{field}/2") for p in ps), ps)
        self.assertEqual(h.stored_entry_count(self.pid), 0)

    def test_qualities_and_evoked(self):
        r = self.post(h.pain_entry(qualities=list(reversed(QUALITIES)),
                                   evoked_by=list(reversed(EVOKED))))
        self.assertStatus(r, 201)
        self.assertEqual(r.body["qualities"], QUALITIES)
        self.assertEqual(r.body["evoked_by"], EVOKED)
        for field, bad in (("qualities", ["aching", "itchy"]), ("qualities", ["aching", "Aching"]),
                           ("evoked_by", ["cold", "warmth"]), ("evoked_by", ["cold", "touch"]),
                           ("qualities", ["aching", 3]), ("evoked_by", ["cold", None])):
            with self.subTest(field=field, bad=bad):
                self.assertProblem(self.post(h.pain_entry(**{field: bad})), 422,
                                   [f"/{field}/1"], exact=True)
        for field in ("qualities", "evoked_by"):
            with self.subTest(field=field):
                self.assertProblem(self.post(h.pain_entry(**{field: "aching"})), 422,
                                   [f"/{field}"], exact=True)

    def test_note_rules(self):
        for note in ("n" * 1000, "é" * 1000, "😀" * 1000, "患" * 500 + "a" * 500, "line\nbreak"):
            with self.subTest(note=note[:3], length=len(note)):
                r = self.post(h.pain_entry(note=note))
                self.assertStatus(r, 201)
                self.assertEqual(r.body["note"], note)
        for note in ("n" * 1001, "é" * 1001, "😀" * 1001, 5, ["x"], {"t": "x"}):
            with self.subTest(note=str(note)[:3]):
                self.assertProblem(self.post(h.pain_entry(note=note)), 422, ["/note"],
                                   exact=True)
        # escaped non-BMP characters count as one character each
        raw = ('{"recorded_at": "2026-03-01T12:00:00Z", "score": 1, "note": "'
               + "\\ud83d\\ude00" * 1000 + '"}').encode()
        r = self.post(raw)
        self.assertStatus(r, 201)
        self.assertEqual(r.body["note"], "😀" * 1000)

    def test_id_rules(self):
        for value in ("not-a-uuid", 5, "", str(uuid.uuid4())[:-1], "{" + str(uuid.uuid4()) + "}"):
            with self.subTest(id=value):
                self.assertProblem(self.post(h.pain_entry(id=value)), 422, ["/id"], exact=True)

    def test_unknown_fields_named(self):
        r = self.post(h.pain_entry(scroe=5))
        self.assertProblem(r, 422, ["/scroe"], exact=True)
        r = self.post(h.pain_entry(mood="ok", patient_id=self.pid))
        self.assertProblem(r, 422, ["/mood", "/patient_id"], exact=True)
        self.assertEqual(h.stored_entry_count(self.pid), 0)

    def test_every_invalid_field_is_named(self):
        r = self.post({"recorded_at": "2026-03-01T08:30:00", "score": 11, "enjoyment": -1,
                       "activity": "x", "locations": ["ok", "Bad"], "qualities": ["itchy"],
                       "evoked_by": ["warmth"], "note": "n" * 1001, "id": "nope",
                       "extra": 1})
        self.assertProblem(r, 422, ["/recorded_at", "/score", "/enjoyment", "/activity",
                                    "/locations/1", "/qualities/0", "/evoked_by/0", "/note",
                                    "/id", "/extra"], exact=True)

    def test_pointer_escaping_of_unknown_field(self):
        r = self.post(h.pain_entry(**{"a/b": 1, "c~d": 2}))
        self.assertProblem(r, 422, ["/a~1b", "/c~0d"], exact=True)


class PainBatchTest(h.ApiTestCase):
    def setUp(self):
        self.pid = h.new_patient()["id"]

    def post(self, body, **kw):
        return h.post_pain(self.pid, body, **kw)

    def entries(self, n, with_ids=True):
        out = []
        for i in range(n):
            e = h.pain_entry(recorded_at=h.ts(h.BASE_TIME - dt.timedelta(minutes=i)),
                             score=i % 11)
            if with_ids:
                e["id"] = str(uuid.uuid4())
            out.append(e)
        return out

    def test_batch_created(self):
        es = self.entries(5)
        es[2].pop("id")
        r = self.post({"entries": es})
        self.assertStatus(r, 200)
        self.assertEqual(set(r.body), {"created", "duplicates", "ids"})
        self.assertEqual(r.body["created"], 5)
        self.assertEqual(r.body["duplicates"], 0)
        ids = r.body["ids"]
        self.assertEqual(len(ids), 5)
        for i in (0, 1, 3, 4):
            self.assertEqual(ids[i], es[i]["id"])
        self.assertUuid(ids[2])
        self.assertNotIn(ids[2], [e.get("id") for e in es])
        lst = self.api("GET", f"/v1/patients/{self.pid}/pain-entries")
        self.assertEqual([e["id"] for e in lst.body["entries"]], ids)  # newest first = order
        self.assertEqual(h.stored_entry_count(self.pid), 5)

    def test_batch_of_one_and_thousand(self):
        r = self.post({"entries": self.entries(1)})
        self.assertStatus(r, 200)
        self.assertEqual(r.body["created"], 1)
        es = self.entries(1000, with_ids=False)
        r = self.post({"entries": es})
        self.assertStatus(r, 200)
        self.assertEqual(r.body["created"], 1000)
        self.assertEqual(len(set(r.body["ids"])), 1000)
        self.assertEqual(h.stored_entry_count(self.pid), 1001)

    def test_batch_size_limits(self):
        for n in (0, 1001):
            with self.subTest(n=n):
                r = self.post({"entries": self.entries(n, with_ids=False)})
                self.assertProblem(r, 422, ["/entries"], exact=True)
        self.assertEqual(h.stored_entry_count(self.pid), 0)

    def test_batch_pointers(self):
        es = self.entries(10)
        es[3]["score"] = 11
        es[7]["locations"] = ["ok", "fine", "NOT OK"]
        es[8]["recorded_at"] = "2026-03-01T10:00:00"
        es[9]["bogus"] = True
        del es[0]["score"]
        r = self.post({"entries": es})
        self.assertProblem(r, 422, ["/entries/0/score", "/entries/3/score",
                                    "/entries/7/locations/2", "/entries/8/recorded_at",
                                    "/entries/9/bogus"], exact=True)
        self.assertEqual(h.stored_entry_count(self.pid), 0)

    def test_all_or_nothing_validation(self):
        for bad_index in (0, 13, 19):
            with self.subTest(bad_index=bad_index):
                es = self.entries(20)
                es[bad_index]["note"] = "x" * 1001
                r = self.post({"entries": es})
                self.assertProblem(r, 422, [f"/entries/{bad_index}/note"], exact=True)
                self.assertEqual(h.stored_entry_count(self.pid), 0)
                lst = self.api("GET", f"/v1/patients/{self.pid}/pain-entries")
                self.assertEqual(lst.body["entries"], [])

    def test_batch_item_not_object(self):
        es = self.entries(3)
        es[1] = 5
        r = self.post({"entries": es})
        self.assertProblem(r, 422, ["/entries/1"], exact=True)
        self.assertEqual(h.stored_entry_count(self.pid), 0)

    def test_batch_unknown_top_level_field(self):
        r = self.post({"entries": self.entries(2), "device": "phone"})
        self.assertProblem(r, 422, ["/device"])
        self.assertEqual(h.stored_entry_count(self.pid), 0)

    def test_top_level_shape(self):
        for body in (b"[]", b'[{"recorded_at": "2026-03-01T12:00:00Z", "score": 1}]', b"1",
                     b"null", b'"entries"', b"true"):
            with self.subTest(body=body):
                self.assertProblem(self.post(body), 400)
        self.assertEqual(h.stored_entry_count(self.pid), 0)


class PainListDeleteTest(h.ApiTestCase):
    def setUp(self):
        self.pid = h.new_patient()["id"]

    def test_list_newest_first(self):
        times = ["2026-02-01T00:00:00Z", "2026-03-05T00:00:00Z", "2026-01-01T00:00:00Z",
                 "2026-03-01T00:00:00Z"]
        for t in times:
            self.assertStatus(h.post_pain(self.pid, h.pain_entry(recorded_at=t)), 201)
        r = self.api("GET", f"/v1/patients/{self.pid}/pain-entries")
        self.assertStatus(r, 200)
        self.assertEqual([e["recorded_at"] for e in r.body["entries"]], sorted(times, reverse=True))
        self.assertIsNone(r.body["next_cursor"])

    def test_empty_list(self):
        r = self.api("GET", f"/v1/patients/{self.pid}/pain-entries")
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {"entries": [], "next_cursor": None})

    def test_delete(self):
        a = h.post_pain(self.pid, h.pain_entry()).body
        b = h.post_pain(self.pid, h.pain_entry(score=2)).body
        r = self.api("DELETE", f"/v1/patients/{self.pid}/pain-entries/{a['id']}")
        self.assertStatus(r, 204)
        self.assertEqual(r.raw, b"")
        lst = self.api("GET", f"/v1/patients/{self.pid}/pain-entries")
        self.assertEqual([e["id"] for e in lst.body["entries"]], [b["id"]])
        self.assertProblem(self.api("DELETE", f"/v1/patients/{self.pid}/pain-entries/{a['id']}"),
                           404)
        self.assertStatus(self.api("DELETE", f"/v1/patients/{self.pid}/pain-entries/"
                                             f"{b['id'].upper()}"), 204)
        self.assertEqual(h.stored_entry_count(self.pid), 0)

    def test_delete_unknown_or_malformed(self):
        for eid in (str(uuid.uuid4()), "nope", "123", str(uuid.uuid4())[:35]):
            with self.subTest(eid=eid):
                self.assertProblem(
                    self.api("DELETE", f"/v1/patients/{self.pid}/pain-entries/{eid}"), 404)
        e = h.post_pain(self.pid, h.pain_entry()).body
        # a dose path does not delete a pain entry
        self.assertProblem(self.api("DELETE", f"/v1/patients/{self.pid}/dose-entries/{e['id']}"),
                           404)
        self.assertEqual(h.stored_entry_count(self.pid), 1)

    def test_clinician_and_patient_may_delete(self):
        c = h.new_clinician()
        pid = h.new_patient(token=c["token"])["id"]
        t = h.new_patient_token(pid)["token"]
        e1 = h.post_pain(pid, h.pain_entry(), token=t).body
        e2 = h.post_pain(pid, h.pain_entry(), token=t).body
        self.assertStatus(h.request("DELETE", f"/v1/patients/{pid}/pain-entries/{e1['id']}",
                                    token=t), 204)
        self.assertStatus(h.request("DELETE", f"/v1/patients/{pid}/pain-entries/{e2['id']}",
                                    token=c["token"]), 204)
