"""Synthetic clinical courses for the trend, risk and cohort API tests (test_clinical_*.py).

A Course holds the pain and dose entries of one patient, placed by day index: day 0 is
the first day of a risk window of `days` local days whose last day is `days - 1`; negative
indices lie before the window (risk-model.md lets escalation/taper rules read them).
Entries of day i are stamped at `anchor - (days - 1 - i) days - minutes x spacing` (spacing
one minute, or one second for courses built backwards from now), so such a course never has
an entry in the future, and a course anchored at a past time puts its last day on that
time's local date.

Also here: the statistics of risk-model.md written out plainly (median, Theil-Sen slope,
Spearman's rho with average ranks), used to state expected evidence for hand-built series.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from . import harness as h

# risk-model.md section 1 (the forms the tests use)
MME_FACTOR = {
    ("oxycodone", "oral"): 1.5,
    ("morphine", "oral"): 1.0,
    ("hydrocodone", "oral"): 1.0,
}
UNIT = {"oxycodone": "mg", "morphine": "mg", "hydrocodone": "mg", "alprazolam": "mg",
        "gabapentin": "mg", "ibuprofen": "mg"}

NOTICE = ("Screening signal for clinical review; not a diagnosis. Rule out disease "
          "progression, tolerance, withdrawal and opioid use disorder.")
MODEL = {"name": "oihwatch-oih", "version": "1"}
# risk-model.md section 4, in table order, with their points
SIGNALS = [("pain_rising", 20), ("dose_escalation", 10), ("pain_tracks_dose", 25),
           ("no_relief_after_escalation", 20), ("evoked_pain", 10), ("pain_spreading", 5),
           ("relief_after_taper", 10)]
SIGNAL_CODES = [c for c, _ in SIGNALS]
WEIGHTS = dict(SIGNALS)
# risk-model.md section 5, in order
FLAG_CODES = ["mme_50_plus", "mme_90_plus", "benzodiazepine_co_use", "gabapentinoid_co_use",
              "long_term_therapy", "rapid_escalation", "fast_taper"]

BATCH = 1000


def parse_date(text):
    return dt.date.fromisoformat(text)


def iso(d):
    return d.isoformat()


class Course:
    """Pain and dose entries of one synthetic patient, by window day index."""

    def __init__(self, anchor, days=90, tz="UTC", spacing=dt.timedelta(minutes=1)):
        self.anchor = anchor
        self.spacing = spacing  # what one unit of `minutes` below stands for
        self.days = days
        self.tz = tz
        self.zone = ZoneInfo(tz)
        self.pain = []  # (day index, entry)
        self.dose = []

    # -- placement
    def at(self, i, minutes=0):
        return self.anchor - dt.timedelta(days=self.days - 1 - i) - minutes * self.spacing

    def local_date(self, i, minutes=0):
        return self.at(i, minutes).astimezone(self.zone).date()

    @property
    def last_date(self):
        return self.local_date(self.days - 1)

    @property
    def first_date(self):
        return self.last_date - dt.timedelta(days=self.days - 1)

    # -- entries
    def add_pain(self, i, score, minutes=0, **fields):
        e = {"id": h.new_id(), "recorded_at": h.ts(self.at(i, minutes)), "score": score}
        e.update(fields)
        self.pain.append((i, e))
        return e

    def add_dose(self, i, medication, dose, route="oral", unit=None, minutes=0, **fields):
        e = {"id": h.new_id(), "taken_at": h.ts(self.at(i, minutes)), "medication": medication,
             "dose": dose, "unit": unit or UNIT.get(medication, "mg"), "route": route}
        e.update(fields)
        self.dose.append((i, e))
        return e

    def add_mme(self, i, mme, medication="oxycodone", minutes=0):
        """One oral opioid dose worth `mme` morphine milligram equivalents."""
        if mme <= 0:
            return None
        factor = MME_FACTOR[(medication, "oral")]
        amount = mme / factor
        if amount == int(amount):
            amount = int(amount)
        return self.add_dose(i, medication, amount, minutes=minutes)

    def mme_schedule(self, schedule, first=0, last=None, medication="oxycodone", minutes=0):
        """One dose a day for days first..last, of schedule(i) MME (no dose when 0)."""
        last = self.days - 1 if last is None else last
        for i in range(first, last + 1):
            self.add_mme(i, schedule(i), medication, minutes)

    def pain_schedule(self, schedule, first=0, last=None, minutes=10, **fields):
        """One pain entry a day for days first..last with score schedule(i) (none: None)."""
        last = self.days - 1 if last is None else last
        for i in range(first, last + 1):
            s = schedule(i)
            if s is not None:
                extra = {k: (v(i) if callable(v) else v) for k, v in fields.items()}
                extra = {k: v for k, v in extra.items() if v is not None}
                self.add_pain(i, s, minutes, **extra)

    # -- counts (window days 0..days-1)
    def in_window(self, entries):
        return [e for i, e in entries if 0 <= i < self.days]

    def pain_days(self):
        return len({i for i, _ in self.pain if 0 <= i < self.days})

    def opioid_days(self):
        return len({i for i, e in self.dose if 0 <= i < self.days
                    and (e["medication"], e["route"]) in MME_FACTOR})

    def daily_pain(self, first=0, last=None):
        """{day index: mean score} over pain days in first..last."""
        last = self.days - 1 if last is None else last
        by_day = {}
        for i, e in self.pain:
            if first <= i <= last:
                by_day.setdefault(i, []).append(e["score"])
        return {i: sum(v) / len(v) for i, v in sorted(by_day.items())}

    def daily_mme(self, first=0, last=None):
        last = self.days - 1 if last is None else last
        out = {i: 0.0 for i in range(first, last + 1)}
        for i, e in self.dose:
            f = MME_FACTOR.get((e["medication"], e["route"]))
            if f is not None and first <= i <= last:
                out[i] += e["dose"] * f
        return out

    # -- posting
    def post(self, patient_id, token=None):
        for path, entries in (("pain-entries", [e for _, e in self.pain]),
                              ("dose-entries", [e for _, e in self.dose])):
            post_batches(patient_id, path, entries, token)


def post_batches(patient_id, path, entries, token=None):
    for k in range(0, len(entries), BATCH):
        chunk = entries[k:k + BATCH]
        r = h.request("POST", f"/v1/patients/{patient_id}/{path}", {"entries": chunk},
                      token=token or h.admin_token())
        if r.status != 200 or r.body.get("created") != len(chunk):
            raise h.HarnessError(f"posting {len(chunk)} {path}: {r!r}")


def risk(patient_id, token=None, **params):
    q = "&".join(f"{k}={v}" for k, v in params.items())
    return h.request("GET", f"/v1/patients/{patient_id}/risk" + (f"?{q}" if q else ""),
                     token=token or h.admin_token())


def trend(patient_id, token=None, **params):
    q = "&".join(f"{k}={v}" for k, v in params.items())
    return h.request("GET", f"/v1/patients/{patient_id}/trend" + (f"?{q}" if q else ""),
                     token=token or h.admin_token())


def signal(body, code):
    for s in body["oih"]["signals"]:
        if s["code"] == code:
            return s
    raise KeyError(code)


def flag_codes(body):
    return [f["code"] for f in body["safety"]["flags"]]


def flag(body, code):
    for f in body["safety"]["flags"]:
        if f["code"] == code:
            return f
    raise KeyError(code)


# --------------------------------------------------------------------------- statistics


def median(values):
    v = sorted(values)
    n = len(v)
    if n == 0:
        return None
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def theil_sen(xs, ys):
    """Median of the pairwise slopes (y_j - y_i) / (x_j - x_i) over pairs with x_i != x_j."""
    slopes = [(ys[j] - ys[i]) / (xs[j] - xs[i])
              for i in range(len(xs)) for j in range(i + 1, len(xs)) if xs[j] != xs[i]]
    return median(slopes)


def ranks(values):
    """Average 1-based ranks (ties share the mean of their positions)."""
    order = sorted(range(len(values)), key=lambda k: values[k])
    out = [0.0] * len(values)
    k = 0
    while k < len(order):
        j = k
        while j + 1 < len(order) and values[order[j + 1]] == values[order[k]]:
            j += 1
        for m in range(k, j + 1):
            out[order[m]] = (k + j) / 2 + 1
        k = j + 1
    return out


def spearman(xs, ys):
    """Pearson's r of the average ranks; None when fewer than 2 or a series is constant."""
    if len(xs) < 2 or len(set(xs)) < 2 or len(set(ys)) < 2:
        return None
    rx, ry = ranks(xs), ranks(ys)
    n = len(xs)
    mx, my = sum(rx) / n, sum(ry) / n
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    return cov / (vx * vy) ** 0.5


