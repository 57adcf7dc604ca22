-- 党费 (dues, affairs/dues): each member's category and base with its history, the
-- monthly bills, and the ledger of payments and reversals, plus the orders of the
-- payment gateway. Keep in step with ../sqlite/0015_dues.sql.

-- A member's dues category and base from a month on (第十条: a new base applies from
-- the month the new pay starts). The monthly amount is computed by the domain's rules
-- when the base is set and kept with it; bills copy it.
CREATE TABLE dues_bases (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    -- employed, annual_salary, self_employed, retired, farmer, needy
    category TEXT NOT NULL,
    base_fen BIGINT NOT NULL,
    fixed_fen BIGINT,
    amount_fen BIGINT NOT NULL,
    -- 'YYYY-MM'
    from_month TEXT NOT NULL,
    -- The branch agreed the member pays quarterly (may pay to the quarter's end).
    quarterly BOOLEAN NOT NULL,
    rules_version BIGINT NOT NULL,
    recorded_by BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id),
    UNIQUE (region_id, member_id, from_month),
    FOREIGN KEY (region_id, member_id) REFERENCES members (region_id, id)
);

-- One bill per member and month, generated in bulk for an org subtree. paid_fen is the
-- sum of the ledger's entries for the month, kept in the payment's transaction.
CREATE TABLE dues_bills (
    region_id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    month TEXT NOT NULL,
    -- The member's branch when the bill was made.
    org_id BIGINT NOT NULL,
    org_path TEXT COLLATE "C" NOT NULL,
    category TEXT NOT NULL,
    base_fen BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    paid_fen BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, member_id, month),
    FOREIGN KEY (region_id, member_id) REFERENCES members (region_id, id),
    FOREIGN KEY (region_id, org_id) REFERENCES orgs (region_id, id)
);
CREATE INDEX dues_bills_scope ON dues_bills (region_id, month, org_path, member_id);

-- The ledger: appended, never updated. A reversal is a new entry with the opposite
-- amount naming the entry it reverses (at most once). One request's lines share its
-- idempotency key, so a repeated request records once.
CREATE TABLE dues_entries (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    org_path TEXT COLLATE "C" NOT NULL,
    -- dues, voluntary, reversal
    kind TEXT NOT NULL,
    month TEXT,
    amount_fen BIGINT NOT NULL,
    -- member, entrusted, cash
    payer TEXT NOT NULL,
    payer_name TEXT NOT NULL,
    request_key TEXT NOT NULL,
    line BIGINT NOT NULL,
    reverses_id BIGINT,
    remit_upward BOOLEAN NOT NULL,
    note TEXT NOT NULL,
    recorded_by BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id),
    UNIQUE (region_id, request_key, line),
    UNIQUE (region_id, reverses_id),
    FOREIGN KEY (region_id, member_id) REFERENCES members (region_id, id),
    FOREIGN KEY (region_id, org_id) REFERENCES orgs (region_id, id)
);
CREATE INDEX dues_entries_member ON dues_entries (region_id, member_id, recorded_at);
CREATE INDEX dues_entries_scope ON dues_entries (region_id, org_path, recorded_at);

-- A member's online payment through a gateway: created, then paid (the gateway's
-- notification, reconciled into the ledger under the key 'order:<id>') or failed.
CREATE TABLE dues_orders (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    org_path TEXT COLLATE "C" NOT NULL,
    -- 'YYYY-MM' months, comma separated
    months TEXT NOT NULL,
    voluntary_fen BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    gateway TEXT NOT NULL,
    gateway_ref TEXT,
    -- created, paid, failed
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    settled_at BIGINT,
    PRIMARY KEY (region_id, id),
    FOREIGN KEY (region_id, member_id) REFERENCES members (region_id, id)
);
CREATE INDEX dues_orders_member ON dues_orders (region_id, member_id, created_at);

-- 党费减免 (少交/免交): applied for, studied by the 党支部, approved by the 上一级党委
-- (two different accounts). An approved one sets the amount of its months' bills.
CREATE TABLE dues_reliefs (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    -- The member's branch: who studies it, and whose parent approves.
    org_path TEXT COLLATE "C" NOT NULL,
    from_month TEXT NOT NULL,
    to_month TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    reason TEXT NOT NULL,
    -- pending_branch, pending_parent, approved, rejected
    state TEXT NOT NULL,
    applied_by BIGINT NOT NULL,
    applied_at BIGINT NOT NULL,
    branch_by BIGINT,
    branch_at BIGINT,
    parent_by BIGINT,
    parent_at BIGINT,
    note TEXT NOT NULL,
    PRIMARY KEY (region_id, id),
    FOREIGN KEY (region_id, member_id) REFERENCES members (region_id, id)
);
CREATE INDEX dues_reliefs_member ON dues_reliefs (region_id, member_id, state);
CREATE INDEX dues_reliefs_scope ON dues_reliefs (region_id, state, org_path);
