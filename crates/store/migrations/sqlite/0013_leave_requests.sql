-- 请假 asked online by a member for an upcoming meeting, decided by the branch. An
-- approved request marks the member 请假 with its reason. Keep in step with the other
-- backend's 0013_leave_requests.sql.
CREATE TABLE leave_requests (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    meeting_id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    -- The meeting's org path: who may decide.
    org_path TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- pending, approved, rejected
    state TEXT NOT NULL,
    note TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    decided_by BIGINT,
    decided_at BIGINT,
    PRIMARY KEY (region_id, id)
);
CREATE INDEX leave_requests_meeting ON leave_requests (region_id, meeting_id, state);
CREATE INDEX leave_requests_member ON leave_requests (region_id, member_id, requested_at);
CREATE INDEX leave_requests_scope ON leave_requests (region_id, org_path, state);
