-- 001: patients, principals and tokens, care teams, pain and dose entries, the
-- medication catalog. Every patient-owned table leads its primary key and indexes with
-- patient_id so it can be distributed by patient (see deploy/README.md).

CREATE FUNCTION oih_epoch_us(t timestamptz) RETURNS bigint
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT (extract(epoch FROM t) * 1000000)::bigint $$;

CREATE TABLE patients (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    external_ref text UNIQUE CHECK (char_length(external_ref) BETWEEN 1 AND 128),
    timezone text NOT NULL DEFAULT 'UTC',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX patients_newest ON patients (created_at DESC, id DESC);

-- Who may call: one principal per clinician or admin, and one per patient shared by that
-- patient's devices (each device gets its own token).
CREATE TABLE principals (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    role text NOT NULL CHECK (role IN ('patient', 'clinician', 'admin')),
    name text CHECK (char_length(name) <= 200),
    patient_id uuid UNIQUE REFERENCES patients (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'patient') = (patient_id IS NOT NULL))
);

-- Tokens are stored only as SHA-256 of the token text; the text is shown once.
CREATE TABLE tokens (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    principal_id uuid NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    created_by uuid REFERENCES principals (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
CREATE INDEX tokens_principal ON tokens (principal_id);

CREATE TABLE care_team (
    patient_id uuid NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    principal_id uuid NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (patient_id, principal_id)
);
-- The one index not led by patient_id: "which patients does this clinician see" is by
-- nature a question across patients (on Citus this table is a reference table).
CREATE INDEX care_team_by_clinician ON care_team (principal_id, patient_id);

CREATE TABLE catalog_info (
    id int PRIMARY KEY CHECK (id = 1),
    source text NOT NULL
);

CREATE TABLE medications (
    key text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]*$'),
    name text NOT NULL,
    class text NOT NULL CHECK (class IN ('opioid', 'benzodiazepine', 'gabapentinoid',
                                         'antidepressant', 'nsaid', 'other'))
);

-- mme_factor NULL: no MME (non-opioids, buprenorphine). continuous: the unit is a rate
-- and MME accrues per hour worn (transdermal patches).
CREATE TABLE medication_forms (
    medication_key text NOT NULL REFERENCES medications (key),
    route text NOT NULL,
    unit text NOT NULL,
    mme_factor double precision CHECK (mme_factor > 0),
    continuous boolean NOT NULL DEFAULT false,
    source text NOT NULL,
    PRIMARY KEY (medication_key, route)
);

CREATE TABLE pain_entries (
    patient_id uuid NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    recorded_at timestamptz NOT NULL,
    score smallint NOT NULL CHECK (score BETWEEN 0 AND 10),
    enjoyment smallint CHECK (enjoyment BETWEEN 0 AND 10),
    activity smallint CHECK (activity BETWEEN 0 AND 10),
    locations text[] NOT NULL DEFAULT '{}',
    qualities text[] NOT NULL DEFAULT '{}',
    evoked_by text[] NOT NULL DEFAULT '{}',
    note text CHECK (char_length(note) <= 1000),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (patient_id, id)
);
CREATE INDEX pain_entries_newest ON pain_entries (patient_id, recorded_at DESC, id DESC);

-- class and mme are computed when the dose is recorded and kept as recorded, so a later
-- catalog change never rewrites history.
CREATE TABLE dose_entries (
    patient_id uuid NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    taken_at timestamptz NOT NULL,
    medication text NOT NULL,
    route text NOT NULL,
    unit text NOT NULL,
    dose double precision NOT NULL CHECK (dose > 0),
    duration_hours double precision CHECK (duration_hours > 0 AND duration_hours <= 168),
    class text NOT NULL,
    mme double precision CHECK (mme >= 0),
    note text CHECK (char_length(note) <= 1000),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (patient_id, id),
    FOREIGN KEY (medication, route) REFERENCES medication_forms (medication_key, route)
);
CREATE INDEX dose_entries_newest ON dose_entries (patient_id, taken_at DESC, id DESC);

INSERT INTO catalog_info VALUES (1,
    'CDC Clinical Practice Guideline for Prescribing Opioids for Pain (2022), MME conversion '
    'factors; CDC research MME table for forms not in the guideline');

INSERT INTO medications (key, name, class) VALUES
    ('codeine', 'Codeine', 'opioid'),
    ('dihydrocodeine', 'Dihydrocodeine', 'opioid'),
    ('fentanyl', 'Fentanyl', 'opioid'),
    ('hydrocodone', 'Hydrocodone', 'opioid'),
    ('hydromorphone', 'Hydromorphone', 'opioid'),
    ('levorphanol', 'Levorphanol', 'opioid'),
    ('meperidine', 'Meperidine', 'opioid'),
    ('methadone', 'Methadone', 'opioid'),
    ('morphine', 'Morphine', 'opioid'),
    ('oxycodone', 'Oxycodone', 'opioid'),
    ('oxymorphone', 'Oxymorphone', 'opioid'),
    ('pentazocine', 'Pentazocine', 'opioid'),
    ('tapentadol', 'Tapentadol', 'opioid'),
    ('tramadol', 'Tramadol', 'opioid'),
    ('buprenorphine', 'Buprenorphine', 'opioid'),
    ('gabapentin', 'Gabapentin', 'gabapentinoid'),
    ('pregabalin', 'Pregabalin', 'gabapentinoid'),
    ('alprazolam', 'Alprazolam', 'benzodiazepine'),
    ('clonazepam', 'Clonazepam', 'benzodiazepine'),
    ('diazepam', 'Diazepam', 'benzodiazepine'),
    ('lorazepam', 'Lorazepam', 'benzodiazepine'),
    ('temazepam', 'Temazepam', 'benzodiazepine'),
    ('chlordiazepoxide', 'Chlordiazepoxide', 'benzodiazepine'),
    ('duloxetine', 'Duloxetine', 'antidepressant'),
    ('venlafaxine', 'Venlafaxine', 'antidepressant'),
    ('amitriptyline', 'Amitriptyline', 'antidepressant'),
    ('nortriptyline', 'Nortriptyline', 'antidepressant'),
    ('ibuprofen', 'Ibuprofen', 'nsaid'),
    ('naproxen', 'Naproxen', 'nsaid'),
    ('diclofenac', 'Diclofenac', 'nsaid'),
    ('celecoxib', 'Celecoxib', 'nsaid'),
    ('meloxicam', 'Meloxicam', 'nsaid'),
    ('ketorolac', 'Ketorolac', 'nsaid'),
    ('aspirin', 'Aspirin', 'nsaid'),
    ('acetaminophen', 'Acetaminophen (paracetamol)', 'other'),
    ('cyclobenzaprine', 'Cyclobenzaprine', 'other'),
    ('baclofen', 'Baclofen', 'other'),
    ('tizanidine', 'Tizanidine', 'other');

INSERT INTO medication_forms (medication_key, route, unit, mme_factor, continuous, source) VALUES
    ('codeine', 'oral', 'mg', 0.15, false, 'CDC 2022'),
    ('dihydrocodeine', 'oral', 'mg', 0.25, false, 'CDC research table'),
    ('fentanyl', 'transdermal', 'mcg/h', 2.4, true,
     'CDC 2022: per mcg/h of patch strength, per day worn'),
    ('fentanyl', 'buccal', 'mcg', 0.13, false, 'CDC research table'),
    ('fentanyl', 'sublingual', 'mcg', 0.13, false, 'CDC research table'),
    ('fentanyl', 'nasal', 'mcg', 0.16, false, 'CDC research table'),
    ('hydrocodone', 'oral', 'mg', 1, false, 'CDC 2022'),
    ('hydromorphone', 'oral', 'mg', 5, false, 'CDC 2022 (was 4 in 2016)'),
    ('levorphanol', 'oral', 'mg', 11, false, 'CDC research table'),
    ('meperidine', 'oral', 'mg', 0.1, false, 'CDC research table'),
    ('methadone', 'oral', 'mg', 4.7, false, 'CDC 2022 single factor (2016 used dose tiers)'),
    ('morphine', 'oral', 'mg', 1, false, 'CDC 2022'),
    ('oxycodone', 'oral', 'mg', 1.5, false, 'CDC 2022'),
    ('oxymorphone', 'oral', 'mg', 3, false, 'CDC 2022'),
    ('pentazocine', 'oral', 'mg', 0.37, false, 'CDC research table'),
    ('tapentadol', 'oral', 'mg', 0.4, false, 'CDC 2022'),
    ('tramadol', 'oral', 'mg', 0.2, false, 'CDC 2022 (was 0.1)'),
    ('buprenorphine', 'sublingual', 'mg', NULL, false,
     'Partial agonist: no MME, excluded from MME thresholds'),
    ('buprenorphine', 'buccal', 'mg', NULL, false,
     'Partial agonist: no MME, excluded from MME thresholds'),
    ('buprenorphine', 'transdermal', 'mcg/h', NULL, true,
     'Partial agonist: no MME, excluded from MME thresholds'),
    ('gabapentin', 'oral', 'mg', NULL, false, 'Non-opioid'),
    ('pregabalin', 'oral', 'mg', NULL, false, 'Non-opioid'),
    ('alprazolam', 'oral', 'mg', NULL, false, 'Non-opioid'),
    ('clonazepam', 'oral', 'mg', NULL, false, 'Non-opioid'),
    ('diazepam', 'oral', 'mg', NULL, false, 'Non-opioid'),
    ('lorazepam', 'oral', 'mg', NULL, false, 'Non-opioid'),
    ('lorazepam', 'sublingual', 'mg', NULL, false, 'Non-opioid'),
    ('temazepam', 'oral', 'mg', NULL, false, 'Non-opioid'),
    ('chlordiazepoxide', 'oral', 'mg', NULL, false, 'Non-opioid'),
    ('duloxetine', 'oral', 'mg', NULL, false, 'Non-opioid'),
    ('venlafaxine', 'oral', 'mg', NULL, false, 'Non-opioid'),
    ('amitriptyline', 'oral', 'mg', NULL, false, 'Non-opioid'),
    ('nortriptyline', 'oral', 'mg', NULL, false, 'Non-opioid'),
    ('ibuprofen', 'oral', 'mg', NULL, false, 'Non-opioid'),
    ('naproxen', 'oral', 'mg', NULL, false, 'Non-opioid'),
    ('diclofenac', 'oral', 'mg', NULL, false, 'Non-opioid'),
    ('diclofenac', 'topical', 'g', NULL, false, 'Non-opioid (gel, grams applied)'),
    ('celecoxib', 'oral', 'mg', NULL, false, 'Non-opioid'),
    ('meloxicam', 'oral', 'mg', NULL, false, 'Non-opioid'),
    ('ketorolac', 'oral', 'mg', NULL, false, 'Non-opioid'),
    ('aspirin', 'oral', 'mg', NULL, false, 'Non-opioid'),
    ('acetaminophen', 'oral', 'mg', NULL, false, 'Non-opioid'),
    ('cyclobenzaprine', 'oral', 'mg', NULL, false, 'Non-opioid'),
    ('baclofen', 'oral', 'mg', NULL, false, 'Non-opioid'),
    ('tizanidine', 'oral', 'mg', NULL, false, 'Non-opioid');
