-- 换届选举 (affairs/election): an org's election record — the request to the 上级
-- (or a delay, at most a year past the term's end), the vote with the assembly's roll,
-- the candidates with their votes and roles, the 上级's approval of the 书记, after which
-- the org's term restarts (through the org feature). Keep in step with
-- ../postgres/0020_elections_selfservice.sql.
CREATE TABLE elections (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    org_path TEXT NOT NULL,
    -- pending_approval, approved, voted, completed, rejected
    state TEXT NOT NULL,
    -- The term's end when asked ('YYYY-MM-DD'), if the org had one.
    term_ends_on TEXT,
    planned_on TEXT NOT NULL,
    delayed BOOLEAN NOT NULL,
    seats BIGINT NOT NULL,
    reason TEXT NOT NULL,
    note TEXT NOT NULL,
    requested_by BIGINT NOT NULL,
    requested_at BIGINT NOT NULL,
    approved_by BIGINT,
    approved_at BIGINT,
    held_on TEXT,
    voting_members BIGINT,
    excluded BIGINT,
    present_voters BIGINT,
    voted_by BIGINT,
    voted_at BIGINT,
    secretary_member_id BIGINT,
    secretary_by BIGINT,
    secretary_at BIGINT,
    PRIMARY KEY (region_id, id),
    FOREIGN KEY (region_id, org_id) REFERENCES orgs (region_id, id)
);
CREATE INDEX elections_org ON elections (region_id, org_id, requested_at);
CREATE INDEX elections_open ON elections (region_id, state, org_path);

-- The candidates of a vote: votes for, elected or not, the role taken in the committee.
CREATE TABLE election_candidates (
    region_id BIGINT NOT NULL,
    election_id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    votes BIGINT NOT NULL,
    elected BOOLEAN NOT NULL,
    -- secretary, deputy_secretary, organization, publicity, discipline, member
    role TEXT,
    PRIMARY KEY (region_id, election_id, member_id),
    FOREIGN KEY (region_id, election_id) REFERENCES elections (region_id, id),
    FOREIGN KEY (region_id, member_id) REFERENCES members (region_id, id)
);
