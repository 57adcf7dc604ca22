-- 发展党员 (affairs/recruit): each applicant's file and the 25 steps done on it, and the
-- 预备期 outcomes (延长 / 取消) waiting for the parent's approval. A 支部党员大会
-- decision about an applicant names the file (meeting_decisions.subject_*), so the
-- same vote drives the file. Keep in step with ../postgres/0018_recruitment.sql.

ALTER TABLE meeting_decisions ADD COLUMN subject_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE meeting_decisions ADD COLUMN subject_id BIGINT;
ALTER TABLE meeting_decisions ADD COLUMN months BIGINT;

CREATE TABLE recruit_files (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    -- The branch developing the applicant.
    org_id BIGINT NOT NULL,
    org_path TEXT NOT NULL,
    name TEXT NOT NULL,
    gender TEXT NOT NULL,
    ethnicity TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    id_number_enc BLOB NOT NULL,
    id_number_masked TEXT NOT NULL,
    education TEXT,
    work_unit TEXT NOT NULL,
    -- active, completed, cancelled, stopped
    state TEXT NOT NULL,
    -- The next step to do (26 when all are done).
    next_step BIGINT NOT NULL,
    -- The 预备党员's member record, from the parent's approval of the admission on.
    member_id BIGINT,
    extension_months BIGINT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id),
    FOREIGN KEY (region_id, org_id) REFERENCES orgs (region_id, id)
);
CREATE INDEX recruit_files_scope ON recruit_files (region_id, org_path, id);
CREATE INDEX recruit_files_member ON recruit_files (region_id, member_id);

-- One row per step done; never updated.
CREATE TABLE recruit_steps (
    region_id BIGINT NOT NULL,
    file_id BIGINT NOT NULL,
    no BIGINT NOT NULL,
    done_on TEXT NOT NULL,
    -- Names of the documents handed in, one a line.
    documents TEXT NOT NULL,
    publicity_from TEXT,
    training_days BIGINT NOT NULL,
    training_hours BIGINT NOT NULL,
    -- 入党介绍人 member ids, comma-separated.
    introducers TEXT NOT NULL,
    -- The 支部党员大会 decision that completed it.
    decision_id BIGINT,
    note TEXT NOT NULL,
    done_by BIGINT NOT NULL,
    done_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, file_id, no),
    FOREIGN KEY (region_id, file_id) REFERENCES recruit_files (region_id, id)
);

-- A 支部大会's decision to extend the 预备期 or cancel it, waiting for the parent.
CREATE TABLE recruit_outcomes (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    file_id BIGINT NOT NULL,
    org_path TEXT NOT NULL,
    -- extend, cancel
    kind TEXT NOT NULL,
    months BIGINT NOT NULL,
    decision_id BIGINT NOT NULL,
    decided_on TEXT NOT NULL,
    -- pending, approved, rejected
    state TEXT NOT NULL,
    proposed_by BIGINT NOT NULL,
    approved_by BIGINT,
    approved_on TEXT,
    note TEXT NOT NULL,
    PRIMARY KEY (region_id, id),
    FOREIGN KEY (region_id, file_id) REFERENCES recruit_files (region_id, id)
);
CREATE INDEX recruit_outcomes_scope ON recruit_outcomes (region_id, state, org_path);
