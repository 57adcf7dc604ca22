//! 发展党员 (developing new members): the 5 stages and 25 steps of the
//! 《中国共产党发展党员工作细则》(2014) as a step table in the rule set, and the rules a
//! step's completion must meet — its order, its minimum interval, its documents, its
//! vote, its approver, the 入党介绍人, the 集中培训, the 公示 and the age — with the
//! 预备期 (extension once, 6–12 months) and the findings of steps overdue and 预备期
//! ending without a 转正 application (`domain.md` §4.9, §4.1). Pure: the store keeps
//! the files (`vanguard_store::affairs::recruit`).

use crate::kernel::error::{FieldError, Invalid, check_text};
use crate::kernel::finding::{Finding, Severity, Subject};
use crate::kernel::period::{Period, PeriodKind};
use crate::kernel::time::{date_text, parse_iso_date};
use crate::member::idcard::IdNumber;
use crate::member::{Category, Education, Ethnicity, Gender};
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

labelled_enum! {
    /// The 5 stages (阶段).
    pub enum RecruitStage {
        Applicant = ("applicant", "入党申请人"),
        Activist = ("activist", "入党积极分子"),
        Candidate = ("candidate", "发展对象"),
        Admission = ("admission", "预备党员的接收"),
        Probation = ("probation", "预备党员的教育考察和转正"),
    }
}

labelled_enum! {
    /// Who completes a step.
    pub enum StepActor {
        /// The applicant (the application, the 志愿书, the 转正申请).
        Applicant = ("applicant", "申请人"),
        /// The 党支部 (its secretary or committee members).
        Branch = ("branch", "党支部"),
        /// The 支部委员会.
        Committee = ("committee", "支部委员会"),
        /// The 支部党员大会, by a vote recorded in its meeting.
        Assembly = ("assembly", "支部党员大会"),
        /// The 上级党委 (an account reaching strictly above the branch).
        Parent = ("parent", "上级党委"),
    }
}

labelled_enum! {
    /// Where a file stands.
    pub enum FileState {
        /// In progress.
        Active = ("active", "进行中"),
        /// 转正 approved and filed: the 25 steps are done.
        Completed = ("completed", "已转正"),
        /// 取消预备党员资格.
        Cancelled = ("cancelled", "已取消预备党员资格"),
        /// The applicant withdrew or the branch stopped the file (no longer developed).
        Stopped = ("stopped", "已终止"),
    }
}

labelled_enum! {
    /// What a 支部党员大会 decision about a person decides, for the applicant's file.
    pub enum PersonDecision {
        /// 接收预备党员 (step 15).
        Admit = ("admit", "接收预备党员"),
        /// 预备党员转正 (step 23).
        Confirm = ("confirm", "预备党员转正"),
        /// 延长预备期.
        Extend = ("extend", "延长预备期"),
        /// 取消预备党员资格.
        Cancel = ("cancel", "取消预备党员资格"),
    }
}

/// One of the 25 steps, as configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StepRule {
    /// 1–25.
    pub no: u8,
    pub stage: RecruitStage,
    pub name: String,
    pub actor: StepActor,
    /// Documents that must accompany the step (by name).
    pub documents: Vec<String>,
    /// The step whose date the interval and the deadline count from; 0 for the previous one.
    pub after: u8,
    /// The fewest days after that step's date.
    pub min_days: u32,
    /// The most days after that step's date; later the step is overdue.
    pub deadline_days: Option<u32>,
    /// A 公示 of [`RecruitRules::publicity_days`] must have ended by the step's date.
    pub publicity: bool,
    /// Where the numbers come from.
    pub source: String,
}

impl Default for StepRule {
    fn default() -> Self {
        StepRule {
            no: 0,
            stage: RecruitStage::Applicant,
            name: String::new(),
            actor: StepActor::Branch,
            documents: Vec::new(),
            after: 0,
            min_days: 0,
            deadline_days: None,
            publicity: false,
            source: String::new(),
        }
    }
}

