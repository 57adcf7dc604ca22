-- 流动党员 (registrations with the 活动证 and the e支部 joined), their attendance at the
-- e支部's meetings, and 失联党员 cases with their dated entries (issue 13 §3, §4).

CREATE TABLE mobile_members (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    -- The member's own branch, and its path (whose secretary registers them).
    org_id BIGINT NOT NULL,
    org_path TEXT NOT NULL,
    place TEXT NOT NULL,
    reason TEXT NOT NULL,
    since TEXT NOT NULL,
    certificate_no TEXT NOT NULL,
    issuing_org TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    -- The 流动党员党支部 (e支部) joined, and its path (whose secretary records attendance).
    e_branch_id BIGINT,
    e_branch_path TEXT,
    -- away, ended
    state TEXT NOT NULL,
    -- 0 while away, the row's id once ended: one open registration per member.
    open_key BIGINT NOT NULL,
    ended_on TEXT,
    end_note TEXT NOT NULL,
    recorded_by BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id),
    UNIQUE (region_id, member_id, open_key),
    FOREIGN KEY (region_id, member_id) REFERENCES members (region_id, id)
);
CREATE INDEX mobile_members_home ON mobile_members (region_id, state, org_path);
CREATE INDEX mobile_members_e_branch ON mobile_members (region_id, e_branch_id, state);

CREATE TABLE mobile_attendance (
    region_id BIGINT NOT NULL,
    -- A meeting of the e支部 (组织生活's record; read, never written, here).
    meeting_id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    e_branch_id BIGINT NOT NULL,
    held_on TEXT NOT NULL,
    meeting_type TEXT NOT NULL,
    -- present, excused, absent
    attendance TEXT NOT NULL,
    reason TEXT NOT NULL,
    recorded_by BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, meeting_id, member_id),
    FOREIGN KEY (region_id, member_id) REFERENCES members (region_id, id)
);
CREATE INDEX mobile_attendance_member ON mobile_attendance (region_id, member_id, held_on);

CREATE TABLE lost_contacts (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    org_path TEXT NOT NULL,
    since TEXT NOT NULL,
    -- lost, suspend_pending, suspended, remove_pending, removed, restored
    state TEXT NOT NULL,
    -- 0 while open, the row's id once closed: one open case per member.
    open_key BIGINT NOT NULL,
    searches BIGINT NOT NULL,
    -- The day of the last entry: a new one may not be earlier.
    last_on TEXT NOT NULL,
    proposed_by BIGINT,
    proposed_on TEXT,
    suspended_on TEXT,
    closed_on TEXT,
    recorded_by BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id),
    UNIQUE (region_id, member_id, open_key),
    FOREIGN KEY (region_id, member_id) REFERENCES members (region_id, id)
);
CREATE INDEX lost_contacts_scope ON lost_contacts (region_id, state, org_path);

CREATE TABLE lost_contact_events (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    case_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    on_date TEXT NOT NULL,
    text TEXT NOT NULL,
    by_account BIGINT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id),
    FOREIGN KEY (region_id, case_id) REFERENCES lost_contacts (region_id, id)
);
CREATE INDEX lost_contact_events_case ON lost_contact_events (region_id, case_id, on_date);
