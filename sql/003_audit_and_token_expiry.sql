-- 003: the access audit (who read or wrote which patient's data, when, through which route,
-- with what outcome; never the data itself) and token expiry / last use.

CREATE TABLE audit_log (
    patient_id uuid NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    at timestamptz NOT NULL,
    principal_id uuid NOT NULL,
    role text NOT NULL,
    method text NOT NULL,
    route text NOT NULL,
    status smallint NOT NULL,
    request_id text NOT NULL,
    PRIMARY KEY (patient_id, id)
);
-- Retention purges by age, across patients by nature.
CREATE INDEX audit_log_by_age ON audit_log (at);

-- Append-only: rows are never changed, and only go when their patient is erased or they
-- pass the retention period; both paths set oihwatch.audit_purge for their transaction.
CREATE FUNCTION oih_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('oihwatch.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION oih_audit_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION oih_audit_append_only();

ALTER TABLE tokens ADD COLUMN expires_at timestamptz, ADD COLUMN last_used_at timestamptz;