/// The step numbers the program attaches checks to (the table configures the rest).
pub const STEP_APPLY: u8 = 1;
pub const STEP_INTRODUCERS: u8 = 9;
pub const STEP_TRAINING: u8 = 11;
pub const STEP_ADMIT_VOTE: u8 = 15;
pub const STEP_ADMIT_APPROVAL: u8 = 17;
pub const STEP_CONFIRM_APPLY: u8 = 22;
pub const STEP_CONFIRM_VOTE: u8 = 23;
pub const STEP_CONFIRM_APPROVAL: u8 = 24;
/// The number of steps.
pub const STEPS: u8 = 25;

/// The numbers of 发展党员 (`domain.md` §4.9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecruitRules {
    /// The 25 steps.
    pub steps: Vec<StepRule>,
    /// The youngest age at the application: 18 (细则 第九条).
    pub min_age_years: u32,
    /// 公示 days: 5 (local practice 5–7 days).
    pub publicity_days: u32,
    /// 集中培训 of 发展对象: at least 3 days …
    pub training_min_days: u32,
    /// … or at least 24 学时.
    pub training_min_hours: u32,
    /// 入党介绍人: 2 正式党员 (党章第五条).
    pub introducers: usize,
    /// 预备期: 12 months from the 支部大会 (党章第七条).
    pub probation_months: u32,
    /// An extension: once, at least 6 …
    pub extension_min_months: u32,
    /// … at most 12 months (细则 第三十二条).
    pub extension_max_months: u32,
    /// Warn this many days before the 预备期 ends without a 转正 application: 30.
    pub confirm_notice_days: u32,
}

fn step(
    no: u8,
    stage: RecruitStage,
    name: &str,
    actor: StepActor,
    documents: &[&str],
    (after, min_days, deadline_days): (u8, u32, Option<u32>),
    source: &str,
) -> StepRule {
    StepRule {
        no,
        stage,
        name: name.into(),
        actor,
        documents: documents.iter().map(|d| d.to_string()).collect(),
        after,
        min_days,
        deadline_days,
        publicity: false,
        source: source.into(),
    }
}

const SRC: &str = "《中国共产党发展党员工作细则》(2014)";

