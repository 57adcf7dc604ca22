//! 软弱涣散基层党组织整顿 (`domain.md` §1 A19, A29): each year the 上级党组织 lists the
//! weak branches of its subtree with the reasons (from a configurable category list) and
//! the measures taken for each — 市县领导挂点, 乡镇(街道)领导包村, 机关部门结对帮扶, 派驻
//! 工作组, 选派第一书记 — each a person or an org linked to the branch with dates. The
//! branch works through rectification tasks with deadlines; it submits each with its
//! evidence, and the **parent** accepts it (验收) by an account other than the one that
//! submitted it, or returns it. The branch leaves the list (销号) only once every task is
//! accepted and the parent accepts the branch. The 清零 rate of a subtree is cleared /
//! listed for a year. Overdue tasks are findings of the branch. Pure: the store keeps
//! the rows.

use crate::kernel::error::{FieldError, Invalid, check_text};
use crate::kernel::finding::{Finding, Subject};
use crate::kernel::period::{Period, PeriodKind, zh_date};
use crate::kernel::rules::SeverityPolicy;
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One entry of a configurable category list: a stable code and its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WeakCategory {
    pub code: String,
    pub label: String,
}

fn cat(code: &str, label: &str) -> WeakCategory {
    WeakCategory { code: code.into(), label: label.into() }
}

/// The numbers and lists of 软弱涣散 rectification, a section of the versioned
/// [`crate::kernel::rules::RuleSet`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WeakBranchRules {
    /// The situations a branch is listed for. Default: the national list of 软弱涣散
    /// situations as the 中央组织部 circulars on 整顿软弱涣散基层党组织 word them
    /// (M: from memory, `domain.md` §1 A19/A29; localities add their own).
    pub reasons: Vec<WeakCategory>,
    /// The kinds of measures (帮扶措施): the article's five (A19, V).
    pub measures: Vec<WeakCategory>,
    /// A task's deadline when none is typed: 90 days (one quarter; local practice, L).
    pub task_default_days: u32,
    /// The longest a task may be given: 365 days (按期整转 within the year, A19).
    pub task_max_days: u32,
    /// Where the defaults come from.
    pub source: String,
}

impl Default for WeakBranchRules {
    fn default() -> Self {
        Self {
            reasons: vec![
                cat("secretary_unfit", "党组织书记不胜任现职、工作不在状态"),
                cat("team_incomplete", "班子不健全、书记长期缺职、班子不团结"),
                cat("org_life_abnormal", "组织生活不正常、长期不开展组织活动"),
                cat("clan_interference", "宗族宗教和黑恶势力干扰渗透"),
                cat("affairs_chaotic", "村务财务管理混乱"),
                cat("disputes", "矛盾纠纷突出、信访问题集中"),
                cat("economy_weak", "集体经济薄弱、发展能力不强"),
                cat("poor_role", "服务意识差、服务能力弱，发挥作用差"),
                cat("other", "其他"),
            ],
            measures: vec![
                cat("city_county_leader", "市县领导挂点"),
                cat("township_leader", "乡镇（街道）领导包村"),
                cat("dept_pairing", "机关部门结对帮扶"),
                cat("work_team", "派驻工作组"),
                cat("first_secretary", "第一书记"),
            ],
            task_default_days: 90,
            task_max_days: 365,
            source: "宁波日报2017（domain.md §1 A19：市县领导挂点、乡镇(街道)领导包村、机关部门结对帮扶、派驻工作组、选派第一书记，按期整转、滚动清零）；情形清单依中组部整顿软弱涣散基层党组织通知（M）".into(),
        }
    }
}

impl WeakBranchRules {
    /// The label of a reason code, or the code itself when the list no longer has it.
    pub fn reason_label(&self, code: &str) -> String {
        self.reasons.iter().find(|c| c.code == code).map(|c| c.label.clone()).unwrap_or_else(|| code.to_string())
    }
    /// The label of a measure kind, or the code itself.
    pub fn measure_label(&self, code: &str) -> String {
        self.measures.iter().find(|c| c.code == code).map(|c| c.label.clone()).unwrap_or_else(|| code.to_string())
    }
}

