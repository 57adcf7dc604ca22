-- 学 (learning): 微测试 and 积分/微排行 (keep in step with ../postgres/0016_learning.sql).
-- A question belongs to the bank of the org that owns it; members draw from the banks of
-- their branch and its ancestors. Attempts carry a unique key per member, quiz and
-- attempt number, so two devices starting or submitting at once count once. Points are
-- append-only events with their source; totals per member and period are kept beside
-- them (recomputable from the events), and rank buckets per scope and period (members
-- per points value) answer "my rank" by summing the buckets above, never by counting
-- members.
CREATE TABLE learning_questions (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    org_path TEXT NOT NULL,
    kind TEXT NOT NULL,
    stem TEXT NOT NULL,
    -- JSON array of the options' texts.
    options TEXT NOT NULL,
    -- JSON answer key: never read by the reads that serve a quiz being taken.
    answer_key TEXT NOT NULL,
    -- Blanks of a 填空题 (0 otherwise): what a paper shows of the key.
    blanks BIGINT NOT NULL,
    source TEXT NOT NULL,
    explanation TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id)
);
CREATE INDEX learning_questions_bank ON learning_questions (region_id, org_path, active, id);

CREATE TABLE learning_quizzes (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    org_path TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    opens_at BIGINT NOT NULL,
    closes_at BIGINT NOT NULL,
    time_limit_minutes BIGINT NOT NULL,
    max_attempts BIGINT NOT NULL,
    keep_policy TEXT NOT NULL,
    partial_multiple BOOLEAN NOT NULL,
    question_points BIGINT NOT NULL,
    -- JSON array of question ids, in the order set up.
    question_ids TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, id)
);
CREATE INDEX learning_quizzes_scope ON learning_quizzes (region_id, org_path, closes_at);

-- quiz_key: 'daily:YYYY-MM-DD' for a member's 每日答题, 'exam:<id>' for an exam.
CREATE TABLE learning_attempts (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    org_path TEXT NOT NULL,
    quiz_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    attempt_no BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    deadline_at BIGINT NOT NULL,
    -- JSON [[question id, [option index shown first, ...]], ...]
    question_order TEXT NOT NULL,
    question_points BIGINT NOT NULL,
    partial_multiple BOOLEAN NOT NULL,
    submitted_at BIGINT,
    score BIGINT,
    max_score BIGINT NOT NULL,
    correct_count BIGINT,
    PRIMARY KEY (region_id, id),
    UNIQUE (region_id, member_id, quiz_key, attempt_no)
);

CREATE TABLE learning_answers (
    region_id BIGINT NOT NULL,
    attempt_id BIGINT NOT NULL,
    question_id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    quiz_key TEXT NOT NULL,
    -- JSON response as submitted.
    response TEXT NOT NULL,
    correct BOOLEAN NOT NULL,
    score BIGINT NOT NULL,
    answered_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, attempt_id, question_id)
);
CREATE INDEX learning_answers_quiz ON learning_answers (region_id, quiz_key, question_id, correct);
CREATE INDEX learning_answers_member ON learning_answers (region_id, member_id, correct, answered_at);

-- The kept score of a member in a quiz (first, or best of N).
CREATE TABLE learning_results (
    region_id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    quiz_key TEXT NOT NULL,
    org_path TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    kept_score BIGINT NOT NULL,
    max_score BIGINT NOT NULL,
    first_submitted_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, member_id, quiz_key)
);
CREATE INDEX learning_results_quiz ON learning_results (region_id, quiz_key, org_path);

-- Append-only: one row per award, with its source (an attempt, a meeting, a login day).
CREATE TABLE learning_points_events (
    region_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    org_path TEXT NOT NULL,
    action TEXT NOT NULL,
    units BIGINT NOT NULL,
    points BIGINT NOT NULL,
    occurred_at BIGINT NOT NULL,
    day TEXT NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (region_id, id),
    UNIQUE (region_id, member_id, action, source)
);
CREATE INDEX learning_points_events_tally ON learning_points_events (region_id, member_id, action, day);

-- period_key: 'w2026-49', 'm2026-12', 'y2026', 'all'.
CREATE TABLE learning_points_totals (
    region_id BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    period_key TEXT NOT NULL,
    org_path TEXT NOT NULL,
    points BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (region_id, member_id, period_key)
);
CREATE INDEX learning_points_totals_top ON learning_points_totals (region_id, period_key, points, member_id);
CREATE INDEX learning_points_totals_scope ON learning_points_totals (region_id, period_key, org_path, points);

-- Members of a scope (an org and its subtree) with exactly `points` in a period.
CREATE TABLE learning_rank_buckets (
    region_id BIGINT NOT NULL,
    scope_path TEXT NOT NULL,
    period_key TEXT NOT NULL,
    points BIGINT NOT NULL,
    members BIGINT NOT NULL,
    PRIMARY KEY (region_id, scope_path, period_key, points)
);
