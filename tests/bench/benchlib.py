#!/usr/bin/env python3
"""Helpers for scripts/bench.sh (Python standard library only).

  capture   turn the statements the service ran for one HTTP request (from PostgreSQL's
            csvlog, with log_statement=all for the capture only) into a pgbench script
  report    read build/bench/raw/ and print the results table (and write results.md)

Why capture instead of hand-written pgbench scripts: the service's SQL changes while it is
being optimized (the statements, their parameters, how many per request). Capturing one
real request per scenario and replaying exactly those statements, with exactly those
parameter values except the patient and the entry ids, keeps "the same SQL" true.

Two variants are written per scenario:
  core  what the issue compares against: the statements that do the work (the insert
        transaction: BEGIN, insert, the after-write statements, COMMIT; the series
        queries of trend and risk, including the local date; the cohort query). Left out:
        the bearer-token lookup, the patient visibility check, and anything a write runs
        after its COMMIT (none since a single insert returns its row; a duplicate's
        re-read).
  full  every statement of the request, in order (the database's share of the whole
        request; BENCH_PGBENCH_FULL=1 runs it too).
"""

import argparse
import csv
import glob
import math
import os
import re
import sys
from datetime import datetime, timezone

csv.field_size_limit(1 << 30)

# --- capture ---------------------------------------------------------------------------

# Statements that are the request's overhead rather than its work (see "core" above).
AUTH_RE = re.compile(r"\bFROM\s+tokens\b|\bJOIN\s+principals\b|\bUPDATE\s+tokens\b", re.I)
VISIBILITY_RE = re.compile(r"\bFROM\s+patients\s+p\s+WHERE\s+p\.id\s*=", re.I)
BACKGROUND_RE = re.compile(r"\baudit_log\b|\blast_used_at\b", re.I)
PARAM_RE = re.compile(r"\$(\d+)(?!\d)")
ID_PREFIX_EXPR = ("(lpad(to_hex(:r1::int), 8, '0') || '-' || lpad(to_hex(:r2::int), 4, '0') || '-4'"
                  " || lpad(to_hex(:r3::int), 3, '0') || '-8' || lpad(to_hex(:r4::int), 3, '0'))")
DETAIL_PARAM_RE = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")


def parse_log_time(text):
    # "2026-11-23 20:36:50.459 UTC"
    stamp = datetime.strptime(text[:23], "%Y-%m-%d %H:%M:%S.%f")
    return stamp.replace(tzinfo=timezone.utc).timestamp()


def read_statements(csv_path, user):
    """Every statement `user` ran, as dicts, in log order."""
    out = []
    with open(csv_path, newline="", encoding="utf-8", errors="replace") as f:
        for row in csv.reader(f):
            if len(row) < 15 or row[1] != user:
                continue
            msg, detail = row[13], row[14]
            m = re.match(r"(?:execute [^:]*|statement): (.*)\Z", msg, re.S)
            if not m:
                continue
            params = {}
            if detail.startswith("parameters: "):
                for num, val in DETAIL_PARAM_RE.findall(detail):
                    params[int(num)] = None if val == "NULL" else val[1:-1].replace("''", "'")
            out.append({
                "time": parse_log_time(row[0]),
                "session": row[5],
                "line": int(row[6]),
                "sql": m.group(1).strip(),
                "params": params,
            })
    return out


def e_literal(value):
    """value as an E'' literal with no ':' (pgbench would take ":word" for a variable)."""
    esc = value.replace("\\", "\\\\").replace("'", "\\'").replace(":", "\\x3a")
    return "E'" + esc + "'"


