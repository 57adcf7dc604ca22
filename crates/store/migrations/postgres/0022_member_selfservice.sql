-- 党员自助 (member/selfservice): archive corrections a member asks for and the branch
-- decides, the member's photo (one per member, replaced), and the 党员身份证明 issued
-- with a verification code (kept only as its keyed hash; a nation-wide lookup finds the
-- certificate's region). Keep in step with ../sqlite/0022_member_selfservice.sql.
CREATE TABLE member_corrections (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    -- The member's path when asked: who may decide.
    org_path TEXT NOT NULL,
    -- phone, residence, education, work_unit
    field TEXT NOT NULL,
    -- The value asked for, encrypted; and as lists show it (a phone masked).
    value_enc BYTEA NOT NULL,
    value_shown TEXT NOT NULL,
    -- The archive's value (as shown) when decided.
    old_shown TEXT,
    reason TEXT NOT NULL,
    -- pending, approved, rejected
    state TEXT NOT NULL,
    note TEXT NOT NULL,
    requested_by BIGINT NOT NULL,
    requested_by_name TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    decided_by BIGINT,
    decided_by_name TEXT,
    decided_at BIGINT,
    PRIMARY KEY (region_id, id),
    FOREIGN KEY (region_id, member_id) REFERENCES members (region_id, id)
);
CREATE INDEX member_corrections_member ON member_corrections (region_id, member_id, requested_at);
CREATE INDEX member_corrections_scope ON member_corrections (region_id, state, org_path);

-- A member's photo, encrypted; a new upload replaces it.
CREATE TABLE member_photos (
    region_id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    size BIGINT NOT NULL,
    photo_enc BYTEA NOT NULL,
    uploaded_by BIGINT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, member_id),
    FOREIGN KEY (region_id, member_id) REFERENCES members (region_id, id)
);

-- 党员身份证明: what was certified on the day of issue. A newer certificate of the same
-- member revokes the older ones.
CREATE TABLE member_certificates (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    number TEXT NOT NULL,
    code_hash BYTEA NOT NULL,
    member_name TEXT NOT NULL,
    id_number_masked TEXT NOT NULL,
    org_name TEXT NOT NULL,
    joined_on TEXT NOT NULL,
    -- 正式党员 / 预备党员 as of the day of issue.
    status_label TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    issued_by BIGINT NOT NULL,
    issued_at BIGINT NOT NULL,
    revoked_at BIGINT,
    PRIMARY KEY (region_id, id),
    UNIQUE (region_id, number),
    FOREIGN KEY (region_id, member_id) REFERENCES members (region_id, id)
);
CREATE INDEX member_certificates_member ON member_certificates (region_id, member_id, issued_at);

-- The nation-wide lookup of a verification code (by its keyed hash) to its certificate.
CREATE TABLE certificate_codes (
    code_hash BYTEA NOT NULL PRIMARY KEY,
    region_id BIGINT NOT NULL,
    certificate_id BIGINT NOT NULL
);
