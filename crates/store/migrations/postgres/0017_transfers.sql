-- 组织关系接转 (affairs/transfer). Keep in step with the other backend's 0017_transfers.sql.

-- A transfer lives in the sending member's region. The letter (介绍信) fields are set when
-- the 转出审批 issues it (and again when an expired letter is re-issued).
CREATE TABLE transfers (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    member_name TEXT NOT NULL,
    from_org_id BIGINT NOT NULL,
    from_org_name TEXT NOT NULL,
    -- The member's path when initiated: who sends it, and whose accounts approve.
    from_path TEXT COLLATE "C" NOT NULL,
    -- in_city (an org of the platform), out_of_city (an org outside it, by name)
    reach TEXT NOT NULL,
    to_region_id BIGINT,
    to_org_id BIGINT,
    to_org_name TEXT NOT NULL,
    to_path TEXT COLLATE "C",
    reason TEXT NOT NULL,
    -- initiated, in_transit, accepted, completed, returned, withdrawn, refused, expired
    state TEXT NOT NULL,
    valid_days BIGINT NOT NULL,
    letter_no TEXT,
    letter_seq BIGINT,
    issued_on TEXT,
    valid_until TEXT,
    -- 党费交至 'YYYY-MM' from the dues ledger when issued; '' when none.
    dues_paid_to TEXT NOT NULL,
    -- The day the current step began (for the timeout).
    step_since TEXT NOT NULL,
    initiated_by BIGINT NOT NULL,
    initiated_at BIGINT NOT NULL,
    approved_by BIGINT,
    approved_at BIGINT,
    decided_by BIGINT,
    decided_at BIGINT,
    accepted_on TEXT,
    receipt_no TEXT,
    -- The reason of a 退回 or 拒接.
    note TEXT NOT NULL,
    -- Where the member is after a transfer across regions.
    new_region_id BIGINT,
    new_member_id BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id),
    UNIQUE (region_id, letter_no),
    FOREIGN KEY (region_id, member_id) REFERENCES members (region_id, id)
);
CREATE INDEX transfers_scope ON transfers (region_id, from_path, state);
CREATE INDEX transfers_member ON transfers (region_id, member_id, state);

-- A transfer as the receiving region sees it: keyed by that region and the transfer's id,
-- with the receiving org's path (its scope) and the state mirrored.
CREATE TABLE transfer_arrivals (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    from_region_id BIGINT NOT NULL,
    to_path TEXT COLLATE "C" NOT NULL,
    state TEXT NOT NULL,
    arrived_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id)
);
CREATE INDEX transfer_arrivals_scope ON transfer_arrivals (region_id, to_path, state);
