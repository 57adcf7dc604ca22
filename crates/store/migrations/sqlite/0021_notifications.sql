-- 通知 (notifications; keep in step with ../postgres/0021_notifications.sql).
-- In-app messages per recipient account, each kind once per recipient and dedupe key (a
-- producer re-run sends nothing twice); mutes per account and kind; an org's group robots
-- (企业微信/钉钉) with the 钉钉 signing secret encrypted; the outbox written in the causing
-- transaction and delivered by the background worker with retries; one log row per
-- delivery attempt.
CREATE TABLE notifications (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL,
    dedupe_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT,
    PRIMARY KEY (region_id, id)
);
CREATE UNIQUE INDEX notifications_once ON notifications (region_id, account_id, dedupe_key);
CREATE INDEX notifications_inbox ON notifications (region_id, account_id, created_at, id);
CREATE INDEX notifications_unread ON notifications (region_id, account_id, read_at);

CREATE TABLE notify_mutes (
    region_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, account_id, kind)
);

CREATE TABLE notify_webhooks (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    org_path TEXT NOT NULL,
    robot TEXT NOT NULL,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    -- The 钉钉 加签 secret, SM4-GCM sealed (NULL: none).
    secret BLOB,
    markdown BOOLEAN NOT NULL,
    enabled BOOLEAN NOT NULL,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id),
    FOREIGN KEY (region_id, org_id) REFERENCES orgs (region_id, id)
);
CREATE INDEX notify_webhooks_org ON notify_webhooks (region_id, org_id);

CREATE TABLE notify_outbox (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    webhook_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    dedupe_key TEXT NOT NULL,
    -- pending, delivered, failed (attempts used up)
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT,
    PRIMARY KEY (region_id, id),
    FOREIGN KEY (region_id, webhook_id) REFERENCES notify_webhooks (region_id, id)
);
CREATE UNIQUE INDEX notify_outbox_once ON notify_outbox (region_id, webhook_id, dedupe_key);
CREATE INDEX notify_outbox_due ON notify_outbox (state, next_at);

CREATE TABLE notify_deliveries (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    outbox_id BIGINT NOT NULL,
    webhook_id BIGINT NOT NULL,
    attempt BIGINT NOT NULL,
    at BIGINT NOT NULL,
    ok BOOLEAN NOT NULL,
    -- The HTTP status (NULL: no answer) and what went wrong.
    status BIGINT,
    error TEXT NOT NULL,
    duration_ms BIGINT NOT NULL,
    PRIMARY KEY (region_id, id),
    FOREIGN KEY (region_id, outbox_id) REFERENCES notify_outbox (region_id, id)
);
CREATE INDEX notify_deliveries_webhook ON notify_deliveries (region_id, webhook_id, at);
