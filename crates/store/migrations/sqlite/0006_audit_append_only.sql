-- The audit log is append-only in the database itself: an UPDATE or DELETE fails
-- whatever path it comes by (a bug, an injected statement). Someone with the rights to
-- drop these triggers can still alter rows; the keyed hash chain detects that.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- The latest record of one action (the last chain verification, the last full check).
CREATE INDEX audit_log_action ON audit_log (action, seq);
