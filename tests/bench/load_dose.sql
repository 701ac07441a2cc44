-- Benchmark data, part 3: three doses a day for a year for each of the npatients patients
-- (psql variables npatients, days; see load_base.sql), at about 08:00, 14:00 and 20:00
-- local time. Most doses are oral oxycodone, rising through the year for the OIH-like 30 %
-- of patients; every seventh patient wears a fentanyl patch instead of the morning dose
-- (a new 72-hour patch every third day, with duration_hours); some take gabapentin or
-- lorazepam in the evening. class and mme are derived from the catalog as the service does
-- (a patch's MME covers the hours it is worn).
\set ON_ERROR_STOP on

INSERT INTO dose_entries (patient_id, id, taken_at, medication, route, unit, dose,
                          duration_hours, class, mme, note, created_at)
SELECT x.patient_id, gen_random_uuid(), x.t, x.medication, x.route, f.unit, x.dose,
       x.duration_hours, m.class,
       round((x.dose * f.mme_factor
              * CASE WHEN f.continuous THEN coalesce(x.duration_hours, 72) / 24.0 ELSE 1 END
             )::numeric, 4)::float8,
       NULL, x.t + interval '1 minute'
FROM (
    SELECT p.id AS patient_id,
           ((current_date - (:days - 1) + d) + time '08:00' + k * interval '6 hours'
            + floor(random() * 30) * interval '1 minute') AT TIME ZONE p.timezone AS t,
           s.medication, s.route, s.dose, s.duration_hours
    FROM generate_series(1, :npatients) AS n
    CROSS JOIN LATERAL (SELECT md5('p' || n)::uuid AS id,
                               (:'zones'::text[])[n % cardinality(:'zones'::text[]) + 1]
                               AS timezone) p
    CROSS JOIN generate_series(0, :days - 1) AS d
    CROSS JOIN generate_series(0, 2) AS k
    CROSS JOIN LATERAL (
        SELECT CASE WHEN k = 0 AND n % 7 = 0 THEN 'fentanyl'
                    WHEN k = 2 AND n % 5 = 0 THEN 'gabapentin'
                    WHEN k = 2 AND n % 11 = 0 THEN 'lorazepam'
                    ELSE 'oxycodone' END AS medication,
               CASE WHEN k = 0 AND n % 7 = 0 THEN 'transdermal' ELSE 'oral' END AS route,
               CASE WHEN k = 0 AND n % 7 = 0 THEN 25
                    WHEN k = 2 AND n % 5 = 0 THEN 300
                    WHEN k = 2 AND n % 11 = 0 THEN 1
                    ELSE 5 * (1 + (n % 3) + floor((CASE WHEN n % 10 < 3 THEN 4 ELSE 1 END)
                                                  * d / :days)) END::float8 AS dose,
               CASE WHEN k = 0 AND n % 7 = 0 THEN 72 END::float8 AS duration_hours,
               -- patch wearers change the patch every third day and skip the other mornings
               NOT (k = 0 AND n % 7 = 0 AND d % 3 <> 0) AS taken
    ) s
    WHERE s.taken
) x
JOIN medication_forms f ON f.medication_key = x.medication AND f.route = x.route
JOIN medications m ON m.key = x.medication
WHERE x.t < now();
