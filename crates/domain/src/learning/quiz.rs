//! 微测试: the question bank's questions, grading on the server, the daily quiz drawn per
//! member, the order of an attempt, and the rules of an exam (window, time limit,
//! attempts, the score kept). Issue 12 §3; the anti-cheat rules (answers checked on the
//! server only, late submissions refused, a second submission never improves the kept
//! score beyond the policy) are decided here and applied by the store.

use crate::kernel::error::{FieldError, Invalid, check_text};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

labelled_enum! {
    /// 题型.
    pub enum QuestionKind {
        /// 单选题: exactly one right option.
        Single = ("single", "单选题"),
        /// 多选题: two or more right options; all of them and nothing else is right.
        Multiple = ("multiple", "多选题"),
        /// 判断题: 正确 or 错误.
        TrueFalse = ("true_false", "判断题"),
        /// 填空题: one or more blanks, each with its accepted answers.
        FillIn = ("fill_in", "填空题"),
    }
}

labelled_enum! {
    /// 测试类别.
    pub enum QuizKind {
        /// 每日答题: drawn per member from the bank, one attempt a day.
        Daily = ("daily", "每日答题"),
        /// 每周一答.
        Weekly = ("weekly", "每周一答"),
        /// 专题考试.
        Special = ("special", "专题考试"),
    }
}

labelled_enum! {
    /// 成绩保留方式: which score of several attempts counts.
    pub enum KeepPolicy {
        /// 保留首次成绩: later attempts never change it.
        First = ("first", "保留首次成绩"),
        /// 取最高成绩: the best of the allowed attempts.
        Best = ("best", "取最高成绩"),
    }
}

/// The options of every 判断题, in this order: index 0 is 正确, 1 is 错误.
pub const TRUE_FALSE_OPTIONS: [&str; 2] = ["正确", "错误"];
/// Most options a choice question may have (A–H).
pub const MAX_OPTIONS: usize = 8;
/// Most blanks of a 填空题, and accepted answers per blank.
pub const MAX_BLANKS: usize = 5;
pub const MAX_ALTERNATIVES: usize = 5;
/// Longest stem, option, source and explanation, in characters.
pub const MAX_STEM: usize = 500;
pub const MAX_OPTION: usize = 200;
pub const MAX_SOURCE: usize = 200;
pub const MAX_EXPLANATION: usize = 1000;

/// The answer key of a question: never sent to a page before the answer is submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnswerKey {
    /// The right options' indexes (0 = A), ascending.
    Choices(Vec<u8>),
    /// Per blank, the accepted answers (compared after [`normalise_fill_in`]).
    Blanks(Vec<Vec<String>>),
}

impl AnswerKey {
    /// The key as people write it: `AC`, `正确`, `党章｜中国共产党章程；三`.
    pub fn display(&self, kind: QuestionKind) -> String {
        match (self, kind) {
            (AnswerKey::Choices(c), QuestionKind::TrueFalse) => {
                c.first().and_then(|i| TRUE_FALSE_OPTIONS.get(usize::from(*i))).copied().unwrap_or("").to_string()
            }
            (AnswerKey::Choices(c), _) => c.iter().map(|i| option_letter(*i)).collect(),
            (AnswerKey::Blanks(b), _) => b.iter().map(|alts| alts.join("|")).collect::<Vec<_>>().join("；"),
        }
    }
}

/// `A` for 0, `B` for 1, …
pub fn option_letter(i: u8) -> char {
    char::from(b'A'.saturating_add(i.min(25)))
}

/// A question as written by the bank's editor or read from the import template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QuestionDraft {
    pub kind: QuestionKind,
    /// 题干. A 填空题 marks its blanks with `（）` or `___`, or has one blank at the end.
    pub stem: String,
    /// 选项 of a choice question (A, B, …); empty for 判断题 and 填空题.
    #[serde(default)]
    pub options: Vec<String>,
    pub key: AnswerKey,
    /// 出处: where the answer is written (党章第几条, a speech and its date).
    pub source: String,
    /// 解析: shown with the result.
    #[serde(default)]
    pub explanation: String,
}

