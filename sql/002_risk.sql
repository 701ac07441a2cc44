-- 002: stored risk results for the cohort list, and the queue of patients whose result
-- must be recomputed. Writes mark a patient dirty in their own transaction; the risk
-- worker of any replica claims dirty patients with SKIP LOCKED, recomputes them, and
-- upserts risk_current.

CREATE TABLE risk_current (
    patient_id uuid PRIMARY KEY REFERENCES patients (id) ON DELETE CASCADE,
    level text NOT NULL CHECK (level IN ('insufficient_data', 'low', 'moderate', 'high')),
    level_rank smallint NOT NULL, -- 0 insufficient_data, 1 low, 2 moderate, 3 high
    score smallint CHECK (score BETWEEN 0 AND 100),
    signals text[] NOT NULL DEFAULT '{}',
    model_version text NOT NULL,
    computed_at timestamptz NOT NULL DEFAULT now()
);
-- The cohort list across all patients (admins): highest score first. Like care_team's
-- clinician index, a question across patients by nature.
CREATE INDEX risk_current_by_score ON risk_current (score DESC, patient_id)
    WHERE level_rank > 0;
-- Finding results older than a day.
CREATE INDEX risk_current_by_age ON risk_current (computed_at);

-- marked_at moves on every write (debounce); since keeps the first mark so a patient who
-- writes constantly is still recomputed within a bounded delay. claimed_until lets a
-- worker hold a patient without a lock, so writers never wait for a computation.
CREATE TABLE risk_dirty (
    patient_id uuid PRIMARY KEY REFERENCES patients (id) ON DELETE CASCADE,
    since timestamptz NOT NULL DEFAULT now(),
    marked_at timestamptz NOT NULL DEFAULT now(),
    claimed_until timestamptz
);
CREATE INDEX risk_dirty_by_mark ON risk_dirty (marked_at);

-- Patients with entries from before this migration get a first result.
INSERT INTO risk_dirty (patient_id)
SELECT id FROM patients ON CONFLICT DO NOTHING;