labelled_enum! {
    /// Where a listed branch stands.
    pub enum WeakState {
        /// 整顿中: on the list.
        Rectifying = ("rectifying", "整顿中"),
        /// 已销号: the parent accepted the branch after every task was accepted.
        Cleared = ("cleared", "已销号"),
    }
}

labelled_enum! {
    /// Where a rectification task stands.
    pub enum WeakTaskState {
        /// 整改中.
        Open = ("open", "整改中"),
        /// 待验收: submitted with evidence, waiting for the parent.
        Submitted = ("submitted", "待验收"),
        /// 已验收.
        Accepted = ("accepted", "已验收"),
        /// 退回重改: the parent did not accept; the branch submits again.
        Returned = ("returned", "退回重改"),
    }
}

/// The longest note (evidence, the parent's opinion, a listing's note), in characters.
pub const WEAK_TEXT_MAX: usize = 1000;
/// The longest title of a task or name of a person, in characters.
pub const WEAK_TITLE_MAX: usize = 100;

/// A branch put on the list for a year.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct WeakListingInput {
    /// The year of the list (e.g. 2026).
    pub year: i64,
    /// Reason codes from the configured list, at least one.
    pub reasons: Vec<String>,
    /// What was found (整顿前的情况).
    pub note: String,
}

/// Reads a listing: a year not after next year nor before 2000, at least one known
/// reason (each once, in the list's order), a note of at most [`WEAK_TEXT_MAX`].
pub fn parse_listing(
    rules: &WeakBranchRules,
    input: &WeakListingInput,
    this_year: i64,
) -> Result<(i64, Vec<String>, String), Invalid> {
    let mut inv = Invalid::default();
    if input.year < 2000 || input.year > this_year + 1 {
        inv.push(FieldError::new("year", "weak.year", format!("请填写整顿年度（2000—{}）", this_year + 1)));
    }
    let unknown: Vec<&String> = input.reasons.iter().filter(|r| !rules.reasons.iter().any(|c| &c.code == *r)).collect();
    if input.reasons.is_empty() {
        inv.push(FieldError::new("reasons", "weak.no_reason", "请至少选择一项软弱涣散的情形"));
    } else if !unknown.is_empty() {
        inv.push(FieldError::new("reasons", "weak.reason", "请从情形清单中选择（清单可在规则配置中调整）"));
    }
    check_text(&mut inv, "note", "整顿前的情况", &input.note, WEAK_TEXT_MAX, false);
    if !inv.is_empty() {
        return Err(inv);
    }
    let reasons = rules.reasons.iter().filter(|c| input.reasons.contains(&c.code)).map(|c| c.code.clone()).collect();
    Ok((input.year, reasons, input.note.trim().to_string()))
}

/// A measure linked to a listed branch: of a kind from the list, carried by a person
/// (e.g. the 第一书记's name) and/or an org (the 结对 department), from a day to a day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct WeakMeasureInput {
    pub kind: String,
    /// The person (挂点领导, 包村领导, 第一书记, 工作组组长), by name and post.
    pub person: String,
    /// The org that helps (结对部门, 派驻单位), if any.
    pub helper_org_id: Option<i64>,
    /// `YYYY-MM-DD`.
    pub from: String,
    /// `YYYY-MM-DD`; empty while it lasts.
    pub to: String,
}

/// A measure as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeakMeasure {
    pub kind: String,
    pub person: String,
    pub helper_org_id: Option<i64>,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// Reads a measure: a known kind, a person or an org (at least one), a start day, an
