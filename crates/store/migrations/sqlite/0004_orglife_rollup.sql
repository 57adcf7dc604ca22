-- 组织生活 read paths at city scale: indexes only, no new columns. Keep in step with
-- ../postgres/0004_orglife_rollup.sql.

-- The cockpit sums per-org compliance rows over path ranges for a few period keys and
-- rules. Covering, and ordered by (period, rule) before the path, so each range is read
-- in group order and aggregated as it streams, without a sort. Replaces compliance_scope.
DROP INDEX compliance_scope;
CREATE INDEX compliance_rollup ON compliance (region_id, period_key, rule_code, org_path, held, expected);

-- Counts of open findings by rule and severity over path ranges (the cockpit), streamed
-- in group order without reading the resolved history.
CREATE INDEX findings_open ON findings (region_id, resolved_at, rule_code, severity, org_path);

-- The full recompute reads every member's attendance in member order; covering, so the
-- scan never visits the table. Replaces attendance_member, which it extends.
DROP INDEX attendance_member;
CREATE INDEX attendance_member ON meeting_attendance (region_id, member_id, held_on, attendance, meeting_type, meeting_id, reason);