impl Default for RecruitRules {
    fn default() -> Self {
        use RecruitStage::{Activist, Admission, Candidate, Probation};
        use StepActor::{Assembly, Branch, Committee, Parent};
        let none = (0, 0, None);
        let mut steps = vec![
            step(
                1,
                RecruitStage::Applicant,
                "递交入党申请书",
                StepActor::Applicant,
                &["入党申请书"],
                none,
                "细则第九条：年满18岁",
            ),
            step(
                2,
                RecruitStage::Applicant,
                "党组织派人谈话",
                Branch,
                &["谈话记录"],
                (1, 0, Some(30)),
                "细则第十条：收到入党申请书后一个月内派人谈话",
            ),
            step(3, Activist, "推荐和确定入党积极分子", Committee, &["推荐材料", "支委会会议记录"], none, SRC),
            step(4, Activist, "上级党委备案", Parent, &["入党积极分子备案表"], none, SRC),
            step(5, Activist, "指定培养联系人", Branch, &[], none, "细则第十三条：1至2名正式党员"),
            step(6, Activist, "培养教育考察", Branch, &["培养考察登记表"], none, SRC),
            step(
                7,
                Candidate,
                "确定发展对象",
                Committee,
                &["支委会会议记录"],
                (3, 365, None),
                "细则第十五条：经过一年以上培养教育和考察",
            ),
            step(8, Candidate, "报上级党委备案", Parent, &["发展对象备案表"], none, SRC),
            step(9, Candidate, "确定入党介绍人", Branch, &[], none, "党章第五条：两名正式党员作介绍人"),
            step(10, Candidate, "进行政治审查", Branch, &["政治审查报告"], none, SRC),
            step(11, Candidate, "开展集中培训", Parent, &["培训结业证书"], none, "细则第十八条：不少于3天（或不少于24学时）"),
            step(12, Admission, "支部委员会审查", Committee, &["支委会会议记录"], none, SRC),
            step(13, Admission, "上级党委预审", Parent, &["预审意见"], none, "细则第二十条：审查合格的，在一定范围内公示"),
            step(14, Admission, "填写入党志愿书", StepActor::Applicant, &["入党志愿书"], none, SRC),
            step(15, Admission, "支部大会讨论", Assembly, &["支部大会会议记录"], none, "党章第七条；支部工作条例第十一条"),
            step(16, Admission, "上级党委派人谈话", Parent, &["谈话记录"], none, "党章第五条"),
            step(17, Admission, "上级党委审批", Parent, &["审批意见"], (15, 0, Some(90)), "细则第二十五条：三个月内审批"),
            step(18, Admission, "再上一级党委组织部门备案", Parent, &["备案表"], none, SRC),
            step(19, Probation, "编入党支部和党小组", Branch, &[], none, SRC),
            step(20, Probation, "入党宣誓", Branch, &[], none, SRC),
            step(21, Probation, "继续教育考察", Branch, &["考察记录"], none, SRC),
            step(22, Probation, "提出转正申请", StepActor::Applicant, &["转正申请书"], none, "预备期满前一个月左右提出"),
            step(23, Probation, "支部大会讨论", Assembly, &["支部大会会议记录"], none, "党章第七条：预备期满及时讨论"),
            step(24, Probation, "上级党委审批", Parent, &["审批意见"], (23, 0, Some(90)), "细则第三十三条：三个月内审批"),
            step(25, Probation, "材料归档", Branch, &[], none, SRC),
        ];
        for s in &mut steps {
            if s.no == 13 || s.no == STEP_CONFIRM_APPLY {
                s.publicity = true;
            }
        }
        RecruitRules {
            steps,
            min_age_years: 18,
            publicity_days: 5,
            training_min_days: 3,
            training_min_hours: 24,
            introducers: 2,
            probation_months: 12,
            extension_min_months: 6,
            extension_max_months: 12,
            confirm_notice_days: 30,
        }
    }
}

impl RecruitRules {
    /// A step of the table.
    pub fn step(&self, no: u8) -> Option<&StepRule> {
        self.steps.iter().find(|s| s.no == no)
    }
}

/// A step already done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepDone {
    pub no: u8,
    pub on: NaiveDate,
    /// The account that completed it (0: the system, e.g. a meeting's vote).
    pub by: i64,
}

/// What a file knows, for the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFacts {
    pub birth_date: NaiveDate,
    /// The steps done, in order.
    pub done: Vec<StepDone>,
    /// Months the 预备期 was extended (0: not extended).
    pub extension_months: u32,
}

impl FileFacts {
    /// The date of a step done.
    pub fn on(&self, no: u8) -> Option<NaiveDate> {
        self.done.iter().find(|d| d.no == no).map(|d| d.on)
    }
    /// The next step to do (None when all 25 are done).
    pub fn next(&self) -> Option<u8> {
        let n = self.done.len() as u8 + 1;
        (n <= STEPS).then_some(n)
    }
    /// The day the 预备期 ends: 1 year (plus any extension) from the 支部大会 (step 15).
    pub fn probation_end(&self, rules: &RecruitRules) -> Option<NaiveDate> {
        let admitted = self.on(STEP_ADMIT_VOTE)?;
        admitted.checked_add_months(Months::new(rules.probation_months + self.extension_months))
    }
}

/// A step's completion as asked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Completion {
    pub no: u8,
    pub on: Option<NaiveDate>,
    /// Names of the documents handed in.
    pub documents: Vec<String>,
    /// The first day of the 公示, for a step with one.
    pub publicity_from: Option<NaiveDate>,
    /// 集中培训: days and 学时.
    pub training_days: u32,
    pub training_hours: u32,
    /// The categories of the chosen 入党介绍人 (None: a person who is not in the archive).
    pub introducers: Vec<Option<Category>>,
    /// Whether the completion comes from a passed 支部大会 vote.
    pub by_vote: bool,
    /// The account completing it.
    pub by: i64,
}

