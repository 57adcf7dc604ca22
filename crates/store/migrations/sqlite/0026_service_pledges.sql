-- 三亮三比 (labels, yearly commitments with their review and 践诺评议, 比 records, the
-- org's choice to publish) and 三重三跨 挂职 (secondments and their reports): issue 14 §4, §7.

CREATE TABLE pledge_labels (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    -- The granting org and its path.
    org_id BIGINT NOT NULL,
    org_path TEXT NOT NULL,
    member_id BIGINT NOT NULL,
    -- demo_post, pioneer_post, household
    kind TEXT NOT NULL,
    -- The post (岗位) or the household's plate text.
    post TEXT NOT NULL,
    granted_on TEXT NOT NULL,
    granted_by BIGINT NOT NULL,
    revoked_on TEXT,
    revoked_by BIGINT,
    -- 0 while granted, the row's id once revoked: one label of a kind per member and org.
    open_key BIGINT NOT NULL,
    PRIMARY KEY (region_id, id),
    UNIQUE (region_id, org_id, member_id, kind, open_key),
    FOREIGN KEY (region_id, member_id) REFERENCES members (region_id, id)
);
CREATE INDEX pledge_labels_org ON pledge_labels (region_id, org_path, open_key);

CREATE TABLE pledge_commitments (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    -- The member's branch when written, and its path (whose secretary reviews).
    org_id BIGINT NOT NULL,
    org_path TEXT NOT NULL,
    year BIGINT NOT NULL,
    text TEXT NOT NULL,
    -- submitted, approved, returned
    state TEXT NOT NULL,
    written_by BIGINT NOT NULL,
    written_at BIGINT NOT NULL,
    reviewed_by BIGINT,
    reviewed_at BIGINT,
    review_note TEXT NOT NULL,
    -- 践诺评议: excellent, good, fair, poor
    grade TEXT,
    grade_note TEXT NOT NULL,
    graded_by BIGINT,
    graded_at BIGINT,
    PRIMARY KEY (region_id, id),
    UNIQUE (region_id, member_id, year),
    FOREIGN KEY (region_id, member_id) REFERENCES members (region_id, id)
);
CREATE INDEX pledge_commitments_org ON pledge_commitments (region_id, year, org_path);

CREATE TABLE pledge_records (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    org_path TEXT NOT NULL,
    -- service, performance, contribution
    kind TEXT NOT NULL,
    on_date TEXT NOT NULL,
    what TEXT NOT NULL,
    evidence TEXT NOT NULL,
    -- Where the record came from: workbench, api, demo (the 锋领指数 reads it).
    source TEXT NOT NULL,
    recorded_by BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id),
    FOREIGN KEY (region_id, member_id) REFERENCES members (region_id, id)
);
CREATE INDEX pledge_records_org ON pledge_records (region_id, org_path, on_date);
CREATE INDEX pledge_records_member ON pledge_records (region_id, member_id, on_date);

CREATE TABLE pledge_publications (
    region_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    published BOOLEAN NOT NULL,
    changed_by BIGINT NOT NULL,
    changed_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, org_id),
    FOREIGN KEY (region_id, org_id) REFERENCES orgs (region_id, id)
);

CREATE TABLE secondments (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    -- The sending org (the cadre's branch) and the receiving org, with their paths.
    from_org_id BIGINT NOT NULL,
    from_org_path TEXT NOT NULL,
    to_org_id BIGINT NOT NULL,
    to_org_path TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    post TEXT NOT NULL,
    duties TEXT NOT NULL,
    -- active, ended, evaluated, recalled
    state TEXT NOT NULL,
    last_report_on TEXT,
    reports BIGINT NOT NULL,
    ended_on TEXT,
    end_note TEXT NOT NULL,
    grade TEXT,
    evaluation TEXT NOT NULL,
    evaluated_by BIGINT,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id),
    FOREIGN KEY (region_id, member_id) REFERENCES members (region_id, id)
);
CREATE INDEX secondments_from ON secondments (region_id, from_org_path);
CREATE INDEX secondments_to ON secondments (region_id, to_org_path);

CREATE TABLE secondment_reports (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    secondment_id BIGINT NOT NULL,
    on_date TEXT NOT NULL,
    text TEXT NOT NULL,
    by_account BIGINT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id),
    FOREIGN KEY (region_id, secondment_id) REFERENCES secondments (region_id, id)
);
CREATE INDEX secondment_reports_of ON secondment_reports (region_id, secondment_id, on_date);