impl QuestionDraft {
    /// Checks every part and returns the question as stored: texts trimmed, a 判断题's
    /// options filled in, a choice key sorted.
    pub fn validate(mut self) -> Result<QuestionDraft, Invalid> {
        let mut inv = Invalid::default();
        self.stem = self.stem.trim().to_string();
        self.source = self.source.trim().to_string();
        self.explanation = self.explanation.trim().to_string();
        check_text(&mut inv, "stem", "题干", &self.stem, MAX_STEM, true);
        check_text(&mut inv, "source", "出处", &self.source, MAX_SOURCE, true);
        check_text(&mut inv, "explanation", "解析", &self.explanation, MAX_EXPLANATION, false);
        self.options = self.options.iter().map(|o| o.trim().to_string()).collect();
        match self.kind {
            QuestionKind::TrueFalse => {
                self.options = TRUE_FALSE_OPTIONS.iter().map(|s| s.to_string()).collect();
            }
            QuestionKind::FillIn => {
                if !self.options.iter().all(String::is_empty) {
                    inv.push(FieldError::new("options", "question.options_not_allowed", "填空题没有选项，请删去选项"));
                }
                self.options.clear();
            }
            QuestionKind::Single | QuestionKind::Multiple => {
                while self.options.last().is_some_and(String::is_empty) {
                    self.options.pop();
                }
                if self.options.len() < 2 || self.options.len() > MAX_OPTIONS {
                    inv.push(FieldError::new(
                        "options",
                        "question.option_count",
                        format!("选择题应有 2—{MAX_OPTIONS} 个选项，现有 {} 个", self.options.len()),
                    ));
                }
                if let Some(i) = self.options.iter().position(String::is_empty) {
                    inv.push(FieldError::new(
                        "options",
                        "question.option_blank",
                        format!("选项{}为空，请填写或删去", option_letter(i as u8)),
                    ));
                }
                if self.options.iter().any(|o| o.chars().count() > MAX_OPTION) {
                    inv.push(FieldError::new("options", "question.option_too_long", format!("每个选项不能超过{MAX_OPTION}个字")));
                }
            }
        }
        match (&mut self.key, self.kind) {
            (AnswerKey::Choices(c), QuestionKind::Single | QuestionKind::Multiple | QuestionKind::TrueFalse) => {
                c.sort_unstable();
                c.dedup();
                let n = self.options.len();
                let want = match self.kind {
                    QuestionKind::Multiple => "多选题应有至少两个正确选项",
                    _ => "应有且只有一个正确答案",
                };
                let count_ok = match self.kind {
                    QuestionKind::Multiple => c.len() >= 2,
                    _ => c.len() == 1,
                };
                if !count_ok {
                    inv.push(FieldError::new("key", "question.key_count", want));
                } else if c.iter().any(|i| usize::from(*i) >= n) {
                    inv.push(FieldError::new("key", "question.key_out_of_range", "正确答案指向了不存在的选项，请核对"));
                }
            }
            (AnswerKey::Blanks(b), QuestionKind::FillIn) => {
                for alts in b.iter_mut() {
                    *alts = alts.iter().map(|a| a.trim().to_string()).filter(|a| !a.is_empty()).collect();
                }
                if b.is_empty() || b.len() > MAX_BLANKS || b.iter().any(Vec::is_empty) {
                    inv.push(FieldError::new(
                        "key",
                        "question.blanks",
                        format!("填空题应有 1—{MAX_BLANKS} 个空，每空至少一个答案"),
                    ));
                } else if b
                    .iter()
                    .any(|alts| alts.len() > MAX_ALTERNATIVES || alts.iter().any(|a| a.chars().count() > MAX_OPTION))
                {
                    inv.push(FieldError::new(
                        "key",
                        "question.alternatives",
                        format!("每空最多 {MAX_ALTERNATIVES} 个可接受答案，每个不超过{MAX_OPTION}个字"),
                    ));
                }
            }
            _ => inv.push(FieldError::new("key", "question.key_kind", "答案与题型不符：选择题和判断题填选项，填空题填文字")),
        }
        inv.into_result(self)
    }
}

