-- Benchmark data, part 1 (run by scripts/bench.sh with psql, before load_pain.sql and
-- load_dose.sql, which may then run in parallel). Straight into the tables: much faster
-- than the API, and the rows are what the API would have stored.
--
-- psql variables:
--   npatients  patients with a year of entries (ids md5('p' || n)::uuid, n = 1..npatients)
--   ncohort    more patients with stored risk results (ids md5('c' || n)::uuid)
--   clinician  principal id of the clinician whose care team holds the ncohort patients
--   zones      the zones patient n gets by n % count + 1, as an array literal; pgbench
--              scripts derive a patient's zone the same way
--
-- Ids are derived from n so a pgbench script can name a random patient with
-- md5('p' || :n)::uuid and no lookup.
\set ON_ERROR_STOP on

BEGIN;

INSERT INTO patients (id, external_ref, timezone, created_at)
SELECT md5('p' || n)::uuid, 'bench-p-' || n, (:'zones'::text[])[n % cardinality(:'zones'::text[]) + 1],
       now() - interval '400 days'
FROM generate_series(1, :npatients) AS n;

INSERT INTO patients (id, external_ref, timezone, created_at)
SELECT md5('c' || n)::uuid, 'bench-c-' || n, (:'zones'::text[])[n % cardinality(:'zones'::text[]) + 1],
       now() - interval '200 days'
FROM generate_series(1, :ncohort) AS n;

INSERT INTO care_team (patient_id, principal_id)
SELECT md5('c' || n)::uuid, :'clinician'::uuid FROM generate_series(1, :ncohort) AS n;

-- Stored results with a spread of levels: about 10 % insufficient data, 40 % low,
-- 30 % moderate, 20 % high, scores inside each level's band (model v1: moderate from 30,
-- high from 60). Computed within the last 12 hours, so the worker's "older than a day"
-- sweep leaves them alone during the run.
INSERT INTO risk_current (patient_id, level, level_rank, score, signals, model_version,
                          computed_at)
SELECT md5('c' || n)::uuid, lv.level, lv.rank,
       CASE lv.rank WHEN 0 THEN NULL
                    WHEN 1 THEN 2 + (h % 28)
                    WHEN 2 THEN 30 + (h % 30)
                    ELSE 60 + (h % 41) END,
       CASE lv.rank WHEN 0 THEN '{}'::text[]
                    WHEN 1 THEN '{pain_rising}'::text[]
                    WHEN 2 THEN '{pain_rising,dose_escalation}'::text[]
                    ELSE '{pain_rising,dose_escalation,pain_tracks_dose,evoked_pain}'::text[] END,
       '1', now() - (h % 720) * interval '1 minute'
FROM (SELECT n, abs(hashint4(n)) AS h FROM generate_series(1, :ncohort) AS n) s,
     LATERAL (SELECT CASE WHEN s.h % 100 < 10 THEN 'insufficient_data'
                          WHEN s.h % 100 < 50 THEN 'low'
                          WHEN s.h % 100 < 80 THEN 'moderate'
                          ELSE 'high' END AS level) l,
     LATERAL (SELECT l.level,
                     array_position('{insufficient_data,low,moderate,high}'::text[], l.level) - 1
                     AS rank) lv;

COMMIT;
