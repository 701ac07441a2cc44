-- Replicas cache tokens they have checked (src/token_cache.c). Any change that could make
-- a cached answer wrong (a revocation, a new expiry, a deleted or changed principal, a
-- patient's erasure cascading to both) tells every replica to empty its cache. NOTIFY is
-- delivered at commit, and identical notifications in one transaction arrive once.
-- last_used_at is not in the column list: its minutely updates must not empty caches.
CREATE FUNCTION oih_tokens_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('oihwatch_tokens', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER tokens_changed
    AFTER UPDATE OF revoked_at, expires_at, principal_id, token_hash OR DELETE OR TRUNCATE
    ON tokens FOR EACH STATEMENT EXECUTE FUNCTION oih_tokens_changed();
CREATE TRIGGER principals_changed AFTER UPDATE OR DELETE OR TRUNCATE ON principals
    FOR EACH STATEMENT EXECUTE FUNCTION oih_tokens_changed();
