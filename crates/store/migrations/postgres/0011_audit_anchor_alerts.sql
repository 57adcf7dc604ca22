-- Repeated refusals of unauthenticated requests (rate-limited logins): one row per
-- (address, kind, window) with a count, so a flood cannot grow the audit log; the first
-- refusal of each window is audited.
CREATE TABLE refusals (
    address TEXT NOT NULL,
    kind TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    count BIGINT NOT NULL,
    first_at BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    PRIMARY KEY (address, kind, window_start)
);
CREATE INDEX refusals_window ON refusals (window_start);

-- Security alerts for the 安全管理员 and the 审计员 (a failed audit verification).
CREATE TABLE security_alerts (
    id BIGINT NOT NULL PRIMARY KEY,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX security_alerts_at ON security_alerts (at);

-- Audit records older than the retention, archived to a file with their chain segment
-- (the hash before the first and of the last record), so they stay verifiable.
CREATE TABLE audit_archives (
    id BIGINT NOT NULL PRIMARY KEY,
    from_seq BIGINT NOT NULL,
    to_seq BIGINT NOT NULL,
    prev_hash BYTEA NOT NULL,
    last_hash BYTEA NOT NULL,
    records BIGINT NOT NULL,
    file TEXT NOT NULL,
    archived_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX audit_archives_to ON audit_archives (to_seq);

-- A record may be deleted only once an archive holds it.
CREATE FUNCTION audit_log_delete_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM audit_archives WHERE OLD.seq BETWEEN from_seq AND to_seq) THEN
        RAISE EXCEPTION 'audit_log is append-only';
    END IF;
    RETURN OLD;
END
$$;
DROP TRIGGER audit_log_no_delete ON audit_log;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_delete_guard();
