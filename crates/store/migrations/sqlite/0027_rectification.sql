-- 做 (issue 14 §5, §6): task forces (大脚板走一线、小分队破难题) and the rectification of
-- weak branches (软弱涣散整顿). Every row carries its region and the path of the org it
-- belongs to, so the scope's path range confines it.

-- A listed weak branch for a year; one listing per org and year.
CREATE TABLE weak_branches (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    org_path TEXT NOT NULL,
    year BIGINT NOT NULL,
    -- Reason codes from the rule set's list, comma-separated, in the list's order.
    reasons TEXT NOT NULL,
    note TEXT NOT NULL,
    -- rectifying, cleared
    state TEXT NOT NULL,
    listed_by BIGINT NOT NULL,
    listed_at BIGINT NOT NULL,
    cleared_by BIGINT,
    cleared_on TEXT,
    clear_note TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id),
    UNIQUE (region_id, org_id, year),
    FOREIGN KEY (region_id, org_id) REFERENCES orgs (region_id, id)
);
CREATE INDEX weak_branches_scope ON weak_branches (region_id, year, org_path);

-- The measures for a listed branch: a person and/or a helping org, with dates.
CREATE TABLE weak_measures (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    weak_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    person TEXT NOT NULL,
    helper_org_id BIGINT,
    from_on TEXT NOT NULL,
    to_on TEXT,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id),
    FOREIGN KEY (region_id, weak_id) REFERENCES weak_branches (region_id, id)
);
CREATE INDEX weak_measures_branch ON weak_measures (region_id, weak_id);

-- Rectification tasks: evidence submitted by the branch, 验收 by the parent.
CREATE TABLE weak_tasks (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    weak_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    org_path TEXT NOT NULL,
    title TEXT NOT NULL,
    deadline TEXT NOT NULL,
    -- open, submitted, accepted, returned
    state TEXT NOT NULL,
    evidence TEXT,
    submitted_by BIGINT,
    submitted_at BIGINT,
    decided_by BIGINT,
    decided_at BIGINT,
    opinion TEXT,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id),
    FOREIGN KEY (region_id, weak_id) REFERENCES weak_branches (region_id, id)
);
CREATE INDEX weak_tasks_branch ON weak_tasks (region_id, weak_id);
CREATE INDEX weak_tasks_scope ON weak_tasks (region_id, state, org_path);

-- A task-force project, owned by its leading org.
CREATE TABLE taskforce_projects (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    org_path TEXT NOT NULL,
    title TEXT NOT NULL,
    problem TEXT NOT NULL,
    leader TEXT NOT NULL,
    -- active, closed
    state TEXT NOT NULL,
    results TEXT,
    closed_on TEXT,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id),
    FOREIGN KEY (region_id, org_id) REFERENCES orgs (region_id, id)
);
CREATE INDEX taskforce_projects_scope ON taskforce_projects (region_id, org_path);

-- The task force: members from several orgs; each member's org makes the project visible there.
CREATE TABLE taskforce_members (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    project_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    org_id BIGINT NOT NULL,
    org_path TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id),
    FOREIGN KEY (region_id, project_id) REFERENCES taskforce_projects (region_id, id)
);
CREATE INDEX taskforce_members_project ON taskforce_members (region_id, project_id);
CREATE INDEX taskforce_members_scope ON taskforce_members (region_id, org_path);

CREATE TABLE taskforce_milestones (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    project_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    due_on TEXT NOT NULL,
    done_on TEXT,
    done_note TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id),
    FOREIGN KEY (region_id, project_id) REFERENCES taskforce_projects (region_id, id)
);
CREATE INDEX taskforce_milestones_project ON taskforce_milestones (region_id, project_id, due_on);

CREATE TABLE taskforce_reports (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    project_id BIGINT NOT NULL,
    on_date TEXT NOT NULL,
    text TEXT NOT NULL,
    by_account BIGINT NOT NULL,
    by_name TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id),
    FOREIGN KEY (region_id, project_id) REFERENCES taskforce_projects (region_id, id)
);
CREATE INDEX taskforce_reports_project ON taskforce_reports (region_id, project_id, on_date);
