-- 整改闭环: the branch's response to a finding (整改措施, explanation, evidence), the
-- parent's acceptance, return or 督办. One row per finding with its current state, and
-- every step kept. The engines never touch these tables. Keep in step with the other
-- backend's 0012_finding_rectification.sql.
CREATE TABLE finding_rectifications (
    region_id BIGINT NOT NULL,
    finding_id BIGINT NOT NULL,
    org_path TEXT NOT NULL,
    -- urged, responded, returned, accepted (no row: open)
    state TEXT NOT NULL,
    measure TEXT NOT NULL,
    explanation TEXT NOT NULL,
    evidence TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, finding_id)
);
CREATE INDEX finding_rectifications_scope ON finding_rectifications (region_id, org_path, state);

CREATE TABLE finding_steps (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    finding_id BIGINT NOT NULL,
    -- respond, accept, return, urge
    action TEXT NOT NULL,
    measure TEXT NOT NULL,
    explanation TEXT NOT NULL,
    evidence TEXT NOT NULL,
    actor_id BIGINT NOT NULL,
    actor_name TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id)
);
CREATE INDEX finding_steps_finding ON finding_steps (region_id, finding_id, at);