/// A new applicant's file as typed: the branch, the person, and the application (step 1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ApplicantInput {
    pub org_id: i64,
    pub name: String,
    /// 公民身份号码: birth date and gender come from it.
    pub id_number: String,
    pub ethnicity: String,
    pub education: String,
    pub work_unit: String,
    /// The day the 入党申请书 was handed in (`YYYY-MM-DD`; empty: today).
    pub applied_on: String,
    /// Documents handed in with it (the 入党申请书).
    pub documents: Vec<String>,
}

/// A checked applicant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    pub name: String,
    pub id_number: IdNumber,
    pub birth_date: NaiveDate,
    pub gender: Gender,
    pub ethnicity: Ethnicity,
    pub education: Option<Education>,
    pub work_unit: String,
    pub applied_on: Option<NaiveDate>,
    pub documents: Vec<String>,
}

/// The longest name, work unit or note, in characters.
pub const RECRUIT_TEXT_MAX: usize = 100;

/// Reads a new applicant (the age and the documents are step 1's checks).
pub fn parse_applicant(input: &ApplicantInput) -> Result<Applicant, Invalid> {
    let mut inv = Invalid::default();
    check_text(&mut inv, "name", "姓名", &input.name, 50, true);
    check_text(&mut inv, "work_unit", "工作单位", &input.work_unit, RECRUIT_TEXT_MAX, false);
    let id = IdNumber::parse(&input.id_number).map_err(|e| FieldError::new("id_number", e.code(), e.message()));
    let birth = id.as_ref().ok().and_then(IdNumber::birth_date);
    let ethnicity = if input.ethnicity.trim().is_empty() { Some(Ethnicity::HAN) } else { Ethnicity::parse(&input.ethnicity) };
    if ethnicity.is_none() {
        inv.push(FieldError::new("ethnicity", "ethnicity.unknown", "民族应为56个民族之一，如“汉族”"));
    }
    let education = if input.education.trim().is_empty() { None } else { Education::parse(&input.education) };
    if !input.education.trim().is_empty() && education.is_none() {
        inv.push(FieldError::new("education", "education.unknown", "学历不在可选范围内，请从列表中选择"));
    }
    let applied_on = opt_date(&mut inv, "applied_on", &input.applied_on);
    let id = match id {
        Ok(id) => Some(id),
        Err(e) => {
            inv.push(e);
            None
        }
    };
    match (id, birth, ethnicity) {
        (Some(id_number), Some(birth_date), Some(ethnicity)) if inv.is_empty() => Ok(Applicant {
            name: input.name.trim().to_string(),
            gender: id_number.gender(),
            id_number,
            birth_date,
            ethnicity,
            education,
            work_unit: input.work_unit.trim().to_string(),
            applied_on,
            documents: input.documents.iter().map(|d| d.trim().to_string()).filter(|d| !d.is_empty()).collect(),
        }),
        _ => Err(inv),
    }
}

/// A step's completion as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct StepInput {
    /// The day it was done (`YYYY-MM-DD`; empty: today).
    pub on: String,
    /// Names of the documents handed in.
    pub documents: Vec<String>,
    /// The first day of the 公示 (steps with one).
    pub publicity_from: String,
    pub training_days: u32,
    pub training_hours: u32,
    /// 入党介绍人 (step 9): member ids.
    pub introducer_ids: Vec<i64>,
    pub note: String,
}