/// Reads a key as written in the import template: letters for choices (`A`, `ACD`,
/// `A,C`), 正确/错误 (对/错, √/×, T/F) for 判断题, blanks separated by `；` with
/// alternatives separated by `|` for 填空题. The message says what was expected.
pub fn parse_key(kind: QuestionKind, text: &str) -> Result<AnswerKey, String> {
    let t = text.trim();
    match kind {
        QuestionKind::TrueFalse => match t.to_uppercase().as_str() {
            "正确" | "对" | "√" | "T" | "TRUE" | "是" => Ok(AnswerKey::Choices(vec![0])),
            "错误" | "错" | "×" | "F" | "FALSE" | "否" => Ok(AnswerKey::Choices(vec![1])),
            _ => Err(format!("判断题答案应为“正确”或“错误”，而不是“{}”", short(t))),
        },
        QuestionKind::Single | QuestionKind::Multiple => {
            let mut out = Vec::new();
            for c in t.chars().filter(|c| !matches!(c, ',' | '，' | '、' | ' ' | '\u{3000}')) {
                let c = fold_width(c).to_ascii_uppercase();
                if !c.is_ascii_uppercase() || c > 'H' {
                    return Err(format!("选择题答案应为选项字母（如 A 或 ACD），而不是“{}”", short(t)));
                }
                out.push(c as u8 - b'A');
            }
            if out.is_empty() {
                return Err("请填写答案".into());
            }
            Ok(AnswerKey::Choices(out))
        }
        QuestionKind::FillIn => {
            let blanks: Vec<Vec<String>> = t
                .split(['；', ';'])
                .map(|b| b.split(['|', '｜']).map(|a| a.trim().to_string()).filter(|a| !a.is_empty()).collect())
                .collect();
            if blanks.iter().all(Vec::is_empty) {
                return Err("请填写答案".into());
            }
            Ok(AnswerKey::Blanks(blanks))
        }
    }
}

fn short(s: &str) -> String {
    s.chars().take(20).collect()
}

/// What a member submitted for one question: option indexes (as the options are
/// stored, whatever order they were shown in) or the blanks' texts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Response {
    #[serde(default)]
    pub choices: Vec<u8>,
    #[serde(default)]
    pub blanks: Vec<String>,
}

/// The outcome of one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Grade {
    pub correct: bool,
    /// Points earned out of the question's points.
    pub score: u32,
}

/// Grades one answer. A 多选题 is all-or-nothing unless `partial_multiple`: then a
/// subset of the right options with no wrong one earns half the points (rounded down).
/// A 填空题's blanks are compared after [`normalise_fill_in`]; every blank must match.
pub fn grade(kind: QuestionKind, key: &AnswerKey, response: &Response, points: u32, partial_multiple: bool) -> Grade {
    let wrong = Grade { correct: false, score: 0 };
    let right = Grade { correct: true, score: points };
    match key {
        AnswerKey::Choices(k) => {
            let mut given = response.choices.clone();
            given.sort_unstable();
            given.dedup();
            if &given == k {
                right
            } else if kind == QuestionKind::Multiple
                && partial_multiple
                && !given.is_empty()
                && given.iter().all(|c| k.contains(c))
            {
                Grade { correct: false, score: points / 2 }
            } else {
                wrong
            }
        }
        AnswerKey::Blanks(b) => {
            let ok = b.len() == response.blanks.len()
                && b.iter().zip(&response.blanks).all(|(alts, given)| {
                    let g = normalise_fill_in(given);
                    !g.is_empty() && alts.iter().any(|a| normalise_fill_in(a) == g)
                });
            if ok { right } else { wrong }
        }
    }
}

