-- Roster import batches (PostgreSQL). Keep in step with ../sqlite/0002_imports.sql.
-- A preview stores the normalized valid rows here, sealed (they hold ID numbers and
-- phone numbers); nothing is written to members until the batch is committed. A batch
-- belongs to the account that made it and expires after a day.
CREATE TABLE import_batches (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    actor_name TEXT NOT NULL,
    scope_path TEXT NOT NULL,
    kind TEXT NOT NULL,
    filename TEXT NOT NULL,
    status TEXT NOT NULL,
    total_rows BIGINT NOT NULL,
    valid_rows BIGINT NOT NULL,
    to_create BIGINT NOT NULL,
    to_update BIGINT NOT NULL,
    unchanged BIGINT NOT NULL,
    invalid_rows BIGINT NOT NULL,
    payload BYTEA NOT NULL,
    report TEXT NOT NULL,
    result TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    finished_at BIGINT,
    PRIMARY KEY (region_id, id)
);
CREATE INDEX import_batches_expiry ON import_batches (expires_at);