/// Reads a step's dates and note into a [`Completion`] (the store adds the introducers'
/// categories and the account).
pub fn parse_step(no: u8, input: &StepInput) -> Result<(Completion, String), Invalid> {
    let mut inv = Invalid::default();
    let on = opt_date(&mut inv, "on", &input.on);
    let publicity_from = opt_date(&mut inv, "publicity_from", &input.publicity_from);
    check_text(&mut inv, "note", "备注", &input.note, 500, false);
    let c = Completion {
        no,
        on,
        documents: input.documents.iter().map(|d| d.trim().to_string()).filter(|d| !d.is_empty()).collect(),
        publicity_from,
        training_days: input.training_days,
        training_hours: input.training_hours,
        introducers: Vec::new(),
        by_vote: false,
        by: 0,
    };
    inv.into_result((c, input.note.trim().to_string()))
}

fn opt_date(inv: &mut Invalid, field: &'static str, text: &str) -> Option<NaiveDate> {
    if text.trim().is_empty() {
        return None;
    }
    let d = parse_iso_date(text.trim());
    if d.is_none() {
        inv.push(FieldError::new(field, "date.format", "日期格式应为 YYYY-MM-DD"));
    }
    d
}

/// Full years of age on a day.
pub fn age_on(birth: NaiveDate, day: NaiveDate) -> u32 {
    let mut years = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

/// The earliest day a step may be done, and why (from which step, how many days).
pub fn earliest(rules: &RecruitRules, facts: &FileFacts, no: u8) -> Option<(NaiveDate, String)> {
    if no == STEP_CONFIRM_VOTE {
        let end = facts.probation_end(rules)?;
        return Some((end, format!("预备期满（{}）", date_text(end))));
    }
    let rule = rules.step(no)?;
    let from = if rule.after == 0 { no.checked_sub(1)? } else { rule.after };
    let base = facts.on(from)?;
    let day = base.checked_add_days(chrono::Days::new(u64::from(rule.min_days)))?;
    let why =
        if rule.min_days > 0 { format!("距第{from}步须满{}天", rule.min_days) } else { format!("不早于第{from}步") };
    Some((day, why))
}

/// The last day a step may be done before it is overdue, if it has a deadline.
pub fn deadline(rules: &RecruitRules, facts: &FileFacts, no: u8) -> Option<NaiveDate> {
    if no == STEP_CONFIRM_APPLY {
        return facts.probation_end(rules);
    }
    let rule = rules.step(no)?;
    let days = rule.deadline_days?;
    let from = if rule.after == 0 { no.checked_sub(1)? } else { rule.after };
    facts.on(from)?.checked_add_days(chrono::Days::new(u64::from(days)))
}

/// Checks a step's completion against the table; returns its date. `today` bounds the
/// date from above.
pub fn check_completion(rules: &RecruitRules, facts: &FileFacts, c: &Completion, today: NaiveDate) -> Result<NaiveDate, Invalid> {
    let Some(rule) = rules.step(c.no) else {
        return Err(Invalid::one("step", "recruit.unknown_step", format!("没有第{}步", c.no)));
    };
    match facts.next() {
        Some(n) if n == c.no => {}
        Some(n) => {
            let name = rules.step(n).map(|s| s.name.as_str()).unwrap_or("");
            return Err(Invalid::one(
                "step",
                "recruit.out_of_order",
                format!("当前应办理第{n}步“{name}”，不能办理第{}步“{}”", c.no, rule.name),
            ));
        }
        None => return Err(Invalid::one("step", "recruit.finished", "25个步骤已全部完成")),
    }
    let on = c.on.unwrap_or(today);
    let mut inv = Invalid::default();
    if on > today {
        inv.push(FieldError::new("on", "recruit.future", "办理日期不能晚于今天"));
    }
    if rule.actor == StepActor::Assembly && !c.by_vote {
        return Err(Invalid::one(
            "step",
            "recruit.needs_vote",
            format!(
                "第{}步“{}”由支部党员大会表决：请在支部党员大会的会议记录中录入表决（注明表决对象），表决通过后自动完成此步",
                rule.no, rule.name
            ),
        ));
    }
    if let Some(prev) = facts.done.last()
        && on < prev.on
    {
        inv.push(FieldError::new("on", "recruit.before_previous", format!("办理日期不能早于上一步（{}）", date_text(prev.on))));
    }
    if let Some((day, why)) = earliest(rules, facts, c.no)
        && on < day
    {
        inv.push(FieldError::new(
            "on",
            "recruit.too_early",
            format!("第{}步“{}”最早可在{}办理（{why}），还差{}天", rule.no, rule.name, date_text(day), (day - on).num_days()),
        ));
    }
    let missing: Vec<&str> =
        rule.documents.iter().filter(|d| !c.documents.iter().any(|h| h.trim() == d.as_str())).map(String::as_str).collect();
    if !missing.is_empty() {
        inv.push(FieldError::new("documents", "recruit.documents", format!("缺少材料：{}，请补齐后再办理", missing.join("、"))));
    }
    // The proposer: the last step not the parent's own (the branch's, or the vote's recorder).
    let proposer = facts.done.iter().rev().find(|d| rules.step(d.no).is_none_or(|s| s.actor != StepActor::Parent));
    if rule.actor == StepActor::Parent
        && let Some(prev) = proposer
        && prev.by != 0
        && prev.by == c.by
    {
        inv.push(FieldError::new(
            "step",
            "recruit.same_account",
            "上级党委办理的步骤须由另一账号办理，不能由提出该事项（办理支部步骤或录入表决）的同一账号完成",
        ));
    }
    if rule.publicity {
        match c.publicity_from {
            None => inv.push(FieldError::new("publicity_from", "recruit.publicity", "请填写公示开始日期")),
            Some(from) => {
                let ends = from + chrono::Days::new(u64::from(rules.publicity_days));
                if on < ends {
                    inv.push(FieldError::new(
                        "publicity_from",
                        "recruit.publicity",
                        format!("公示须满{}天，{}后才能办理", rules.publicity_days, date_text(ends)),
                    ));
                }
            }
        }
    }
    match c.no {
        STEP_APPLY => {
            let age = age_on(facts.birth_date, on);
            if age < rules.min_age_years {
                inv.push(FieldError::new(
                    "birth_date",
                    "recruit.too_young",
                    format!("申请入党须年满{}周岁，申请人在{}时为{age}周岁", rules.min_age_years, date_text(on)),
                ));
            }
        }
        STEP_INTRODUCERS => {
            if c.introducers.len() != rules.introducers {
                inv.push(FieldError::new(
                    "introducers",
                    "recruit.introducers_count",
                    format!("请确定{}名入党介绍人（现为{}名）", rules.introducers, c.introducers.len()),
                ));
            } else if c.introducers.iter().any(|k| *k != Some(Category::Formal)) {
                inv.push(FieldError::new(
                    "introducers",
                    "recruit.introducer_not_formal",
                    "入党介绍人须为本组织的正式党员，预备党员或非党员不能作介绍人",
                ));
            }
        }
        STEP_TRAINING if c.training_days < rules.training_min_days && c.training_hours < rules.training_min_hours => {
            inv.push(FieldError::new(
                "training",
                "recruit.training_short",
                format!(
                    "集中培训须不少于{}天或{}学时（现为{}天、{}学时）",
                    rules.training_min_days, rules.training_min_hours, c.training_days, c.training_hours
                ),
            ));
        }
        _ => {}
    }
    inv.into_result(on)
}

/// Checks an extension of the 预备期: once only, 6–12 months, while on probation and
/// before 转正.
pub fn check_extension(rules: &RecruitRules, facts: &FileFacts, months: u32) -> Result<(), Invalid> {
    if facts.on(STEP_ADMIT_APPROVAL).is_none() {
        return Err(Invalid::one("months", "recruit.not_probationary", "尚未批准为预备党员，不能延长预备期"));
    }
    if facts.on(STEP_CONFIRM_APPROVAL).is_some() {
        return Err(Invalid::one("months", "recruit.confirmed", "已批准转正，不能再延长预备期"));
    }
    if facts.extension_months > 0 {
        return Err(Invalid::one("months", "recruit.extended_once", "预备期只能延长一次，该预备党员已延长过"));
    }
    if months < rules.extension_min_months || months > rules.extension_max_months {
        return Err(Invalid::one(
            "months",
            "recruit.extension_months",
            format!("延长预备期须不少于{}个月、不超过{}个月", rules.extension_min_months, rules.extension_max_months),
        ));
    }
    Ok(())
}

/// The rule code of steps overdue (subject: the branch).
pub const OVERDUE_CODE: &str = "affairs.recruit_overdue";
pub const OVERDUE_TITLE: &str = "发展党员步骤超期";
/// The rule code of a 预备期 ending without a 转正 application (subject: the member).
pub const PROBATION_CODE: &str = "affairs.recruit_probation";
pub const PROBATION_TITLE: &str = "预备期将满未提出转正申请";
/// The common prefix of the two.
pub const RULE_PREFIX: &str = "affairs.recruit";
pub const RECRUIT_RULE_VERSION: u32 = 1;

/// A file as the engine sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCheck {
    pub name: String,
    pub branch_id: i64,
    /// The 预备党员's member record, once created.
    pub member_id: Option<i64>,
    pub facts: FileFacts,
}