/// end day not before it.
pub fn parse_measure(rules: &WeakBranchRules, input: &WeakMeasureInput) -> Result<WeakMeasure, Invalid> {
    let mut inv = Invalid::default();
    if !rules.measures.iter().any(|c| c.code == input.kind) {
        let labels: Vec<&str> = rules.measures.iter().map(|c| c.label.as_str()).collect();
        inv.push(FieldError::new("kind", "weak.measure_kind", format!("请选择措施：{}", labels.join("、"))));
    }
    check_text(&mut inv, "person", "负责人", &input.person, WEAK_TITLE_MAX, false);
    if input.person.trim().is_empty() && input.helper_org_id.is_none() {
        inv.push(FieldError::new("person", "weak.measure_who", "请填写负责人（姓名、职务）或选择帮扶单位"));
    }
    let from = crate::kernel::time::parse_iso_date(&input.from);
    if from.is_none() {
        inv.push(FieldError::new("from", "date.format", "请填写开始日期，格式如 2026-03-01"));
    }
    let to = if input.to.trim().is_empty() { None } else { crate::kernel::time::parse_iso_date(&input.to) };
    if !input.to.trim().is_empty() && to.is_none() {
        inv.push(FieldError::new("to", "date.format", "结束日期格式如 2026-12-31，未结束的请留空"));
    }
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        inv.push(FieldError::new("to", "weak.date_order", "结束日期不能早于开始日期"));
    }
    match from {
        Some(from) if inv.is_empty() => Ok(WeakMeasure {
            kind: input.kind.clone(),
            person: input.person.trim().to_string(),
            helper_org_id: input.helper_org_id,
            from,
            to,
        }),
        _ => Err(inv),
    }
}

/// A rectification task as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct WeakTaskInput {
    pub title: String,
    /// `YYYY-MM-DD`; empty: today + the default days.
    pub deadline: String,
}

/// Reads a task: a title, a deadline not before today and at most the configured days
/// ahead (default when empty).
pub fn parse_task(rules: &WeakBranchRules, input: &WeakTaskInput, today: NaiveDate) -> Result<(String, NaiveDate), Invalid> {
    let mut inv = Invalid::default();
    check_text(&mut inv, "title", "整改任务", &input.title, WEAK_TITLE_MAX, true);
    let latest = today.checked_add_days(Days::new(rules.task_max_days.into())).unwrap_or(today);
    let deadline = if input.deadline.trim().is_empty() {
        Some(today.checked_add_days(Days::new(rules.task_default_days.into())).unwrap_or(today))
    } else {
        crate::kernel::time::parse_iso_date(&input.deadline)
    };
    match deadline {
        None => inv.push(FieldError::new("deadline", "date.format", "请填写完成期限，格式如 2026-09-30")),
        Some(d) if d < today => inv.push(FieldError::new("deadline", "weak.deadline_past", "完成期限不能早于今天")),
        Some(d) if d > latest => inv.push(FieldError::new(
            "deadline",
            "weak.deadline_far",
            format!("完成期限最长{}天（{}前）", rules.task_max_days, zh_date(latest)),
        )),
        _ => {}
    }
    match deadline {
        Some(d) if inv.is_empty() => Ok((input.title.trim().to_string(), d)),
        _ => Err(inv),
    }
}

/// The branch submits a task with its evidence (整改情况): from 整改中 or 退回重改.
pub fn submit_task(state: WeakTaskState, evidence: &str) -> Result<WeakTaskState, Invalid> {
    match state {
        WeakTaskState::Open | WeakTaskState::Returned => {
            let mut inv = Invalid::default();
            check_text(&mut inv, "evidence", "整改情况和佐证", evidence, WEAK_TEXT_MAX, true);
            if inv.is_empty() { Ok(WeakTaskState::Submitted) } else { Err(inv) }
        }
        WeakTaskState::Submitted => Err(Invalid::one("state", "weak.submitted", "该任务已提交，等待上级党组织验收")),
        WeakTaskState::Accepted => Err(Invalid::one("state", "weak.accepted", "该任务已验收")),
    }
}

/// What the store knows of a task when the parent decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeakTaskFacts {
    pub state: WeakTaskState,
    /// The account that submitted it.
    pub submitted_by: Option<i64>,
}