def cmd_capture(a):
    stmts = read_statements(a.csv, a.user)
    window = [s for s in stmts if a.t0 - 0.005 <= s["time"] <= a.t1 + 0.005
              and not BACKGROUND_RE.search(s["sql"])]
    sessions = {s["session"] for s in window
                if any(v is not None and a.marker in v for v in s["params"].values())}
    if len(sessions) != 1:
        sys.exit("capture %s: expected one database session with %s in %.3f..%.3f, found %d"
                 % (a.name, a.marker, a.t0, a.t1, len(sessions)))
    session = sessions.pop()
    request = sorted((s for s in window if s["session"] == session), key=lambda s: s["line"])
    zones = a.zones.strip("{}").split(",")
    zone_expr = "((ARRAY[%s]::text[])[:zi::int])" % ",".join("'%s'" % z for z in zones)
    patient_expr = "(md5('p' || :n::text)::uuid)"

    def value_sql(v):
        if v is None:
            return "NULL"
        if v == a.patient:
            return patient_expr
        if a.zone and v == a.zone:
            return zone_expr
        if a.id_prefix and a.id_prefix in v:
            # fresh entry ids in every transaction: the ids' common first 23 characters
            # become 71 random bits drawn by pgbench, the same in every statement of the
            # transaction (the re-read finds the entry) and constant for the planner
            return "(replace(%s, '%s', %s))" % (e_literal(v), a.id_prefix, ID_PREFIX_EXPR)
        return "(" + e_literal(v) + ")"

    def render(s):
        sql = PARAM_RE.sub(lambda m: value_sql(s["params"].get(int(m.group(1)))), s["sql"])
        if a.patient:  # a statement sent with literals instead of parameters
            sql = sql.replace("'%s'" % a.patient, patient_expr)
        if re.search(r"(?<![:\w]):[A-Za-z0-9_]", s["sql"]):
            print("capture %s: warning: the statement has ':word' outside a cast, which pgbench"
                  " may read as a variable: %.80s" % (a.name, s["sql"]), file=sys.stderr)
        return sql.rstrip(";") + ";"

    committed = False
    labels = []
    for s in request:
        kind = "core"
        if AUTH_RE.search(s["sql"]):
            kind = "auth"
        elif VISIBILITY_RE.search(s["sql"]):
            kind = "visibility"
        elif committed:
            kind = "after-commit"
        if re.match(r"(COMMIT|END)\b", s["sql"], re.I):
            committed = True
        labels.append(kind)

    header = ["-- generated by tests/bench/benchlib.py from the statements the service ran",
              "-- for one %s request (database session %s, %d statements)"
              % (a.name, session, len(request)),
              "\\set n random(1, %d)" % a.npatients,
              "\\set zi :n %% %d + 1" % len(zones)]
    if a.id_prefix:
        header += ["\\set r1 random(0, 2147483647)", "\\set r2 random(0, 65535)",
                   "\\set r3 random(0, 4095)", "\\set r4 random(0, 4095)"]
    for variant in ("core", "full"):
        body = [render(s) for s, k in zip(request, labels) if variant == "full" or k == "core"]
        with open("%s.%s.sql" % (a.out, variant), "w") as f:
            f.write("\n".join(header + ["-- variant: " + variant] + body) + "\n")
    with open(a.out + ".statements.txt", "w") as f:
        for s, k in zip(request, labels):
            f.write("%-12s %s\n" % (k, re.sub(r"\s+", " ", s["sql"])[:200]))
    print("  captured %-10s %s" % (a.name, ", ".join(
        "%s:%s" % (k, first_words(s["sql"])) for s, k in zip(request, labels))))


def first_words(sql):
    words = re.sub(r"\s+", " ", sql).split(" ")
    if words[0].upper() == "SELECT" and len(words) > 1 and "(" in words[1]:
        return "SELECT " + words[1].split("(")[0]
    if words[0].upper() in ("INSERT", "DELETE") and len(words) > 2:
        return " ".join(words[:3])
    if words[0].upper() == "UPDATE" and len(words) > 1:
        return " ".join(words[:2])
    m = re.search(r"\bFROM\s+(\w+)", sql, re.I)
    return words[0] + (" FROM " + m.group(1) if m else "")


# --- reading raw results -----------------------------------------------------------------

def read_kv(path):
    out = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    out[k] = v
    return out


