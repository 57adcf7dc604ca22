-- The audit log is append-only in the database itself: an UPDATE, DELETE or TRUNCATE
-- fails whatever path it comes by (a bug, an injected statement). Someone with the
-- rights to drop these triggers can still alter rows; the keyed hash chain detects that.
-- Deployments should also grant the application's role only SELECT and INSERT on it.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- The latest record of one action (the last chain verification, the last full check).
CREATE INDEX audit_log_action ON audit_log (action, seq);
