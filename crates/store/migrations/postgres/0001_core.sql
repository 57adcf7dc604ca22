-- Vanguard core schema (PostgreSQL). Keep in step with ../sqlite/0001_core.sql:
-- a test asserts both list the same tables and columns.
-- Every org-owned table carries region_id (the id of the top-level org of its tree),
-- and its primary key starts with it, so the schema can be distributed by region.
-- Times are UTC epoch milliseconds (BIGINT); calendar dates are TEXT 'YYYY-MM-DD'.

CREATE TABLE regions (
    id BIGINT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE orgs (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    parent_id BIGINT,
    path TEXT COLLATE "C" NOT NULL,
    depth BIGINT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    sector TEXT NOT NULL,
    established_on TEXT,
    term_started_on TEXT,
    term_years BIGINT,
    secretary_member_id BIGINT,
    has_committee BOOLEAN NOT NULL DEFAULT FALSE,
    status TEXT NOT NULL,
    dissolved_on TEXT,
    direct_members BIGINT NOT NULL DEFAULT 0,
    direct_formal BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id),
    FOREIGN KEY (region_id, parent_id) REFERENCES orgs (region_id, id)
);
CREATE INDEX orgs_path ON orgs (region_id, path);
CREATE INDEX orgs_parent ON orgs (region_id, parent_id);

CREATE TABLE members (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    group_id BIGINT,
    org_path TEXT COLLATE "C" NOT NULL,
    name TEXT NOT NULL,
    gender TEXT NOT NULL,
    ethnicity TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    id_number_enc BYTEA NOT NULL,
    id_number_hash BYTEA NOT NULL,
    id_number_masked TEXT NOT NULL,
    education TEXT,
    phone_enc BYTEA,
    phone_hash BYTEA,
    phone_masked TEXT,
    joined_on TEXT NOT NULL,
    confirmed_on TEXT,
    category TEXT NOT NULL,
    party_status TEXT NOT NULL,
    work_unit TEXT NOT NULL,
    residence TEXT NOT NULL,
    flow TEXT NOT NULL,
    flow_place TEXT NOT NULL,
    lost_contact_since TEXT,
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    left_reason TEXT,
    left_on TEXT,
    left_note TEXT,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id),
    FOREIGN KEY (region_id, org_id) REFERENCES orgs (region_id, id),
    FOREIGN KEY (region_id, group_id) REFERENCES orgs (region_id, id)
);
CREATE INDEX members_scope ON members (region_id, archived, org_path, id);
CREATE INDEX members_org ON members (region_id, org_id);
CREATE INDEX members_id_hash ON members (id_number_hash);
CREATE INDEX members_phone_hash ON members (phone_hash);

-- Nation-wide uniqueness of an ID number cannot rest on a region-keyed table:
-- this lookup table is keyed by the number's keyed hash.
CREATE TABLE member_identities (
    id_number_hash BYTEA NOT NULL PRIMARY KEY,
    region_id BIGINT NOT NULL,
    member_id BIGINT NOT NULL
);

CREATE TABLE member_history (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor_id BIGINT NOT NULL,
    actor_name TEXT NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT NOT NULL,
    new_value TEXT NOT NULL,
    PRIMARY KEY (region_id, id)
);
CREATE INDEX member_history_member ON member_history (region_id, member_id, at);

CREATE TABLE accounts (
    id BIGINT NOT NULL PRIMARY KEY,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    scope_region_id BIGINT,
    scope_org_id BIGINT,
    member_region_id BIGINT,
    member_id BIGINT,
    phone_hash BYTEA,
    password_hash TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    one_time_expires_at BIGINT,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    failed_count BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    last_login_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX accounts_username ON accounts (username);
CREATE INDEX accounts_phone_hash ON accounts (phone_hash);

CREATE TABLE sessions (
    token_hash BYTEA NOT NULL PRIMARY KEY,
    account_id BIGINT NOT NULL,
    csrf_token TEXT NOT NULL,
    ip TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Append-only; each record's hash chains to the one before it (HMAC-SM3).
CREATE TABLE audit_log (
    seq BIGINT NOT NULL PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id BIGINT NOT NULL,
    actor_name TEXT NOT NULL,
    ip TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    result TEXT NOT NULL,
    detail TEXT NOT NULL,
    hash BYTEA NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);

-- The chain's head: the last sequence number and hash. Appenders update this one row
-- first, which serializes them.
CREATE TABLE audit_head (
    id BIGINT NOT NULL PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash BYTEA NOT NULL
);

CREATE TABLE rule_sets (
    version BIGINT NOT NULL PRIMARY KEY,
    effective_from TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
