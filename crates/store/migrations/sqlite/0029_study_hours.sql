-- 学时 and training (learning/hours, plan, training): yearly study plans, the hours ledger,
-- exemptions, training classes and their enrolments. Keep in step with
-- ../postgres/0029_study_hours.sql.
--
-- The ledger has one line per source: an online item per day ('online', '<item>:<day>'),
-- an attended session ('session', '<meeting id>'), a training enrolment ('training',
-- '<class id>'). Re-saving a source rewrites its line, never adds one.
CREATE TABLE study_hour_lines (
    region_id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    source_kind TEXT NOT NULL,
    source_key TEXT NOT NULL,
    year BIGINT NOT NULL,
    on_date TEXT NOT NULL,
    seconds BIGINT NOT NULL,
    label TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, member_id, source_kind, source_key)
);
CREATE INDEX study_hour_lines_year ON study_hour_lines (region_id, year, member_id);
CREATE INDEX study_hour_lines_source ON study_hour_lines (region_id, source_kind, source_key);

-- A yearly study plan of a 党委 or 支部, one per org and year (re-filing replaces it).
CREATE TABLE study_plans (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    org_path TEXT NOT NULL,
    year BIGINT NOT NULL,
    -- JSON: [{"period": "Q1", "topic": "…"}], [{"on": "YYYY-MM-DD", "topic": "…"}].
    topics TEXT NOT NULL,
    required TEXT NOT NULL,
    sessions TEXT NOT NULL,
    filed_by BIGINT NOT NULL,
    filed_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id),
    UNIQUE (region_id, org_id, year)
);
CREATE INDEX study_plans_scope ON study_plans (region_id, year, org_path);

-- A member not judged on 学时 (因病, 出国（境）, age), set by the secretary, audited.
CREATE TABLE study_exemptions (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    reason TEXT NOT NULL,
    from_date TEXT NOT NULL,
    until_date TEXT,
    note TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id)
);
CREATE INDEX study_exemptions_member ON study_exemptions (region_id, member_id);

CREATE TABLE training_classes (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    org_path TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    full_time BOOLEAN NOT NULL,
    seconds BIGINT NOT NULL,
    place TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id)
);
CREATE INDEX training_classes_scope ON training_classes (region_id, org_path, starts_on);

CREATE TABLE training_enrolments (
    region_id BIGINT NOT NULL,
    class_id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    attended BOOLEAN NOT NULL,
    days_attended BIGINT NOT NULL,
    seconds BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, class_id, member_id)
);
CREATE INDEX training_enrolments_member ON training_enrolments (region_id, member_id);