/// The parent's 验收: accepted, or returned with the reason (`opinion`). Only the
/// parent (an org strictly above the branch) decides, and never the account that
/// submitted the task.
pub fn decide_task(
    t: &WeakTaskFacts,
    accept: bool,
    decider: i64,
    by_parent: bool,
    opinion: &str,
) -> Result<WeakTaskState, Invalid> {
    if t.state != WeakTaskState::Submitted {
        return Err(Invalid::one("state", "weak.not_submitted", "该任务尚未提交整改情况，不能验收"));
    }
    if !by_parent {
        return Err(Invalid::one("state", "weak.parent_only", "整改任务须由上级党组织验收"));
    }
    if t.submitted_by == Some(decider) {
        return Err(Invalid::one("state", "weak.same_account", "提交整改情况和验收须由两个不同的账户办理"));
    }
    let mut inv = Invalid::default();
    check_text(&mut inv, "opinion", if accept { "验收意见" } else { "退回的理由" }, opinion, WEAK_TEXT_MAX, !accept);
    if !inv.is_empty() {
        return Err(inv);
    }
    Ok(if accept { WeakTaskState::Accepted } else { WeakTaskState::Returned })
}

/// The parent accepts the branch (销号): only while on the list, only by the parent, only
/// with at least one task and every task accepted.
pub fn clear_branch(state: WeakState, tasks: &[WeakTaskState], by_parent: bool) -> Result<WeakState, Invalid> {
    if state == WeakState::Cleared {
        return Err(Invalid::one("state", "weak.cleared", "该党组织已销号"));
    }
    if !by_parent {
        return Err(Invalid::one("state", "weak.parent_only", "整顿销号须由上级党组织验收"));
    }
    if tasks.is_empty() {
        return Err(Invalid::one("state", "weak.no_tasks", "尚未安排整改任务，不能销号"));
    }
    let left = tasks.iter().filter(|t| **t != WeakTaskState::Accepted).count();
    if left > 0 {
        return Err(Invalid::one("state", "weak.tasks_open", format!("还有{left}项整改任务未验收，全部验收后方可销号")));
    }
    Ok(WeakState::Cleared)
}

/// The 清零 rate of a subtree for a year: cleared / listed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WeakClearRate {
    pub listed: i64,
    pub cleared: i64,
    /// Percent with one decimal; `None` when nothing is listed.
    pub percent: Option<f64>,
}

/// cleared / listed, as a percent rounded to one decimal.
pub fn clear_rate(listed: i64, cleared: i64) -> WeakClearRate {
    let percent = (listed > 0).then(|| ((cleared as f64) * 1000.0 / (listed as f64)).round() / 10.0);
    WeakClearRate { listed, cleared, percent }
}

/// The rule code of overdue rectification tasks.
pub const WEAK_OVERDUE_CODE: &str = "service.weak_task_overdue";
pub const WEAK_OVERDUE_TITLE: &str = "软弱涣散整顿任务逾期未完成";
/// The prefix of every weak-branch finding's code.
pub const WEAK_PREFIX: &str = "service.weak_";
pub const WEAK_RULE_VERSION: u32 = 1;

/// A task as the rules engine reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeakTaskDue {
    pub title: String,
    pub deadline: NaiveDate,
    pub state: WeakTaskState,
}

