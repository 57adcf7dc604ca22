-- 三员分立 (issue 10 §2): a role that reaches other people's data, or administers the
-- platform, is granted only when a second, entitled account (安全管理员) approves.
CREATE TABLE role_requests (
    id BIGINT NOT NULL PRIMARY KEY,
    account_id BIGINT NOT NULL,
    -- 'create' (a new account waits, disabled) or 'change' (an account keeps its role).
    kind TEXT NOT NULL,
    role TEXT NOT NULL,
    scope_org_id BIGINT,
    member_id BIGINT,
    -- 'pending', 'approved', 'rejected'.
    status TEXT NOT NULL,
    requested_by BIGINT NOT NULL,
    requested_by_name TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    decided_by BIGINT,
    decided_by_name TEXT,
    decided_at BIGINT
);
CREATE INDEX role_requests_status ON role_requests (status, requested_at);
CREATE INDEX role_requests_account ON role_requests (account_id, id);

-- 等保三级 second factor: TOTP (RFC 6238), the secret SM4-encrypted; the last step used
-- so a code is accepted once; recovery codes kept only as keyed hashes.
ALTER TABLE accounts ADD COLUMN totp_secret_enc BYTEA;
ALTER TABLE accounts ADD COLUMN totp_enabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE accounts ADD COLUMN totp_last_step BIGINT;
CREATE TABLE recovery_codes (
    account_id BIGINT NOT NULL,
    code_hash BYTEA NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (account_id, code_hash)
);
-- A session whose password was right but whose second factor is still owed.
ALTER TABLE sessions ADD COLUMN mfa_pending BOOLEAN NOT NULL DEFAULT FALSE;
