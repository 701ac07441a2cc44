-- 004: a daily rollup per patient and local day, maintained in every write transaction,
-- so trend and risk read ~100 precomputed rows instead of aggregating raw entries by
-- local day on every request. Keyed by patient_id first, like every patient-owned table.

CREATE TABLE patient_days (
    patient_id uuid NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    day date NOT NULL,
    pain_entries int NOT NULL,
    pain_sum bigint NOT NULL,
    pain_min int,
    pain_max int,
    peg_entries int NOT NULL,
    peg_sum numeric NOT NULL,
    mme double precision NOT NULL,
    dose_entries int NOT NULL,
    opioid_doses int NOT NULL,
    benzodiazepine_doses int NOT NULL,
    gabapentinoid_doses int NOT NULL,
    evoked_reports int NOT NULL,
    sensitized_reports int NOT NULL,
    locations text, -- distinct body regions that day, comma-separated
    PRIMARY KEY (patient_id, day)
);

-- Raw entries of local days d0..d1 in zone tz, aggregated. Local days come from
-- AT TIME ZONE, so 23- and 25-hour days are right; a dose with a duration puts on each day
-- the share of its hours that fall in that day (patches reach back at most 168 hours).
CREATE FUNCTION oih_aggregate_days(p uuid, tz text, d0 date, d1 date)
RETURNS TABLE (day date, pain_entries bigint, pain_sum bigint, pain_min int, pain_max int,
               peg_entries bigint, peg_sum numeric, mme double precision, dose_entries bigint,
               opioid_doses bigint, benzodiazepine_doses bigint, gabapentinoid_doses bigint,
               evoked_reports bigint, sensitized_reports bigint, locations text)
LANGUAGE sql STABLE AS $$
WITH b AS (SELECT d0::timestamp AT TIME ZONE tz AS t0, (d1 + 1)::timestamp AT TIME ZONE tz AS t1),
pain AS (
    SELECT (e.recorded_at AT TIME ZONE tz)::date AS day, e.score, e.enjoyment, e.activity,
           e.locations, e.evoked_by
    FROM pain_entries e, b
    WHERE e.patient_id = p AND e.recorded_at >= b.t0 AND e.recorded_at < b.t1),
dose AS (
    -- a duration under a second (the API allows any h > 0) is an instant dose: spreading
    -- it would divide by an interval that rounds to zero microseconds
    SELECT e.taken_at, (e.taken_at AT TIME ZONE tz)::date AS day, e.class, e.mme,
           CASE WHEN e.duration_hours * 3600 >= 1
                THEN make_interval(secs => e.duration_hours * 3600) END AS dur
    FROM dose_entries e, b
    WHERE e.patient_id = p AND e.taken_at < b.t1 AND e.taken_at >= b.t0 - interval '168 hours'),
spread AS (
    SELECT g.day::date AS day,
           d.mme * extract(epoch FROM
               least(d.taken_at + d.dur, (g.day::date + 1)::timestamp AT TIME ZONE tz)
               - greatest(d.taken_at, g.day::date::timestamp AT TIME ZONE tz))
           / extract(epoch FROM d.dur) AS mme
    FROM dose d,
         generate_series(d.day, ((d.taken_at + d.dur) AT TIME ZONE tz)::date, '1 day') AS g(day)
    WHERE d.mme IS NOT NULL AND d.dur IS NOT NULL),
days AS (
    SELECT day, count(*) AS pn, sum(score) AS ps, min(score)::int AS plo, max(score)::int AS phi,
           count(*) FILTER (WHERE enjoyment IS NOT NULL AND activity IS NOT NULL) AS gn,
           sum((score + enjoyment + activity) / 3.0) AS gs, 0::float8 AS mme, 0::bigint AS dn,
           0::bigint AS op, 0::bigint AS bz, 0::bigint AS gb,
           count(*) FILTER (WHERE cardinality(evoked_by) > 0) AS ev,
           count(*) FILTER (WHERE evoked_by && '{light_touch,cold,heat,pressure}') AS se,
           NULL::text AS loc
    FROM pain GROUP BY day
    UNION ALL
    SELECT day, 0, 0, NULL, NULL, 0, 0, NULL, 0, 0, 0, 0, 0, 0, string_agg(DISTINCT l.x, ',')
    FROM pain, unnest(locations) AS l(x) GROUP BY day
    UNION ALL
    SELECT day, 0, 0, NULL, NULL, 0, 0, sum(mme) FILTER (WHERE dur IS NULL), count(*),
           count(*) FILTER (WHERE class = 'opioid'),
           count(*) FILTER (WHERE class = 'benzodiazepine'),
           count(*) FILTER (WHERE class = 'gabapentinoid'), 0, 0, NULL
    FROM dose GROUP BY day
    UNION ALL
    SELECT day, 0, 0, NULL, NULL, 0, 0, sum(mme), 0, 0, 0, 0, 0, 0, NULL
    FROM spread WHERE mme > 0 GROUP BY day)
SELECT day, sum(pn)::bigint, sum(ps)::bigint, min(plo), max(phi), sum(gn)::bigint,
       coalesce(sum(gs), 0), coalesce(sum(mme), 0), sum(dn)::bigint, sum(op)::bigint,
       sum(bz)::bigint, sum(gb)::bigint, sum(ev)::bigint, sum(se)::bigint, max(loc)
FROM days WHERE day BETWEEN d0 AND d1 GROUP BY day
$$;

-- Re-derives the patient's local days that [t0, t1] touches and marks their risk result
-- stale; called in the transaction of every write. Writers of one patient serialize here,
-- so no day is derived from another writer's uncommitted rows.
CREATE FUNCTION oih_after_write(p uuid, t0 timestamptz, t1 timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    tz text;
    d0 date;
    d1 date;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(p::text, 4242));
    SELECT timezone INTO tz FROM patients WHERE id = p;
    IF tz IS NULL THEN
        RETURN;
    END IF;
    d0 := (t0 AT TIME ZONE tz)::date;
    d1 := (t1 AT TIME ZONE tz)::date;
    DELETE FROM patient_days WHERE patient_id = p AND day BETWEEN d0 AND d1;
    INSERT INTO patient_days SELECT p, a.* FROM oih_aggregate_days(p, tz, d0, d1) a;
    INSERT INTO risk_dirty (patient_id) VALUES (p)
    ON CONFLICT (patient_id) DO UPDATE SET marked_at = now(), claimed_until = NULL;
END
$$;

-- Rebuilds every patient's rollup from the raw entries (after a bulk load, or here for the
-- entries stored before this migration).
CREATE FUNCTION oih_rebuild_days() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT x.patient_id, min(x.t0) AS t0, max(x.t1) AS t1
        FROM (SELECT patient_id, recorded_at AS t0, recorded_at AS t1 FROM pain_entries
              UNION ALL
              SELECT patient_id, taken_at,
                     taken_at + make_interval(secs => coalesce(duration_hours, 0) * 3600)
              FROM dose_entries) x
        GROUP BY x.patient_id
    LOOP
        PERFORM oih_after_write(r.patient_id, r.t0, r.t1);
    END LOOP;
END
$$;

SELECT oih_rebuild_days();