/// The step overdue, if any: the next step and the day it was due.
pub fn overdue(rules: &RecruitRules, facts: &FileFacts, today: NaiveDate) -> Option<(u8, NaiveDate)> {
    let next = facts.next()?;
    let due = deadline(rules, facts, next)?;
    (today > due).then_some((next, due))
}

/// Findings of one branch's active files as of `today`: one per branch and month of the
/// due day listing the applicants with a step overdue, and one per 预备党员 whose 预备期
/// ends within [`RecruitRules::confirm_notice_days`] (or has ended) with no 转正
/// application.
pub fn recruit_findings(rules: &RecruitRules, severity: Severity, files: &[FileCheck], today: NaiveDate) -> Vec<Finding> {
    let mut by_month: std::collections::BTreeMap<(i64, NaiveDate), Vec<String>> = Default::default();
    let mut out = Vec::new();
    for f in files {
        if let Some((no, due)) = overdue(rules, &f.facts, today)
            && no != STEP_CONFIRM_APPLY
        {
            let name = rules.step(no).map(|s| s.name.as_str()).unwrap_or("");
            let month = NaiveDate::from_ymd_opt(due.year(), due.month(), 1).unwrap_or(due);
            by_month.entry((f.branch_id, month)).or_default().push(format!(
                "{}：第{no}步“{name}”应于{}前完成",
                f.name,
                date_text(due)
            ));
        }
        if f.facts.next() == Some(STEP_CONFIRM_APPLY)
            && let (Some(end), Some(member)) = (f.facts.probation_end(rules), f.member_id)
            && (end - today).num_days() <= i64::from(rules.confirm_notice_days)
        {
            let start = NaiveDate::from_ymd_opt(end.year(), end.month(), 1).unwrap_or(end);
            out.push(Finding {
                rule_code: PROBATION_CODE.into(),
                rule_version: RECRUIT_RULE_VERSION,
                subject: Subject::Member(member),
                period: month_period(start),
                severity,
                evidence: format!("{}的预备期于{}期满，尚未提出转正申请", f.name, date_text(end)),
            });
        }
    }
    for ((branch, month), lines) in by_month {
        out.push(Finding {
            rule_code: OVERDUE_CODE.into(),
            rule_version: RECRUIT_RULE_VERSION,
            subject: Subject::Org(branch),
            period: month_period(month),
            severity,
            evidence: lines.join("；"),
        });
    }
    out
}

fn month_period(start: NaiveDate) -> Period {
    let end = start.checked_add_months(Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(start);
    Period { kind: PeriodKind::Month, start, end }
}

#[cfg(test)]
#[path = "recruit_tests.rs"]
mod tests;