fn fold_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// A fill-in answer as compared: full-width letters and digits folded to ASCII, lower
/// case, with spaces and punctuation (、。，,.;；:：“”"'‘’《》〈〉「」!！?？) removed.
pub fn normalise_fill_in(s: &str) -> String {
    s.chars()
        .map(fold_width)
        .filter(|c| !c.is_whitespace())
        .filter(|c| !c.is_ascii_punctuation() && !"、。，；：“”‘’《》〈〉「」！？…·".contains(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// SplitMix64: a small, stable generator, so a seed gives the same draw on every
/// version and platform.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The seed of a member's day: the same member and date give the same seed.
pub fn daily_seed(member_id: i64, date: NaiveDate) -> u64 {
    let day = (date - NaiveDate::default()).num_days() as u64;
    Mix((member_id as u64).rotate_left(17) ^ day.wrapping_mul(0xD6E8_FEB8_6659_FD93)).next()
}

/// The member's daily quiz: `size` questions drawn without repetition from the bank's
/// ids, the same for the same member and date (a reload gives the same quiz), whatever
/// order the ids come in.
pub fn draw_daily(bank: &[i64], member_id: i64, date: NaiveDate, size: usize) -> Vec<i64> {
    let mut ids = bank.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut rng = Mix(daily_seed(member_id, date));
    let n = size.min(ids.len());
    for i in 0..n {
        let j = i + rng.below(ids.len() - i);
        ids.swap(i, j);
    }
    ids.truncate(n);
    ids
}

/// The order an attempt shows: the questions shuffled and, for each choice question
/// (`options > 0`), its options' stored indexes in the order shown. 判断题 pass 0 and
/// keep 正确 before 错误. The same seed (the attempt's) gives the same order.
pub fn attempt_order(questions: &[(i64, usize)], seed: u64) -> Vec<(i64, Vec<u8>)> {
    let mut rng = Mix(seed);
    let mut qs = questions.to_vec();
    for i in (1..qs.len()).rev() {
        qs.swap(i, rng.below(i + 1));
    }
    qs.into_iter()
        .map(|(id, n)| {
            let mut opts: Vec<u8> = (0..n.min(MAX_OPTIONS) as u8).collect();
            for i in (1..opts.len()).rev() {
                opts.swap(i, rng.below(i + 1));
            }
            (id, opts)
        })
        .collect()
}

/// An exam or weekly quiz as set up by an organizer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExamSetup {
    pub title: String,
    pub kind: QuizKind,
    /// When it opens and closes (epoch ms; China wall-clock text accepted by the API).
    pub opens_at: i64,
    pub closes_at: i64,
    /// Minutes from the start of an attempt; 0 = only the window's end.
    pub time_limit_minutes: u32,
    /// Attempts allowed per member (1 = one attempt).
    pub max_attempts: u32,
    pub keep: KeepPolicy,
    /// 多选题 earn half the points for a right subset (otherwise all-or-nothing).
    #[serde(default)]
    pub partial_multiple: bool,
    /// Points of each question.
    pub question_points: u32,
}

/// Most attempts an exam may allow, longest time limit (minutes) and points per question.
pub const MAX_ATTEMPTS: u32 = 10;
pub const MAX_TIME_LIMIT_MINUTES: u32 = 24 * 60;
pub const MAX_QUESTION_POINTS: u32 = 100;

impl ExamSetup {
    pub fn validate(mut self) -> Result<ExamSetup, Invalid> {
        let mut inv = Invalid::default();
        self.title = self.title.trim().to_string();
        check_text(&mut inv, "title", "标题", &self.title, 100, true);
        if self.kind == QuizKind::Daily {
            inv.push(FieldError::new("kind", "exam.kind_daily", "每日答题由系统按人抽题，无需设置；请选择每周一答或专题考试"));
        }
        if self.closes_at <= self.opens_at {
            inv.push(FieldError::new("closes_at", "exam.window", "结束时间应晚于开始时间"));
        }
        if self.time_limit_minutes > MAX_TIME_LIMIT_MINUTES {
            inv.push(FieldError::new("time_limit_minutes", "exam.time_limit", "答题时限不能超过 24 小时（1440 分钟）"));
        }
        if !(1..=MAX_ATTEMPTS).contains(&self.max_attempts) {
            inv.push(FieldError::new("max_attempts", "exam.attempts", format!("允许作答次数应为 1—{MAX_ATTEMPTS} 次")));
        }
        if !(1..=MAX_QUESTION_POINTS).contains(&self.question_points) {
            inv.push(FieldError::new("question_points", "exam.points", format!("每题分值应为 1—{MAX_QUESTION_POINTS} 分")));
        }
        inv.into_result(self)
    }
}

/// Whether a member may start attempt number `started + 1` at `now`: refused before the
/// window opens (`quiz.not_open`), after it closes (`quiz.closed`) or when every allowed
/// attempt was used (`quiz.no_attempts_left`). Returns the new attempt's number.
pub fn may_start(opens_at: i64, closes_at: i64, max_attempts: u32, started: u32, now: i64) -> Result<u32, Invalid> {
    if now < opens_at {
        return Err(Invalid::one("quiz", "quiz.not_open", "考试尚未开始，请在开始时间后再来"));
    }
    if now >= closes_at {
        return Err(Invalid::one("quiz", "quiz.closed", "考试已结束，不能再作答"));
    }
    if started >= max_attempts {
        return Err(Invalid::one("quiz", "quiz.no_attempts_left", format!("您已用完全部 {max_attempts} 次作答机会")));
    }
    Ok(started + 1)
}

/// The instant after which an attempt started at `started_at` is refused: the window's
/// end, or the time limit's if sooner.
pub fn submission_deadline(closes_at: i64, started_at: i64, time_limit_minutes: u32) -> i64 {
    if time_limit_minutes == 0 {
        closes_at
    } else {
        closes_at.min(started_at.saturating_add(i64::from(time_limit_minutes) * 60_000))
    }
}

/// Whether a submission at `now` is accepted: not twice (`quiz.already_submitted`),
/// not after the deadline (`quiz.late`).
pub fn check_submission(deadline: i64, already_submitted: bool, now: i64) -> Result<(), Invalid> {
    if already_submitted {
        return Err(Invalid::one("quiz", "quiz.already_submitted", "这次作答已经交卷，成绩以首次交卷为准"));
    }
    if now > deadline {
        return Err(Invalid::one("quiz", "quiz.late", "已超过交卷时间，答卷未被接受"));
    }
    Ok(())
}

/// The score kept after a new attempt's score: the first one stays under
/// [`KeepPolicy::First`]; the best one under [`KeepPolicy::Best`] — never more than
/// the best actually scored.
pub fn kept_score(policy: KeepPolicy, kept: Option<u32>, new: u32) -> u32 {
    match (policy, kept) {
        (_, None) => new,
        (KeepPolicy::First, Some(k)) => k,
        (KeepPolicy::Best, Some(k)) => k.max(new),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn single() -> QuestionDraft {
        QuestionDraft {
            kind: QuestionKind::Single,
            stem: "党的最高领导机关是？".into(),
            options: vec!["党的全国代表大会和它所产生的中央委员会".into(), "中央政治局".into(), "中央书记处".into()],
            key: AnswerKey::Choices(vec![0]),
            source: "《中国共产党章程》第十条".into(),
            explanation: String::new(),
        }
    }

    fn d(s: &str) -> NaiveDate {
        crate::kernel::time::parse_iso_date(s).unwrap()
    }

    #[test]
    fn a_single_choice_question_with_one_right_option_is_valid() {
        assert!(single().validate().is_ok());
    }

    #[test]
    fn a_question_without_source_is_refused() {
        let q = QuestionDraft { source: " ".into(), ..single() };
        assert!(q.validate().unwrap_err().has("text.required"));
    }

    #[test]
    fn a_single_choice_question_with_two_right_options_is_refused() {
        let q = QuestionDraft { key: AnswerKey::Choices(vec![0, 1]), ..single() };
        assert!(q.validate().unwrap_err().has("question.key_count"));
    }

    #[test]
    fn a_key_pointing_past_the_options_is_refused() {
        let q = QuestionDraft { key: AnswerKey::Choices(vec![5]), ..single() };
        assert!(q.validate().unwrap_err().has("question.key_out_of_range"));
    }

    #[test]
    fn a_multiple_choice_question_needs_two_right_options() {
        let q = QuestionDraft { kind: QuestionKind::Multiple, ..single() };
        assert!(q.validate().unwrap_err().has("question.key_count"));
    }

    #[test]
    fn a_choice_question_needs_two_options() {
        let q = QuestionDraft { options: vec!["唯一".into()], ..single() };
        assert!(q.validate().unwrap_err().has("question.option_count"));
    }

    #[test]
    fn a_true_false_question_gets_its_two_options() {
        let q = QuestionDraft { kind: QuestionKind::TrueFalse, options: vec![], ..single() }.validate().unwrap();
        assert_eq!(q.options, vec!["正确", "错误"]);
    }

    #[test]
    fn a_fill_in_question_with_a_choice_key_is_refused() {
        let q = QuestionDraft { kind: QuestionKind::FillIn, options: vec![], ..single() };
        assert!(q.validate().unwrap_err().has("question.key_kind"));
    }

    #[test]
    fn import_keys_are_read_as_written() {
        assert_eq!(parse_key(QuestionKind::Multiple, "A、C，d"), Ok(AnswerKey::Choices(vec![0, 2, 3])));
        assert_eq!(parse_key(QuestionKind::Single, "Ｂ"), Ok(AnswerKey::Choices(vec![1])));
        assert_eq!(parse_key(QuestionKind::TrueFalse, "×"), Ok(AnswerKey::Choices(vec![1])));
        assert_eq!(
            parse_key(QuestionKind::FillIn, "党章|中国共产党章程；三"),
            Ok(AnswerKey::Blanks(vec![vec!["党章".into(), "中国共产党章程".into()], vec!["三".into()]]))
        );
        assert!(parse_key(QuestionKind::Single, "Z").unwrap_err().contains("选项字母"));
        assert!(parse_key(QuestionKind::TrueFalse, "也许").unwrap_err().contains("正确"));
    }

    #[test]
    fn a_multiple_choice_answer_is_all_or_nothing_by_default() {
        let key = AnswerKey::Choices(vec![0, 2]);
        let r = |c: Vec<u8>| Response { choices: c, blanks: vec![] };
        assert_eq!(grade(QuestionKind::Multiple, &key, &r(vec![2, 0]), 10, false), Grade { correct: true, score: 10 });
        assert_eq!(grade(QuestionKind::Multiple, &key, &r(vec![0]), 10, false), Grade { correct: false, score: 0 });
        assert_eq!(grade(QuestionKind::Multiple, &key, &r(vec![0, 1, 2]), 10, false).score, 0);
    }

    #[test]
    fn a_right_subset_earns_half_when_partial_credit_is_configured() {
        let key = AnswerKey::Choices(vec![0, 2]);
        let r = |c: Vec<u8>| Response { choices: c, blanks: vec![] };
        assert_eq!(grade(QuestionKind::Multiple, &key, &r(vec![0]), 10, true), Grade { correct: false, score: 5 });
        assert_eq!(grade(QuestionKind::Multiple, &key, &r(vec![0, 1]), 10, true).score, 0);
        assert_eq!(grade(QuestionKind::Multiple, &key, &r(vec![]), 10, true).score, 0);
    }

    #[test]
    fn a_fill_in_answer_is_compared_normalised() {
        let key = AnswerKey::Blanks(vec![vec!["实事求是".into()], vec!["ＣＰＣ".into(), "中国共产党".into()]]);
        let r = |b: &[&str]| Response { choices: vec![], blanks: b.iter().map(|s| s.to_string()).collect() };
        assert!(grade(QuestionKind::FillIn, &key, &r(&[" 实事 求是。", "cpc"]), 1, false).correct);
        assert!(grade(QuestionKind::FillIn, &key, &r(&["实事求是", "中国共产党"]), 1, false).correct);
        assert!(!grade(QuestionKind::FillIn, &key, &r(&["实事求是"]), 1, false).correct);
        assert!(!grade(QuestionKind::FillIn, &key, &r(&["实事求是", ""]), 1, false).correct);
    }

    #[test]
    fn the_daily_quiz_is_the_same_on_reload_and_differs_between_members_and_days() {
        let bank: Vec<i64> = (1..=500).collect();
        let mut shuffled = bank.clone();
        shuffled.reverse();
        let a = draw_daily(&bank, 42, d("2026-12-03"), 5);
        assert_eq!(a.len(), 5);
        assert_eq!(a, draw_daily(&shuffled, 42, d("2026-12-03"), 5));
        assert_ne!(a, draw_daily(&bank, 43, d("2026-12-03"), 5));
        assert_ne!(a, draw_daily(&bank, 42, d("2026-12-04"), 5));
        let mut u = a.clone();
        u.sort_unstable();
        u.dedup();
        assert_eq!(u.len(), 5, "no question twice");
    }

    #[test]
    fn a_bank_smaller_than_the_quiz_gives_every_question_once() {
        let q = draw_daily(&[3, 1, 2], 7, d("2026-12-03"), 5);
        let mut s = q.clone();
        s.sort_unstable();
        assert_eq!(s, vec![1, 2, 3]);
    }

    #[test]
    fn an_attempt_shuffles_questions_and_options_reproducibly() {
        let qs: Vec<(i64, usize)> = (1..=10).map(|i| (i, 4)).collect();
        let a = attempt_order(&qs, 99);
        assert_eq!(a, attempt_order(&qs, 99));
        assert_ne!(a, attempt_order(&qs, 100));
        let mut ids: Vec<i64> = a.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        assert_eq!(ids, (1..=10).collect::<Vec<_>>());
        for (_, opts) in &a {
            let mut o = opts.clone();
            o.sort_unstable();
            assert_eq!(o, vec![0, 1, 2, 3]);
        }
        assert!(attempt_order(&[(1, 0)], 5)[0].1.is_empty(), "判断题 keep their order");
    }

    #[test]
    fn an_exam_must_close_after_it_opens_and_allow_one_to_ten_attempts() {
        let e = ExamSetup {
            title: "党章知识测试".into(),
            kind: QuizKind::Special,
            opens_at: 1000,
            closes_at: 1000,
            time_limit_minutes: 30,
            max_attempts: 0,
            keep: KeepPolicy::First,
            partial_multiple: false,
            question_points: 5,
        };
        let inv = e.clone().validate().unwrap_err();
        assert!(inv.has("exam.window") && inv.has("exam.attempts"));
        assert!(ExamSetup { closes_at: 2000, max_attempts: 3, ..e.clone() }.validate().is_ok());
        assert!(
            ExamSetup { kind: QuizKind::Daily, closes_at: 2000, max_attempts: 1, ..e }
                .validate()
                .unwrap_err()
                .has("exam.kind_daily")
        );
    }

    #[test]
    fn an_attempt_cannot_start_outside_the_window_or_past_the_allowed_attempts() {
        assert!(may_start(100, 200, 1, 0, 99).unwrap_err().has("quiz.not_open"));
        assert!(may_start(100, 200, 1, 0, 200).unwrap_err().has("quiz.closed"));
        assert!(may_start(100, 200, 2, 2, 150).unwrap_err().has("quiz.no_attempts_left"));
        assert_eq!(may_start(100, 200, 2, 1, 150), Ok(2));
    }

    #[test]
    fn the_deadline_is_the_time_limit_or_the_window_end_whichever_is_sooner() {
        assert_eq!(submission_deadline(10_000_000, 0, 30), 30 * 60_000);
        assert_eq!(submission_deadline(60_000, 0, 30), 60_000);
        assert_eq!(submission_deadline(60_000, 0, 0), 60_000);
    }

    #[test]
    fn a_submission_after_the_deadline_is_refused() {
        assert!(check_submission(1000, false, 1001).unwrap_err().has("quiz.late"));
        assert!(check_submission(1000, false, 1000).is_ok());
    }

    #[test]
    fn a_second_submission_of_the_same_attempt_is_refused() {
        assert!(check_submission(1000, true, 10).unwrap_err().has("quiz.already_submitted"));
    }

    #[test]
    fn keep_first_never_lets_a_later_attempt_change_the_score() {
        assert_eq!(kept_score(KeepPolicy::First, None, 60), 60);
        assert_eq!(kept_score(KeepPolicy::First, Some(60), 100), 60);
    }

    #[test]
    fn best_of_n_keeps_the_best_score_actually_scored() {
        assert_eq!(kept_score(KeepPolicy::Best, Some(60), 80), 80);
        assert_eq!(kept_score(KeepPolicy::Best, Some(80), 60), 80);
    }
}
