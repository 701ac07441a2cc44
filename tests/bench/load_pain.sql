-- Benchmark data, part 2: three pain entries a day for a year for each of the npatients
-- patients (psql variables npatients, days; see load_base.sql). Times are spread over the
-- patient's local day (morning, afternoon, evening, plus up to 90 random minutes). About
-- 30 % of patients follow an OIH-like course (pain rising through the year, spreading to
-- more body regions, more pain from light touch); the others stay roughly level.
\set ON_ERROR_STOP on

INSERT INTO pain_entries (patient_id, id, recorded_at, score, enjoyment, activity, locations,
                          qualities, evoked_by, note, created_at)
SELECT patient_id, gen_random_uuid(), t, score, enjoyment, activity, locations, qualities,
       evoked_by, note, t + interval '2 minutes'
FROM (
    SELECT p.id AS patient_id,
           ((current_date - (:days - 1) + d) + time '07:30' + k * interval '6 hours'
            + floor(random() * 90) * interval '1 minute') AT TIME ZONE p.timezone AS t,
           least(10, greatest(0, round(pr.base + pr.rise * d / :days + random() * 3 - 1.5)))::int2
               AS score,
           CASE WHEN random() < 0.7 THEN least(10, pr.base + (random() * 3)::int) END::int2
               AS enjoyment,
           CASE WHEN random() < 0.7 THEN least(10, pr.base + (random() * 3)::int) END::int2
               AS activity,
           CASE WHEN random() < 0.15 + pr.spread * d / :days THEN '{lower_back,left_leg,neck}'
                WHEN random() < 0.3 THEN '{lower_back,left_leg}'
                ELSE '{lower_back}' END::text[] AS locations,
           CASE WHEN k = 0 THEN '{aching,dull}' WHEN k = 1 THEN '{aching}'
                ELSE '{burning,shooting}' END::text[] AS qualities,
           CASE WHEN random() < 0.03 + pr.spread * d / :days THEN '{light_touch}'
                WHEN random() < 0.03 THEN '{movement}'
                ELSE '{}' END::text[] AS evoked_by,
           CASE WHEN random() < 0.02 THEN 'worse after walking the dog' END AS note
    FROM generate_series(1, :npatients) AS n
    CROSS JOIN LATERAL (SELECT md5('p' || n)::uuid AS id,
                               (:'zones'::text[])[n % cardinality(:'zones'::text[]) + 1]
                               AS timezone) p
    CROSS JOIN LATERAL (SELECT 3 + n % 4 AS base,
                               CASE WHEN n % 10 < 3 THEN 3.5 ELSE 0.3 END AS rise,
                               CASE WHEN n % 10 < 3 THEN 0.4 ELSE 0.0 END AS spread) pr
    CROSS JOIN generate_series(0, :days - 1) AS d
    CROSS JOIN generate_series(0, 2) AS k
) e
WHERE t < now();
