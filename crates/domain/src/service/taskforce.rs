//! 大脚板走一线、小分队破难题 (`domain.md` §1 A26): 一个项目、一名领导、一个分队、一抓到底;
//! 市县乡三级联动. A project names the problem it cracks and its leading cadre, belongs to
//! a leading org, and has a task force of members from several orgs; its milestones have
//! deadlines; progress is reported with dates; it is closed with its results once every
//! milestone is done. A project is shown under every org involved (the leading org and
//! the orgs of its members). Overdue milestones are findings of the leading org. Pure.

use crate::kernel::error::{FieldError, Invalid, check_text};
use crate::kernel::finding::{Finding, Subject};
use crate::kernel::period::{Period, PeriodKind, zh_date};
use crate::kernel::rules::SeverityPolicy;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The numbers of task forces, a section of the versioned [`crate::kernel::rules::RuleSet`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskForceRules {
    /// The most members of one task force: 30 (a 小分队; a bound, not a regulation).
    pub max_members: u32,
    /// The most milestones of one project: 24.
    pub max_milestones: u32,
    /// Where the defaults come from.
    pub source: String,
}

impl Default for TaskForceRules {
    fn default() -> Self {
        Self {
            max_members: 30,
            max_milestones: 24,
            source: "宁波日报2017（domain.md §1 A26：一个项目、一名领导、一个分队、一抓到底；市县乡三级联动）；人数和节点数上限为系统约束".into(),
        }
    }
}

labelled_enum! {
    /// Where a project stands.
    pub enum TaskForceState {
        /// 攻坚中.
        Active = ("active", "攻坚中"),
        /// 已结项, with its results.
        Closed = ("closed", "已结项"),
    }
}

/// The longest text (problem, report, results), in characters.
pub const TASKFORCE_TEXT_MAX: usize = 2000;
/// The longest title or name, in characters.
pub const TASKFORCE_TITLE_MAX: usize = 100;

/// A project as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TaskForceInput {
    pub title: String,
    /// The problem to crack (难题).
    pub problem: String,
    /// The leading cadre (一名领导), by name and post.
    pub leader: String,
}

/// Reads a project: title, problem and leading cadre, all required.
pub fn parse_project(input: &TaskForceInput) -> Result<TaskForceInput, Invalid> {
    let mut inv = Invalid::default();
    check_text(&mut inv, "title", "项目名称", &input.title, TASKFORCE_TITLE_MAX, true);
    check_text(&mut inv, "problem", "要破解的难题", &input.problem, TASKFORCE_TEXT_MAX, true);
    check_text(&mut inv, "leader", "牵头领导", &input.leader, TASKFORCE_TITLE_MAX, true);
    if !inv.is_empty() {
        return Err(inv);
    }
    Ok(TaskForceInput {
        title: input.title.trim().into(),
        problem: input.problem.trim().into(),
        leader: input.leader.trim().into(),
    })
}

/// A member of the task force as typed: name, the org they come from, their role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TaskForceMemberInput {
    pub name: String,
    pub org_id: i64,
    /// e.g. 队长, 队员, 联络员.
    pub role: String,
}

/// Reads a member: a name, an org, a role (队员 when empty), within the size bound.
pub fn parse_member(rules: &TaskForceRules, input: &TaskForceMemberInput, current: u32) -> Result<(String, String), Invalid> {
    let mut inv = Invalid::default();
    check_text(&mut inv, "name", "队员姓名", &input.name, TASKFORCE_TITLE_MAX, true);
    check_text(&mut inv, "role", "分工", &input.role, TASKFORCE_TITLE_MAX, false);
    if input.org_id <= 0 {
        inv.push(FieldError::new("org_id", "taskforce.org", "请选择队员所在的党组织"));
    }
    if current >= rules.max_members {
        inv.push(FieldError::new("name", "taskforce.too_many", format!("一个分队最多{}人", rules.max_members)));
    }
    if !inv.is_empty() {
        return Err(inv);
    }
    let role = if input.role.trim().is_empty() { "队员".to_string() } else { input.role.trim().to_string() };
    Ok((input.name.trim().to_string(), role))
}

/// A milestone as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TaskForceMilestoneInput {
    pub title: String,
    /// `YYYY-MM-DD`.
    pub due_on: String,
}