/// Tasks past their deadline (the day after it) and neither submitted nor accepted: one
/// finding of the branch per month of deadlines, naming each task. A task submitted in
/// time waits for the parent and is not the branch's overdue.
pub fn overdue_task_findings(severity: &SeverityPolicy, org_id: i64, tasks: &[WeakTaskDue], as_of: NaiveDate) -> Vec<Finding> {
    let mut by_month: BTreeMap<String, (Period, Vec<&WeakTaskDue>)> = BTreeMap::new();
    for t in tasks {
        let open = matches!(t.state, WeakTaskState::Open | WeakTaskState::Returned);
        if open && as_of > t.deadline {
            let p = Period::containing(PeriodKind::Month, t.deadline);
            by_month.entry(p.key()).or_insert_with(|| (p, Vec::new())).1.push(t);
        }
    }
    by_month
        .into_values()
        .map(|(period, ts)| {
            let names: Vec<String> = ts.iter().map(|t| format!("“{}”（{}到期）", t.title, zh_date(t.deadline))).collect();
            Finding {
                rule_code: WEAK_OVERDUE_CODE.into(),
                rule_version: WEAK_RULE_VERSION,
                subject: Subject::Org(org_id),
                period,
                severity: severity.closed_unmet,
                evidence: format!("软弱涣散整顿任务逾期未完成{}项：{}", ts.len(), names.join("；")),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::time::parse_iso_date;

    fn d(s: &str) -> NaiveDate {
        parse_iso_date(s).unwrap()
    }

    #[test]
    fn a_listing_needs_a_reason_from_the_configured_list() {
        let rules = WeakBranchRules::default();
        let ok = WeakListingInput { year: 2026, reasons: vec!["disputes".into(), "team_incomplete".into()], note: String::new() };
        let (_, reasons, _) = parse_listing(&rules, &ok, 2026).unwrap();
        assert_eq!(reasons, vec!["team_incomplete".to_string(), "disputes".to_string()], "in the list's order");
        let none = WeakListingInput { reasons: vec![], ..ok.clone() };
        assert!(parse_listing(&rules, &none, 2026).unwrap_err().has("weak.no_reason"));
        let unknown = WeakListingInput { reasons: vec!["made_up".into()], ..ok.clone() };
        assert!(parse_listing(&rules, &unknown, 2026).unwrap_err().has("weak.reason"));
        let far = WeakListingInput { year: 2030, ..ok };
        assert!(parse_listing(&rules, &far, 2026).unwrap_err().has("weak.year"));
    }

    #[test]
    fn the_reason_list_is_data() {
        let rules = WeakBranchRules { reasons: vec![cat("made_up", "本地情形")], ..Default::default() };
        let i = WeakListingInput { year: 2026, reasons: vec!["made_up".into()], note: String::new() };
        assert!(parse_listing(&rules, &i, 2026).is_ok());
        assert_eq!(rules.reason_label("made_up"), "本地情形");
    }

    #[test]
    fn the_default_measures_are_the_articles_five() {
        let labels: Vec<String> = WeakBranchRules::default().measures.into_iter().map(|c| c.label).collect();
        assert_eq!(labels, ["市县领导挂点", "乡镇（街道）领导包村", "机关部门结对帮扶", "派驻工作组", "第一书记"]);
    }

    #[test]
    fn a_measure_is_a_person_or_an_org_with_dates_in_order() {
        let rules = WeakBranchRules::default();
        let m = WeakMeasureInput {
            kind: "first_secretary".into(),
            person: "王某（区农业农村局）".into(),
            helper_org_id: None,
            from: "2026-03-01".into(),
            to: String::new(),
        };
        assert_eq!(parse_measure(&rules, &m).unwrap().to, None);
        let nobody = WeakMeasureInput { person: " ".into(), ..m.clone() };
        assert!(parse_measure(&rules, &nobody).unwrap_err().has("weak.measure_who"));
        let org = WeakMeasureInput { helper_org_id: Some(7), ..nobody };
        assert!(parse_measure(&rules, &org).is_ok());
        let backwards = WeakMeasureInput { to: "2026-02-01".into(), ..m.clone() };
        assert!(parse_measure(&rules, &backwards).unwrap_err().has("weak.date_order"));
        let kind = WeakMeasureInput { kind: "hug".into(), ..m };
        assert!(parse_measure(&rules, &kind).unwrap_err().has("weak.measure_kind"));
    }

    #[test]
    fn a_task_gets_the_default_deadline_and_no_past_or_far_one() {
        let rules = WeakBranchRules::default();
        let today = d("2026-07-01");
        let t = WeakTaskInput { title: "配齐村党组织书记".into(), deadline: String::new() };
        assert_eq!(parse_task(&rules, &t, today).unwrap().1, d("2026-09-29"));
        let past = WeakTaskInput { deadline: "2026-06-30".into(), ..t.clone() };
        assert!(parse_task(&rules, &past, today).unwrap_err().has("weak.deadline_past"));
        let far = WeakTaskInput { deadline: "2027-07-02".into(), ..t.clone() };
        assert!(parse_task(&rules, &far, today).unwrap_err().has("weak.deadline_far"));
        let untitled = WeakTaskInput { title: " ".into(), ..t };
        assert!(parse_task(&rules, &untitled, today).unwrap_err().has("text.required"));
    }

    #[test]
    fn a_task_is_submitted_with_evidence_from_open_or_returned() {
        assert_eq!(submit_task(WeakTaskState::Open, "已召开支部党员大会补选书记"), Ok(WeakTaskState::Submitted));
        assert_eq!(submit_task(WeakTaskState::Returned, "补充会议记录"), Ok(WeakTaskState::Submitted));
        assert!(submit_task(WeakTaskState::Open, " ").unwrap_err().has("text.required"));
        assert!(submit_task(WeakTaskState::Submitted, "x").unwrap_err().has("weak.submitted"));
        assert!(submit_task(WeakTaskState::Accepted, "x").unwrap_err().has("weak.accepted"));
    }

    #[test]
    fn the_submitter_cannot_accept() {
        let t = WeakTaskFacts { state: WeakTaskState::Submitted, submitted_by: Some(5) };
        assert!(decide_task(&t, true, 5, true, "").unwrap_err().has("weak.same_account"));
        assert_eq!(decide_task(&t, true, 6, true, ""), Ok(WeakTaskState::Accepted));
    }

    #[test]
    fn only_the_parent_accepts_a_task() {
        let t = WeakTaskFacts { state: WeakTaskState::Submitted, submitted_by: Some(5) };
        assert!(decide_task(&t, true, 6, false, "").unwrap_err().has("weak.parent_only"));
    }

    #[test]
    fn a_returned_task_needs_a_reason_and_goes_back_to_the_branch() {
        let t = WeakTaskFacts { state: WeakTaskState::Submitted, submitted_by: Some(5) };
        assert!(decide_task(&t, false, 6, true, "").unwrap_err().has("text.required"));
        assert_eq!(decide_task(&t, false, 6, true, "缺少会议记录"), Ok(WeakTaskState::Returned));
        let open = WeakTaskFacts { state: WeakTaskState::Open, submitted_by: None };
        assert!(decide_task(&open, true, 6, true, "").unwrap_err().has("weak.not_submitted"));
    }

    #[test]
    fn a_branch_leaves_the_list_only_after_acceptance() {
        use WeakTaskState::*;
        assert!(clear_branch(WeakState::Rectifying, &[], true).unwrap_err().has("weak.no_tasks"));
        assert!(clear_branch(WeakState::Rectifying, &[Accepted, Submitted], true).unwrap_err().has("weak.tasks_open"));
        assert!(clear_branch(WeakState::Rectifying, &[Accepted, Returned], true).unwrap_err().has("weak.tasks_open"));
        assert!(clear_branch(WeakState::Rectifying, &[Accepted, Accepted], false).unwrap_err().has("weak.parent_only"));
        assert_eq!(clear_branch(WeakState::Rectifying, &[Accepted, Accepted], true), Ok(WeakState::Cleared));
        assert!(clear_branch(WeakState::Cleared, &[Accepted], true).unwrap_err().has("weak.cleared"));
    }

    #[test]
    fn the_clear_rate_is_cleared_over_listed() {
        assert_eq!(clear_rate(3, 1).percent, Some(33.3));
        assert_eq!(clear_rate(4, 4).percent, Some(100.0));
        assert_eq!(clear_rate(0, 0).percent, None);
    }

    #[test]
    fn an_open_task_past_its_deadline_is_a_finding_of_the_branch() {
        let sev = SeverityPolicy::default();
        let t = |title: &str, deadline: &str, state| WeakTaskDue { title: title.into(), deadline: d(deadline), state };
        let tasks = vec![
            t("配齐书记", "2026-06-30", WeakTaskState::Open),
            t("规范三会一课", "2026-06-10", WeakTaskState::Returned),
            t("化解矛盾", "2026-06-15", WeakTaskState::Submitted),
            t("清理合同", "2026-05-31", WeakTaskState::Accepted),
        ];
        assert!(overdue_task_findings(&sev, 9, &tasks, d("2026-06-10")).is_empty(), "the deadline day itself is in time");
        let f = overdue_task_findings(&sev, 9, &tasks, d("2026-07-01"));
        assert_eq!(f.len(), 1, "one finding per month of deadlines");
        assert_eq!(
            (f[0].rule_code.as_str(), f[0].subject, f[0].period.key()),
            (WEAK_OVERDUE_CODE, Subject::Org(9), "2026-06".into())
        );
        assert!(f[0].evidence.contains("2项") && f[0].evidence.contains("配齐书记") && !f[0].evidence.contains("化解矛盾"));
    }
}