def r2(x):
    return None if x is None else round(x, 2)


# --------------------------------------------------------------------------- courses
# Each builder fills a Course of 90 window days (day 0 .. 89) plus 14 days before it
# (-14 .. -1), one oxycodone dose a day and one pain entry a day unless stated. The
# expected results are worked out in test_clinical_scenarios.py.


def step(i, values, starts):
    """values[k] where k is the number of starts <= i (a staircase)."""
    return values[sum(1 for s in starts if i >= s)]


OIH_STEPS = [21, 42, 63]


def oih_mme(i):
    return step(i, [30, 45, 60, 90], OIH_STEPS)


def oih_pain(i):
    return step(i, [4, 5, 6, 7], OIH_STEPS)


def oih_locations(i):
    if i < 0:
        return ["lower_back"]
    if i < 28:  # early: two regions
        return ["lower_back", "left_leg"] if i % 2 else ["lower_back"]
    if i < 70:
        return ["lower_back"]
    if i < 80:
        return ["lower_back", "left_leg", "right_leg"]
    return ["lower_back", "left_leg", "right_leg", "neck"]  # late: four regions


def oih_evoked(i):
    if i in (80, 83, 86, 89):
        return ["light_touch", "cold"]  # allodynia on 4 late days
    if i in (66, 67, 68):
        return ["movement"]  # late, but movement is not evoked pain
    if i == 10:
        return ["pressure"]  # early: does not count
    return None