/// Reads a milestone: a title and a deadline (not in the past), within the bound.
pub fn parse_milestone(
    rules: &TaskForceRules,
    input: &TaskForceMilestoneInput,
    current: u32,
    today: NaiveDate,
) -> Result<(String, NaiveDate), Invalid> {
    let mut inv = Invalid::default();
    check_text(&mut inv, "title", "节点内容", &input.title, TASKFORCE_TITLE_MAX, true);
    let due = crate::kernel::time::parse_iso_date(&input.due_on);
    match due {
        None => inv.push(FieldError::new("due_on", "date.format", "请填写完成期限，格式如 2026-09-30")),
        Some(d) if d < today => inv.push(FieldError::new("due_on", "taskforce.past", "完成期限不能早于今天")),
        _ => {}
    }
    if current >= rules.max_milestones {
        inv.push(FieldError::new(
            "title",
            "taskforce.too_many_milestones",
            format!("一个项目最多{}个节点", rules.max_milestones),
        ));
    }
    match due {
        Some(d) if inv.is_empty() => Ok((input.title.trim().to_string(), d)),
        _ => Err(inv),
    }
}

/// A dated entry (progress report, a milestone done, the closure's results).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TaskForceEntryInput {
    /// `YYYY-MM-DD`.
    pub on: String,
    pub text: String,
}

/// Reads a dated entry: a day not in the future, a text.
pub fn parse_entry(input: &TaskForceEntryInput, label: &str, today: NaiveDate) -> Result<(NaiveDate, String), Invalid> {
    let mut inv = Invalid::default();
    let on = crate::kernel::time::parse_iso_date(&input.on);
    match on {
        None => inv.push(FieldError::new("on", "date.format", "请填写日期，格式如 2026-07-01")),
        Some(d) if d > today => inv.push(FieldError::new("on", "date.future", "日期不能晚于今天")),
        _ => {}
    }
    check_text(&mut inv, "text", label, &input.text, TASKFORCE_TEXT_MAX, true);
    match on {
        Some(on) if inv.is_empty() => Ok((on, input.text.trim().to_string())),
        _ => Err(inv),
    }
}

/// Changes (members, milestones, reports) only while the project is active.
pub fn ensure_active(state: TaskForceState) -> Result<(), Invalid> {
    match state {
        TaskForceState::Active => Ok(()),
        TaskForceState::Closed => Err(Invalid::one("state", "taskforce.closed", "该项目已结项")),
    }
}

/// A milestone is done once.
pub fn complete_milestone(state: TaskForceState, done_on: Option<NaiveDate>) -> Result<(), Invalid> {
    ensure_active(state)?;
    match done_on {
        Some(d) => Err(Invalid::one("state", "taskforce.done", format!("该节点已于{}完成", zh_date(d)))),
        None => Ok(()),
    }
}

/// Closing (一抓到底): only an active project with at least one milestone, every one done.
pub fn close_project(state: TaskForceState, milestones_done: &[bool]) -> Result<TaskForceState, Invalid> {
    ensure_active(state)?;
    if milestones_done.is_empty() {
        return Err(Invalid::one("state", "taskforce.no_milestones", "请先设定攻坚节点，完成后方可结项"));
    }
    let left = milestones_done.iter().filter(|d| !**d).count();
    if left > 0 {
        return Err(Invalid::one("state", "taskforce.open_milestones", format!("还有{left}个节点未完成，全部完成后方可结项")));
    }
    Ok(TaskForceState::Closed)
}

/// The rule code of overdue milestones.
pub const TASKFORCE_OVERDUE_CODE: &str = "service.taskforce_overdue";
pub const TASKFORCE_OVERDUE_TITLE: &str = "攻坚项目节点逾期未完成";
/// The prefix of every task-force finding's code.
pub const TASKFORCE_PREFIX: &str = "service.taskforce_";
pub const TASKFORCE_RULE_VERSION: u32 = 1;

/// A milestone as the rules engine reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskForceDue {
    pub project: String,
    pub title: String,
    pub due_on: NaiveDate,
    pub done: bool,
}

