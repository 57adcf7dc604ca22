-- 组织生活: meetings and their records (记实), attendance, decisions, attachments,
-- corrections, the annual plans of 固定组织生活日, and the rules engine's findings and
-- per-org compliance aggregates. Keep in step with ../postgres/0003_orglife.sql.

CREATE TABLE meetings (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    -- The org that holds the meeting: a branch, a 党小组 or a committee.
    org_id BIGINT NOT NULL,
    org_path TEXT NOT NULL,
    meeting_type TEXT NOT NULL,
    -- planned, held, cancelled
    status TEXT NOT NULL,
    planned_at BIGINT,
    held_at BIGINT,
    -- The Asia/Shanghai calendar date of held_at: the period it counts for.
    held_on TEXT,
    place TEXT NOT NULL,
    host TEXT NOT NULL,
    recorder TEXT NOT NULL,
    lecturer TEXT NOT NULL,
    topic TEXT NOT NULL,
    content TEXT NOT NULL,
    minutes TEXT NOT NULL,
    is_secretary_lecture BOOLEAN NOT NULL DEFAULT FALSE,
    expected_count BIGINT NOT NULL DEFAULT 0,
    present_count BIGINT NOT NULL DEFAULT 0,
    excused_count BIGINT NOT NULL DEFAULT 0,
    absent_count BIGINT NOT NULL DEFAULT 0,
    signin_secret BLOB,
    signin_expires_at BIGINT,
    -- When the record was first written (a meeting may be recorded late).
    recorded_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id),
    FOREIGN KEY (region_id, org_id) REFERENCES orgs (region_id, id)
);
CREATE INDEX meetings_org ON meetings (region_id, org_id, held_on);
CREATE INDEX meetings_path ON meetings (region_id, org_path, held_on);

CREATE TABLE meeting_attendance (
    region_id BIGINT NOT NULL,
    meeting_id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    -- pending (expected, not yet marked), present, excused, absent, observer
    attendance TEXT NOT NULL,
    reason TEXT NOT NULL,
    signed_at BIGINT,
    -- Copied from the meeting, so member rules scan one index.
    held_on TEXT,
    meeting_type TEXT NOT NULL,
    PRIMARY KEY (region_id, meeting_id, member_id)
);
CREATE INDEX attendance_member ON meeting_attendance (region_id, member_id, held_on);

CREATE TABLE meeting_decisions (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    meeting_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    entitled BIGINT NOT NULL,
    present_voters BIGINT NOT NULL,
    votes_for BIGINT NOT NULL,
    votes_against BIGINT NOT NULL,
    votes_abstain BIGINT NOT NULL,
    passed BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id)
);
CREATE INDEX meeting_decisions_meeting ON meeting_decisions (region_id, meeting_id);

CREATE TABLE meeting_attachments (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    meeting_id BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    -- File name under DATA_DIR/attachments/; never derived from user input.
    stored_name TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id)
);
CREATE INDEX meeting_attachments_meeting ON meeting_attachments (region_id, meeting_id);

-- Corrections after the correction window wait for the parent's approval.
CREATE TABLE meeting_corrections (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    meeting_id BIGINT NOT NULL,
    org_path TEXT NOT NULL,
    requested_by BIGINT NOT NULL,
    requested_at BIGINT NOT NULL,
    reason TEXT NOT NULL,
    -- The requested change, as JSON.
    payload TEXT NOT NULL,
    -- pending, approved, rejected
    status TEXT NOT NULL,
    decided_by BIGINT,
    decided_at BIGINT,
    PRIMARY KEY (region_id, id)
);
CREATE INDEX meeting_corrections_path ON meeting_corrections (region_id, status, org_path);

CREATE TABLE life_plans (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    org_path TEXT NOT NULL,
    year BIGINT NOT NULL,
    -- draft, submitted, acknowledged, returned, published
    state TEXT NOT NULL,
    submitted_on TEXT,
    returned_reason TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id),
    FOREIGN KEY (region_id, org_id) REFERENCES orgs (region_id, id)
);
CREATE UNIQUE INDEX life_plans_org_year ON life_plans (region_id, org_id, year);
CREATE INDEX life_plans_path ON life_plans (region_id, year, org_path);

CREATE TABLE life_plan_items (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    plan_id BIGINT NOT NULL,
    month BIGINT NOT NULL,
    day TEXT NOT NULL,
    theme TEXT NOT NULL,
    form TEXT NOT NULL,
    PRIMARY KEY (region_id, id)
);
CREATE INDEX life_plan_items_plan ON life_plan_items (region_id, plan_id, month);

CREATE TABLE life_plan_events (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    plan_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (region_id, id)
);
CREATE INDEX life_plan_events_plan ON life_plan_events (region_id, plan_id, at);

-- The rules engine's findings, kept with their history: a finding that no longer holds
-- gets resolved_at and stays.
CREATE TABLE findings (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    rule_code TEXT NOT NULL,
    rule_version BIGINT NOT NULL,
    -- org or member
    subject_kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    -- The org the subject belongs to (itself for orgs, the branch for members) and its path.
    org_id BIGINT NOT NULL,
    org_path TEXT NOT NULL,
    period_key TEXT NOT NULL,
    severity TEXT NOT NULL,
    evidence TEXT NOT NULL,
    first_seen_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    resolved_at BIGINT,
    PRIMARY KEY (region_id, id)
);
CREATE UNIQUE INDEX findings_key ON findings (region_id, subject_kind, subject_id, rule_code, period_key);
CREATE INDEX findings_scope ON findings (region_id, org_path, resolved_at);

-- Per-org compliance aggregates (one row per holding org, rule and period), written with
-- the org's own meetings. The cockpit sums them over a path range at read time; no write
-- touches an ancestor's rows.
CREATE TABLE compliance (
    region_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    org_path TEXT NOT NULL,
    rule_code TEXT NOT NULL,
    period_key TEXT NOT NULL,
    expected BIGINT NOT NULL,
    held BIGINT NOT NULL,
    complete BOOLEAN NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, org_id, rule_code, period_key)
);
CREATE INDEX compliance_scope ON compliance (region_id, period_key, org_path);