def textbook_oih(c, pain=True, pain_score=oih_pain):
    """Dose 30 -> 45 -> 60 -> 90 MME at days 21, 42, 63; pain 4 -> 5 -> 6 -> 7 with it;
    allodynia late; two body regions early, four late."""
    c.mme_schedule(oih_mme, first=-14)
    if pain:
        c.pain_schedule(pain_score, first=-14, locations=oih_locations, evoked_by=oih_evoked)


def tolerance(c):
    """Dose 30 -> 45 -> 60 MME at days 28 and 56; each escalation brings relief (pain 6 ->
    4, 7 -> 4), then pain creeps back."""
    c.mme_schedule(lambda i: step(i, [30, 45, 60], [28, 56]), first=-14)
    c.pain_schedule(lambda i: step(i, [6, 4, 7, 4, 6], [28, 42, 56, 70]), first=-14)


def progression(c):
    """Stable 60 MME; pain 3 + one point every 18 days (3 .. 7)."""
    c.mme_schedule(lambda i: 60, first=-14)
    c.pain_schedule(lambda i: 3 + max(i, 0) // 18, first=-14)


def taper_relief(c):
    """90 MME, then 60 from day 35; pain 7, worse (8) during the two withdrawal weeks,
    then 5."""
    c.mme_schedule(lambda i: 90 if i < 35 else 60, first=-14)
    c.pain_schedule(lambda i: step(i, [7, 8, 5], [35, 45]), first=-14)


def moderate(c):
    """30 MME, 60 from day 45; two pain entries a day, 5+5 then 5+6 (means 5.0 -> 5.5):
    pain follows the dose and the escalation brings no relief, but pain does not rise by
    a full point (score 10 + 25 + 20 = 55)."""
    c.mme_schedule(lambda i: 30 if i < 45 else 60, first=-14)
    c.pain_schedule(lambda i: 5, first=-14, minutes=10)
    c.pain_schedule(lambda i: 5 if i < 45 else 6, first=-14, minutes=11)


def gate_minimal(c, score=5):
    """Just passes the data gate: pain on days 0..3 and 80..89 (14 pain days, 4 early, 10
    late), 30 MME on days 76..89 (14 opioid days). Score 10 (dose_escalation: early mean
    0, late mean 15)."""
    for i in list(range(0, 4)) + list(range(80, 90)):
        c.add_pain(i, score, minutes=10)
    c.mme_schedule(lambda i: 30, first=76, medication="morphine")