/// Milestones of active projects past their deadline (from the day after it) and not
/// done: one finding of the leading org per month of deadlines, naming each.
pub fn overdue_milestone_findings(
    severity: &SeverityPolicy,
    org_id: i64,
    milestones: &[TaskForceDue],
    as_of: NaiveDate,
) -> Vec<Finding> {
    let mut by_month: BTreeMap<String, (Period, Vec<&TaskForceDue>)> = BTreeMap::new();
    for m in milestones.iter().filter(|m| !m.done && as_of > m.due_on) {
        let p = Period::containing(PeriodKind::Month, m.due_on);
        by_month.entry(p.key()).or_insert_with(|| (p, Vec::new())).1.push(m);
    }
    by_month
        .into_values()
        .map(|(period, ms)| {
            let names: Vec<String> =
                ms.iter().map(|m| format!("“{}”的“{}”（{}到期）", m.project, m.title, zh_date(m.due_on))).collect();
            Finding {
                rule_code: TASKFORCE_OVERDUE_CODE.into(),
                rule_version: TASKFORCE_RULE_VERSION,
                subject: Subject::Org(org_id),
                period,
                severity: severity.closed_unmet,
                evidence: format!("攻坚项目节点逾期未完成{}个：{}", ms.len(), names.join("；")),
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
    fn a_project_has_a_problem_and_a_leading_cadre() {
        let ok = TaskForceInput {
            title: "老旧小区加装电梯".into(), problem: "协调难".into(), leader: "张某（副区长）".into()
        };
        assert!(parse_project(&ok).is_ok());
        let no_leader = TaskForceInput { leader: " ".into(), ..ok.clone() };
        assert!(parse_project(&no_leader).unwrap_err().has("text.required"));
        let no_problem = TaskForceInput { problem: String::new(), ..ok };
        assert!(parse_project(&no_problem).unwrap_err().has("text.required"));
    }

    #[test]
    fn a_member_comes_from_an_org_and_the_team_is_bounded() {
        let rules = TaskForceRules::default();
        let m = TaskForceMemberInput { name: "李某".into(), org_id: 3, role: String::new() };
        assert_eq!(parse_member(&rules, &m, 0).unwrap().1, "队员");
        assert!(parse_member(&rules, &TaskForceMemberInput { org_id: 0, ..m.clone() }, 0).unwrap_err().has("taskforce.org"));
        assert!(parse_member(&rules, &m, rules.max_members).unwrap_err().has("taskforce.too_many"));
    }

    #[test]
    fn a_milestone_has_a_deadline_not_in_the_past() {
        let rules = TaskForceRules::default();
        let today = d("2026-07-01");
        let m = TaskForceMilestoneInput { title: "完成入户调查".into(), due_on: "2026-07-01".into() };
        assert_eq!(parse_milestone(&rules, &m, 0, today).unwrap().1, today);
        let past = TaskForceMilestoneInput { due_on: "2026-06-30".into(), ..m.clone() };
        assert!(parse_milestone(&rules, &past, 0, today).unwrap_err().has("taskforce.past"));
        assert!(parse_milestone(&rules, &m, 24, today).unwrap_err().has("taskforce.too_many_milestones"));
    }

    #[test]
    fn a_report_is_dated_not_in_the_future() {
        let today = d("2026-07-01");
        let e = TaskForceEntryInput { on: "2026-07-02".into(), text: "召开协调会".into() };
        assert!(parse_entry(&e, "进展情况", today).unwrap_err().has("date.future"));
        assert!(parse_entry(&TaskForceEntryInput { on: "2026-07-01".into(), ..e }, "进展情况", today).is_ok());
    }

    #[test]
    fn a_milestone_is_completed_once() {
        assert!(complete_milestone(TaskForceState::Active, None).is_ok());
        assert!(complete_milestone(TaskForceState::Active, Some(d("2026-07-01"))).unwrap_err().has("taskforce.done"));
        assert!(complete_milestone(TaskForceState::Closed, None).unwrap_err().has("taskforce.closed"));
    }

    #[test]
    fn a_project_closes_only_when_every_milestone_is_done() {
        assert!(close_project(TaskForceState::Active, &[]).unwrap_err().has("taskforce.no_milestones"));
        assert!(close_project(TaskForceState::Active, &[true, false]).unwrap_err().has("taskforce.open_milestones"));
        assert_eq!(close_project(TaskForceState::Active, &[true, true]), Ok(TaskForceState::Closed));
        assert!(close_project(TaskForceState::Closed, &[true]).unwrap_err().has("taskforce.closed"));
    }

    #[test]
    fn an_overdue_milestone_is_a_finding_of_the_leading_org() {
        let sev = SeverityPolicy::default();
        let m =
            |title: &str, due: &str, done| TaskForceDue {
                project: "加装电梯".into(), title: title.into(), due_on: d(due), done
            };
        let ms = vec![m("入户调查", "2026-06-30", false), m("方案公示", "2026-06-20", true), m("开工", "2026-08-01", false)];
        assert!(overdue_milestone_findings(&sev, 4, &ms, d("2026-06-30")).is_empty(), "the due day is in time");
        let f = overdue_milestone_findings(&sev, 4, &ms, d("2026-07-01"));
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].rule_code.as_str(), f[0].subject, f[0].period.key()),
            (TASKFORCE_OVERDUE_CODE, Subject::Org(4), "2026-06".into())
        );
        assert!(f[0].evidence.contains("入户调查") && !f[0].evidence.contains("方案公示"));
        assert_eq!(overdue_milestone_findings(&sev, 4, &ms, d("2026-08-02")).len(), 2, "one per month of deadlines");
    }
}