def read_wrk(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        for line in f:
            if line.startswith("WRK_RESULT "):
                r = dict(kv.split("=", 1) for kv in line.split()[1:])
                n = int(r["requests"])
                dur = int(r["duration_us"]) / 1e6
                errors = sum(int(r[k]) for k in r if k.startswith("err_"))
                return {"rate": n / dur if dur else 0.0, "p50": int(r["p50_us"]) / 1000.0,
                        "p99": int(r["p99_us"]) / 1000.0, "n": n, "errors": errors,
                        "status_errors": int(r["err_status"])}
    return None


def percentile(sorted_vals, p):
    if not sorted_vals:
        return float("nan")
    k = max(0, min(len(sorted_vals) - 1, int(math.ceil(p / 100.0 * len(sorted_vals))) - 1))
    return sorted_vals[k]


def read_pgbench(out_path, log_prefix):
    if not os.path.exists(out_path):
        return None
    text = open(out_path).read()
    m = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", text)
    if not m:
        return {"failed": True, "text": text[-400:]}
    lat = []
    for path in glob.glob(log_prefix + ".*"):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[2].isdigit():
                    lat.append(int(parts[2]))
    lat.sort()
    failed = re.search(r"number of failed transactions: (\d+)", text)
    return {"rate": float(m.group(1)), "p50": percentile(lat, 50) / 1000.0,
            "p99": percentile(lat, 99) / 1000.0, "n": len(lat),
            "failed": bool(failed and int(failed.group(1)) > 0)}


def read_pgss(path):
    """rolname, queryid -> (calls, total ms, query)"""
    out = {}
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 5:
                out[(parts[0], parts[1])] = (int(parts[2]), float(parts[3]), parts[4])
    return out


def pgss_delta(before, after, role):
    rows = []
    for key, (calls, ms, query) in after.items():
        if key[0] != role:
            continue
        c0, m0, _ = before.get(key, (0, 0.0, ""))
        if calls - c0 > 0:
            rows.append((ms - m0, calls - c0, query))
    rows.sort(reverse=True)
    return rows


def short_sql(query, width=70):
    q = re.sub(r"\s+", " ", query)
    return q if len(q) <= width else q[:width - 3] + "..."


# --- report ------------------------------------------------------------------------------

SCENARIOS = [
    # name, title, unit multiplier key, kind
    ("pain_one", "POST one pain entry", None),
    ("batch100", "POST 100-entry batch", 100),
    ("batch1000", "POST 1000-entry batch", 1000),
    ("trend", "GET trend (90 days)", None),
    ("risk", "GET risk", None),
    ("cohort", "GET /v1/risk?level=moderate", None),
]


def fmt_rate(x):
    if x is None or x != x:
        return "n/a"
    return "{:,.0f}".format(x) if x >= 100 else "{:,.1f}".format(x)


def fmt_ms(x):
    if x is None or x != x:
        return "n/a"
    return "%.1f" % x if x >= 10 else "%.2f" % x


def read_rss_runs(path):
    """scenario -> max VmRSS KiB during (and right after) its run at the highest count"""
    out = {}
    if os.path.exists(path):
        for line in open(path):
            parts = line.split()
            if len(parts) >= 3 and parts[2].isdigit():
                out[parts[0]] = max(out.get(parts[0], 0), int(parts[2]))
    return out


def read_cpu(path):
    """CPU seconds of the service, PostgreSQL and the load generator for one run"""
    kv = read_kv(path)
    if not kv:
        return None
    tick = float(kv.get("tick", "100"))
    client = kv.get("client", "").split()
    out = {"svc": int(kv.get("svc", "0")) / tick, "pg": int(kv.get("pg", "0")) / tick,
           "client": (float(client[1]) + float(client[2])) if len(client) == 3 else 0.0,
           "wall": float(client[0]) if len(client) == 3 else 0.0,
           "machine": int(kv["machine"]) / tick if "machine" in kv else None}
    if out["machine"] is not None:
        out["other"] = max(0.0, out["machine"] - out["svc"] - out["pg"] - out["client"])
    return out


def foreign_load(raw, cores):
    """Share of the machine's CPU that processes outside the benchmark used during the
    measured runs (another test suite on the same machine skews every figure)."""
    other = wall = 0.0
    for path in glob.glob(os.path.join(raw, "cpu_*.env")):
        c = read_cpu(path)
        if c and c.get("other") is not None and c["wall"] > 0:
            other += c["other"]
            wall += c["wall"]
    return other / (wall * cores) if wall else None


METRIC_RE = re.compile(r'^oihwatch_http_request_duration_seconds_(bucket|sum|count)\{(.*)\} (\S+)$')


def read_histograms(path):
    """route -> {"count", "sum", "buckets": {le: cumulative count}}, all statuses summed"""
    out = {}
    if not os.path.exists(path):
        return out
    for line in open(path):
        m = METRIC_RE.match(line)
        if not m:
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
        h = out.setdefault(labels.get("route", "?"), {"count": 0.0, "sum": 0.0, "buckets": {}})
        v = float(m.group(3))
        if m.group(1) == "bucket":
            le = float("inf") if labels["le"] == "+Inf" else float(labels["le"])
            h["buckets"][le] = h["buckets"].get(le, 0.0) + v
        else:
            h[m.group(1)] += v
    return out


def server_latency(before_path, after_path):
    """The busiest /v1 route's mean, p50 and p99 bound (ms) between two /metrics scrapes."""
    b, a = read_histograms(before_path), read_histograms(after_path)
    best = None
    for route, h in a.items():
        if not route.startswith("/v1"):
            continue
        h0 = b.get(route, {"count": 0.0, "sum": 0.0, "buckets": {}})
        n = h["count"] - h0["count"]
        if n > 0 and (best is None or n > best[0]):
            cum = sorted((le, c - h0["buckets"].get(le, 0.0)) for le, c in h["buckets"].items())
            best = (n, (h["sum"] - h0["sum"]) / n, cum)
    if best is None:
        return None
    n, mean, cum = best

    def q(p):
        for le, c in cum:
            if c >= p * n:
                return le * 1000.0
        return float("inf")
    return {"n": n, "mean": mean * 1000.0, "p50": q(0.5), "p99": q(0.99)}


def fmt_bound(x):
    return "> 2500" if x == float("inf") else "≤ %g" % x


def cmd_report(a):
    raw = os.path.join(a.dir, "raw")
    meta = read_kv(os.path.join(raw, "meta.env"))
    conns = [int(c) for c in meta.get("connections", "16 64").split()]
    low = min(conns)
    high = max(conns)
    cohort_conns = sorted({int(c) for c in meta.get("cohort_connections", "").split()} | set(conns))
    cohort_low = min(cohort_conns)

    def conns_of(name):
        return cohort_conns if name == "cohort" else conns
    variants = ["core"] + (["full"] if meta.get("pgbench_full") == "1" else [])
    lines = []
    checks = []

    def out(s=""):
        lines.append(s)

    title = "oihwatch benchmark, %s (%s)" % (meta.get("date", "?"), meta.get("version", "?"))
    out("### " + title)
    out()
    out("Machine: %s. PostgreSQL %s, durable: fsync=%s, synchronous_commit=%s, "
        "full_page_writes=%s, shared_buffers=%s. Service: release build (-O2), "
        "%s HTTP threads, %s database connections, rate limit off, log level warn, risk "
        "worker %s. wrk -t2, %s s per run after %s s warm-up; pgbench -n -M %s -j 2 at "
        "the same connection counts (its own connections: one per client)."
        % (meta.get("machine", "?"), meta.get("pg_version", "?"), meta.get("fsync", "?"),
           meta.get("synchronous_commit", "?"), meta.get("full_page_writes", "?"),
           meta.get("shared_buffers", "?"), meta.get("threads", "?"), meta.get("db_pool", "?"),
           "on" if meta.get("risk_worker", "1") != "0" else "off", meta.get("seconds", "?"),
           meta.get("warmup", "?"), meta.get("pgbench_mode", "extended")))
    out()
    out("Data: %s patients with a year of entries (%s pain, %s dose entries), %s more "
        "patients with stored risk results on one clinician's care team. Loaded in %s s "
        "(entries %s s, derived state %s s, VACUUM ANALYZE %s s)."
        % (meta.get("npatients", "?"), meta.get("pain_rows", "?"), meta.get("dose_rows", "?"),
           meta.get("ncohort", "?"), meta.get("load_seconds", "?"),
           meta.get("load_entries_seconds", "?"), meta.get("load_derived_seconds", "?"),
           meta.get("load_vacuum_seconds", "?")))
    out()
    rss_by = read_rss_runs(os.path.join(raw, "rss_runs.txt"))
    hdr = ("| scenario | conns | HTTP /s | pgbench /s | HTTP / pgbench | p50 ms: HTTP / pgbench "
           "(ratio) | p99 ms: HTTP / pgbench (ratio) | server VmRSS MiB | target | result |")
    out(hdr)
    out("|" + "|".join(["---"] * 10) + "|")

    def pair(h, p):
        if p is None:
            return "%s / n/a" % fmt_ms(h)
        return "%s / %s (%.1f×)" % (fmt_ms(h), fmt_ms(p), h / p if p else float("nan"))
    for name, title, batch in SCENARIOS:
        for c in conns_of(name):
            w = read_wrk(os.path.join(raw, "wrk_%s_c%d.out" % (name, c)))
            if w is None:
                continue
            p = read_pgbench(os.path.join(raw, "pgbench_%s_core_c%d.out" % (name, c)),
                             os.path.join(raw, "pgblog_%s_core_c%d" % (name, c)))
            mult = batch or 1
            unit = " entries" if batch else ""
            h_rate = w["rate"] * mult
            p_ok = p is not None and "rate" in p
            p_rate = p["rate"] * mult if p_ok else None
            ratio = h_rate / p_rate if p_ok and p_rate else None
            target, ok = "", None
            if name == "pain_one":
                target, ok = "≥ 80 % of pgbench", ratio is not None and ratio >= 0.8
            elif name == "batch1000":
                target, ok = "≥ 50,000 entries/s", h_rate >= 50000
            elif name in ("trend", "risk"):
                conds = ["≥ 70 % of pgbench"]
                ok = ratio is not None and ratio >= 0.7
                if c == low:
                    conds.insert(0, "p99 ≤ 10 ms")
                    ok = ok and w["p99"] <= 10.0
                target = ", ".join(conds)
            elif name == "cohort" and c == cohort_low:
                target, ok = "p99 ≤ 20 ms", w["p99"] <= 20.0
            if w["errors"]:
                target = (target + "; " if target else "") + "no errors"
                ok = False
            result = "" if ok is None else ("PASS" if ok else "**FAIL**")
            if ok is not None:
                checks.append(ok)
            title_c = title + (" (%d errors)" % w["errors"] if w["errors"] else "")
            rss = "%.1f" % (rss_by[name] / 1024.0) if c == high and name in rss_by else ""
            out("| %s | %d | %s%s | %s | %s | %s | %s | %s | %s | %s |" % (
                title_c, c, fmt_rate(h_rate), unit,
                (fmt_rate(p_rate) + unit) if p_ok else "n/a",
                ("%.2f" % ratio) if ratio is not None else "n/a",
                pair(w["p50"], p["p50"] if p_ok else None),
                pair(w["p99"], p["p99"] if p_ok else None), rss, target, result))
    # memory
    rss_limit = float(meta.get("rss_limit_mib", "32"))
    if "rss_max_kib" in meta:
        hwm = int(meta.get("rss_hwm_kib", "0")) / 1024.0
        rmax = int(meta["rss_max_kib"]) / 1024.0
        ok = max(hwm, rmax) <= rss_limit
        checks.append(ok)
        out("| server memory, all runs at %d connections | %d | | | | | | max VmRSS %.1f, "
            "VmHWM %.1f (idle before: %.1f, after: %.1f) | ≤ %g MiB | %s |"
            % (high, high, rmax, hwm, int(meta.get("rss_idle_kib", "0")) / 1024.0,
               int(meta.get("rss_after_kib", "0")) / 1024.0, rss_limit,
               "PASS" if ok else "**FAIL**"))
    if "soak_first_kib" in meta:
        first = int(meta["soak_first_kib"]) / 1024.0
        last = int(meta["soak_last_kib"]) / 1024.0
        smax = int(meta["soak_max_kib"]) / 1024.0
        tol = int(meta.get("soak_tolerance_kib", "1024")) / 1024.0
        growth = last - first
        w = read_wrk(os.path.join(raw, "wrk_soak.out"))
        ok = growth <= tol and (w is None or w["errors"] == 0)
        checks.append(ok)
        out("| soak: mixed load for %s s%s | %d | %s | | | %s | %s | first %.1f, last %.1f, "
            "max %.1f: growth %+.2f | growth ≤ %.1f MiB | %s |"
            % (meta.get("soak_seconds", "?"),
               (" (%d errors)" % w["errors"]) if w and w["errors"] else "", high,
               fmt_rate(w["rate"]) if w else "?", fmt_ms(w["p50"]) if w else "?",
               fmt_ms(w["p99"]) if w else "?", first, last, smax, growth, tol,
               "PASS" if ok else "**FAIL**"))
    out()
    out("Rates are requests/s, or entries/s for batches. Latency targets apply at %d "
        "connections (the cohort list's at %d: the issue names no count for it, and a "
        "clinic's dashboards are a few clients, not 16 polling flat out; its rows at higher "
        "counts show pgbench's own p99 beside the service's), throughput targets at every "
        "count. pgbench runs the statements the "
        "service itself ran for one real request of the scenario, with the same parameters "
        "except a random patient and fresh entry ids; it leaves out the token lookup, the "
        "patient visibility check and anything after a write's COMMIT (list below). Server VmRSS: "
        "the highest sample during the run at %d connections." % (low, cohort_low, high))
    out("%d of %d checks passed." % (sum(checks), len(checks)))
    fl = foreign_load(raw, int(meta.get("cores", "2")))
    if fl is not None:
        out()
        out("Processes other than the service, PostgreSQL and the load generator (other "
            "programs, and kernel threads) used %.0f %% of the machine's CPU during the measured "
            "runs, %s %% before them%s." % (
                100 * fl, meta.get("idle_other_percent", "?"),
                " (**figures skewed by other work on the machine: run again on a quiet one**)"
                if fl > 0.10 else ""))
    table = "\n".join(lines)

    # details: where the time goes
    det = []
    det.append("")
    det.append("#### CPU per request at %d connections (ms of CPU time; 2 cores give %d ms per "
               "second)" % (low, 1000 * int(meta.get("cores", "2"))))
    det.append("")
    det.append("Same machine for everything: the load generator (wrk or pgbench), the service "
               "and PostgreSQL share the cores, so throughput is about cores / total CPU.")
    det.append("")
    det.append("| scenario | HTTP: service | PostgreSQL | wrk | total | pgbench: PostgreSQL | "
               "pgbench | total | service share of HTTP total | other processes, HTTP / pgbench |")
    det.append("|---|---|---|---|---|---|---|---|---|---|")
    for name, title, batch in SCENARIOS:
        w = read_wrk(os.path.join(raw, "wrk_%s_c%d.out" % (name, low)))
        ch = read_cpu(os.path.join(raw, "cpu_wrk_%s_c%d.env" % (name, low)))
        p = read_pgbench(os.path.join(raw, "pgbench_%s_core_c%d.out" % (name, low)),
                         os.path.join(raw, "pgblog_%s_core_c%d" % (name, low)))
        cp = read_cpu(os.path.join(raw, "cpu_pgbench_%s_core_c%d.env" % (name, low)))
        if not (w and ch and w["n"]):
            continue
        n = w["n"]
        h = (ch["svc"] * 1000 / n, ch["pg"] * 1000 / n, ch["client"] * 1000 / n)
        cells = ["%.3f" % x for x in h] + ["%.3f" % sum(h)]
        if p and "rate" in p and cp and p["n"]:
            g = (cp["pg"] * 1000 / p["n"], cp["client"] * 1000 / p["n"])
            cells += ["%.3f" % x for x in g] + ["%.3f" % sum(g)]
        else:
            cells += ["n/a"] * 3
        cells.append("%.0f %%" % (100 * h[0] / sum(h)) if sum(h) else "n/a")
        cores = int(meta.get("cores", "2"))

        def share(cpu):
            if not cpu or cpu.get("other") is None or not cpu["wall"]:
                return "n/a"
            return "%.0f %%" % (100 * cpu["other"] / (cpu["wall"] * cores))
        cells.append("%s / %s" % (share(ch), share(cp)))
        det.append("| %s | %s |" % (title, " | ".join(cells)))
    det.append("")
    det.append("#### Latency inside the service (its /metrics histograms) and as wrk saw it")
    det.append("")
    det.append("The service times a request from dispatch to the end of its handler; the "
               "rest of what wrk sees is waiting for a server thread, the network stack and "
               "wrk itself, all on the same cores. Histogram bounds are the buckets of "
               "/metrics.")
    det.append("")
    det.append("| scenario | conns | service mean ms | service p50 ms | service p99 ms | wrk mean ms "
               "| wrk p50 ms | wrk p99 ms |")
    det.append("|---|---|---|---|---|---|---|---|")
    for name, title, batch in SCENARIOS:
        for c in conns_of(name):
            w = read_wrk(os.path.join(raw, "wrk_%s_c%d.out" % (name, c)))
            sl = server_latency(os.path.join(raw, "metrics_before_%s_c%d.txt" % (name, c)),
                                os.path.join(raw, "metrics_after_%s_c%d.txt" % (name, c)))
            if not w or not sl or not w["rate"]:
                continue
            det.append("| %s | %d | %s | %s | %s | %s | %s | %s |" % (
                title, c, fmt_ms(sl["mean"]), fmt_bound(sl["p50"]), fmt_bound(sl["p99"]),
                fmt_ms(c / w["rate"] * 1000.0), fmt_ms(w["p50"]), fmt_ms(w["p99"])))
    if "full" in variants:
        det.append("")
        det.append("#### pgbench with every statement of the request (token lookup, visibility "
                   "check and anything after a write's COMMIT included)")
        det.append("")
        det.append("| scenario | conns | HTTP /s | pgbench full /s | HTTP/full | pgbench full p50 ms"
                   " | pgbench full p99 ms |")
        det.append("|---|---|---|---|---|---|---|")
        for name, title, batch in SCENARIOS:
            for c in conns_of(name):
                w = read_wrk(os.path.join(raw, "wrk_%s_c%d.out" % (name, c)))
                p = read_pgbench(os.path.join(raw, "pgbench_%s_full_c%d.out" % (name, c)),
                                 os.path.join(raw, "pgblog_%s_full_c%d" % (name, c)))
                if not w or not p or "rate" not in p:
                    continue
                mult = batch or 1
                det.append("| %s | %d | %s | %s | %.2f | %s | %s |" % (
                    title, c, fmt_rate(w["rate"] * mult), fmt_rate(p["rate"] * mult),
                    w["rate"] / p["rate"] if p["rate"] else float("nan"), fmt_ms(p["p50"]),
                    fmt_ms(p["p99"])))
    det.append("")
    det.append("#### Where the service spends database time (pg_stat_statements, HTTP runs at "
               "%d connections)" % low)
    det.append("")
    det.append("Per request: statements executed, their summed execution time in PostgreSQL, "
               "against the HTTP mean latency (connections / throughput).")
    det.append("")
    for name, title, batch in SCENARIOS:
        w = read_wrk(os.path.join(raw, "wrk_%s_c%d.out" % (name, low)))
        if not w or not w["n"]:
            continue
        before = read_pgss(os.path.join(raw, "pgss_before_%s_c%d.tsv" % (name, low)))
        after = read_pgss(os.path.join(raw, "pgss_after_%s_c%d.tsv" % (name, low)))
        rows = pgss_delta(before, after, "oihwatch")
        if not rows:
            continue
        n = w["n"]
        db_ms = sum(r[0] for r in rows) / n
        calls = sum(r[1] for r in rows) / n
        mean_ms = low / w["rate"] * 1000.0 if w["rate"] else float("nan")
        det.append("- **%s**: %.1f statements/request, %.2f ms in PostgreSQL per request, "
                   "HTTP mean latency %.2f ms. Top:" % (title, calls, db_ms, mean_ms))
        for ms, c, q in rows[:6]:
            det.append("  - %.2f calls/req, %.3f ms each, %4.1f %%: `%s`" % (
                c / n, ms / c, 100.0 * ms / max(1e-9, sum(r[0] for r in rows)), short_sql(q)))
    final = read_pgss(os.path.join(raw, "pgss_final.tsv"))
    for role, label in (("oihwatch", "the service"), ("bench_pgbench", "pgbench")):
        rows = pgss_delta({}, final, role)[:10]
        if rows:
            det.append("")
            det.append("Top statements by total time over the whole run, %s:" % label)
            det.append("")
            det.append("| total s | calls | mean ms | statement |")
            det.append("|---|---|---|---|")
            for ms, c, q in rows:
                det.append("| %.1f | %d | %.3f | `%s` |" % (ms / 1000.0, c, ms / c,
                                                           short_sql(q, 110).replace("|", "\\|")))
    metrics = os.path.join(raw, "metrics_end.txt")
    if os.path.exists(metrics):
        keep = [l.strip() for l in open(metrics)
                if l.startswith(("oihwatch_db_pool", "oihwatch_db_errors", "oihwatch_risk_backlog"))]
        if keep:
            det.append("")
            det.append("Service /metrics at the end: " + "; ".join("`%s`" % k for k in keep))
    caps = sorted(glob.glob(os.path.join(raw, "capture_*.statements.txt")))
    if caps:
        det.append("")
        det.append("Statements captured per request (label: what pgbench's core script keeps):")
        det.append("")
        for path in caps:
            name = os.path.basename(path)[len("capture_"):-len(".statements.txt")]
            det.append("- %s: %s" % (name, "; ".join(
                "%s `%s`" % (l.split(None, 1)[0], first_words(l.split(None, 1)[1]))
                for l in open(path) if l.strip())))
    details = "\n".join(det)

    print(table)
    print(details)
    with open(os.path.join(a.dir, "results.md"), "w") as f:
        f.write(table + "\n" + details + "\n")
    return 0 if all(checks) else 3


def cmd_body(a):
    """A request body like the wrk script's: one entry, or {"entries": [...]} of n."""
    import json
    import random
    import time
    now = int(time.time())
    entries = []
    for i in range(a.n):
        at = now - random.randint(60, a.spread)
        entries.append({
            "id": "%s-%012x" % (a.prefix, i + 1),
            "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at)),
            "score": random.randint(0, 10), "enjoyment": random.randint(0, 10),
            "activity": random.randint(0, 10),
            "locations": random.choice([["lower_back"], ["lower_back", "left_leg"], ["neck"]]),
            "qualities": ["aching"], "evoked_by": random.choice([[], [], ["light_touch"]])})
    body = entries[0] if a.single else {"entries": entries}
    sys.stdout.write(json.dumps(body, separators=(",", ":")))
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("capture")
    c.add_argument("--csv", required=True)
    c.add_argument("--user", default="oihwatch")
    c.add_argument("--name", required=True)
    c.add_argument("--t0", type=float, required=True)
    c.add_argument("--t1", type=float, required=True)
    c.add_argument("--marker", required=True, help="a parameter value only this request has")
    c.add_argument("--patient", default="")
    c.add_argument("--zone", default="")
    c.add_argument("--zones", required=True)
    c.add_argument("--id-prefix", default="")
    c.add_argument("--npatients", type=int, required=True)
    c.add_argument("--out", required=True)
    b = sub.add_parser("body")
    b.add_argument("--n", type=int, default=1)
    b.add_argument("--prefix", required=True, help="the first 23 characters of every id")
    b.add_argument("--spread", type=int, default=86400, help="seconds back in time")
    b.add_argument("--single", action="store_true")
    r = sub.add_parser("report")
    r.add_argument("--dir", required=True)
    a = ap.parse_args()
    if a.cmd == "capture":
        cmd_capture(a)
        return 0
    if a.cmd == "body":
        return cmd_body(a)
    return cmd_report(a)


if __name__ == "__main__":
    sys.exit(main())
