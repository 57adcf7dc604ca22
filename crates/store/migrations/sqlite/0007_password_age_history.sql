-- 等保 password profile (security.md A4): a password expires after the rule set's
-- maximum age (NULL: counted from the account's creation), and a new one may not repeat
-- the most recent ones.
ALTER TABLE accounts ADD COLUMN password_changed_at BIGINT;

-- Earlier password hashes of an account, newest last (argon2id, like the current one).
CREATE TABLE password_history (
    id BIGINT NOT NULL PRIMARY KEY,
    account_id BIGINT NOT NULL,
    password_hash TEXT NOT NULL,
    replaced_at BIGINT NOT NULL
);
CREATE INDEX password_history_account ON password_history (account_id, replaced_at);
