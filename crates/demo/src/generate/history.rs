//! A year of organizational life (组织生活) for the demo tree: the meetings each branch,
//! 党小组 and 党委 held, who attended them, and the branches' yearly plans of
//! 固定组织生活日 — plausible and varied, so the rules engine and the cockpit have
//! something real to judge: most branches meet on schedule, some skip months, a few
//! members stay away for long stretches, some plans are filed late and a few never.
//!
//! Pure and deterministic: the history of a branch depends only on the seed, the
//! branch's ordinal, what the caller says about the branch and its members, and
//! `today`. The store feeds it one branch at a time (see `store::demo_history`).

use super::rng::{chance, date_between, pick, stream};
use chacha20::ChaCha12Rng as StdRng;
use chrono::{Datelike, Months, NaiveDate};
use rand::RngExt;
use vanguard_domain::member::{Category, Flow};
use vanguard_domain::org::OrgKind;
use vanguard_domain::orglife::{Attendance, MeetingType, PlanItem, PlanState};

/// What the generator needs to know about one member of a branch.
#[derive(Debug, Clone)]
pub struct HistoryMember {
    /// Index of the member's 党小组 among the branch's groups.
    pub group: Option<usize>,
    pub category: Category,
    /// Members are expected at meetings held from this day on.
    pub joined_on: NaiveDate,
    pub flow: Flow,
    pub lost_contact_since: Option<NaiveDate>,
    /// 停止党籍: not on any meeting's roll.
    pub suspended: bool,
    pub is_secretary: bool,
}

/// What the generator needs to know about one branch.
#[derive(Debug, Clone)]
pub struct HistoryBranch {
    pub kind: OrgKind,
    pub has_committee: bool,
    /// No meetings before this day.
    pub established_on: Option<NaiveDate>,
    /// 党小组 under the branch.
    pub groups: usize,
    pub members: Vec<HistoryMember>,
}

/// Who held a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// The branch (or the 党委 for [`HistoryGenerator::committee`]).
    Org,
    /// The branch's 党小组 with this index.
    Group(usize),
}

/// One person on a meeting's roll and how they attended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceSeed {
    /// Index into [`HistoryBranch::members`].
    pub member: usize,
    pub attendance: Attendance,
    /// The reason given with 请假 (empty otherwise, and for a few 请假 without one).
    pub reason: &'static str,
    /// Signed in by scanning the meeting's QR code (otherwise marked by the recorder).
    pub signed_in: bool,
}

/// One meeting that was held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingSeed {
    pub holder: Holder,
    pub meeting_type: MeetingType,
    pub held_on: NaiveDate,
    /// Start, in minutes after midnight (Asia/Shanghai).
    pub start_minute: u32,
    pub duration_minutes: u32,
    pub place: &'static str,
    pub topic: String,
    pub content: String,
    /// Index of the member who chaired it (主持人), if a member of the branch did.
    pub host: Option<usize>,
    /// Index of the member who kept the minutes (记录人).
    pub recorder: Option<usize>,
    /// 书记讲党课: a 党课 given by the org's own secretary (counted by
    /// `orglife.secretary_lecture` for a 党委).
    pub secretary_lecture: bool,
    /// The record (记实) was written this many days after the meeting.
    pub recorded_after_days: u32,
    pub attendance: Vec<AttendanceSeed>,
}

/// The yearly plan of 固定组织生活日 of one branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanSeed {
    pub year: i32,
    pub state: PlanState,
    /// First submitted (报备) on this day.
    pub submitted_on: Option<NaiveDate>,
    /// Returned (退回) on this day with this reason, then fixed and submitted again.
    pub returned: Option<(NaiveDate, &'static str)>,
    pub acknowledged_on: Option<NaiveDate>,
    pub published_on: Option<NaiveDate>,
    pub items: Vec<PlanItem>,
}

/// Everything one branch did in the generated period.
#[derive(Debug, Clone, Default)]
pub struct BranchHistory {
    pub meetings: Vec<MeetingSeed>,
    pub plan: Option<PlanSeed>,
}

/// Generates the history of the twelve months up to `today` (the current month
/// included, up to `today`).
#[derive(Debug, Clone)]
pub struct HistoryGenerator {
    seed: u64,
    start: NaiveDate,
    today: NaiveDate,
}

/// How reliably a branch keeps its schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Diligence {
    /// Meets every month, rarely misses.
    Exemplary,
    /// Misses a month now and then.
    Regular,
    /// Often skips (软弱涣散 candidates).
    Weak,
}

impl Diligence {
    /// The chance that a due meeting is skipped.
    fn skip(self) -> f64 {
        match self {
            Diligence::Exemplary => 0.015,
            Diligence::Regular => 0.10,
            Diligence::Weak => 0.35,
        }
    }
}

/// How one member attends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Habit {
    Regular,
    /// 流出党员: mostly 请假 with a reason.
    Away,
    /// 失联: never there.
    LostContact,
    /// Absent without a valid reason during `[from, until)`, regular otherwise.
    Stretch {
        from: NaiveDate,
        until: NaiveDate,
    },
}

const PLACES: &[&str] = &["党员活动室", "党群服务中心", "会议室", "新时代文明实践站", "红色教育基地", "线上（视频会议）"];

const THEME_TOPICS: [&str; 12] = [
    "新春走访慰问 传递组织温暖",
    "重温入党誓词 坚定理想信念",
    "学雷锋志愿服务 共建美好家园",
    "清明祭英烈 传承红色基因",
    "劳动创造幸福 实干成就梦想",
    "党纪学习教育 筑牢廉洁防线",
    "庆祝建党节 重温初心使命",
    "八一拥军 共叙鱼水深情",
    "学习党的创新理论 专题研讨交流",
    "喜迎国庆 红色观影",
    "学习贯彻全会精神 凝心聚力谋发展",
    "宪法宣传 法治进社区",
];

const LECTURE_TOPICS: &[&str] = &[
    "学习党章 遵守党章 贯彻党章 维护党章",
    "弘扬伟大建党精神",
    "牢记初心使命 争做合格党员",
    "从党史中汲取奋进力量",
    "全面从严治党永远在路上",
    "发挥党员先锋模范作用",
    "以案为鉴 警钟长鸣",
    "学习贯彻习近平新时代中国特色社会主义思想",
];

const PLAN_FORMS: &[&str] = &["集中学习", "专题研讨", "志愿服务", "参观学习", "党课辅导", "红色观影", "主题实践"];

const LEAVE_REASONS: &[&str] =
    &["因公出差", "身体不适请病假", "家中有事", "外出学习培训", "单位值班", "照顾生病家人", "住院治疗", "在外地探亲"];

const AWAY_REASONS: &[&str] = &["在外务工", "在外地经商", "异地工作，已线上学习"];

const RETURN_REASONS: &[&str] = &["个别月份活动主题不够具体，请细化后重新报备", "全年计划缺少第四季度安排，请补充后重新报备"];

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn day_in_month(first: NaiveDate, day: u32) -> NaiveDate {
    let last = first.checked_add_months(Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(first);
    first.with_day(day.min(last.day())).unwrap_or(first)
}

impl HistoryGenerator {
    pub fn new(seed: u64, today: NaiveDate) -> Self {
        let start = month_start(today).checked_sub_months(Months::new(11)).unwrap_or(today);
        HistoryGenerator { seed, start, today }
    }

    /// The first day of the generated period: the first of the month eleven months
    /// before `today`'s month.
    pub fn start(&self) -> NaiveDate {
        self.start
    }

    pub fn today(&self) -> NaiveDate {
        self.today
    }

    /// The months of the period, first days.
    fn months(&self) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        let mut m = self.start;
        while m <= self.today {
            out.push(m);
            match m.checked_add_months(Months::new(1)) {
                Some(n) => m = n,
                None => break,
            }
        }
        out
    }

    /// The history of branch number `ordinal` (any stable numbering of the branches).
    pub fn branch(&self, ordinal: u64, b: &HistoryBranch) -> BranchHistory {
        let mut rng = stream(self.seed, 0x4849_5354_0000_0000 ^ ordinal);
        let diligence = match rng.random::<f64>() {
            x if x < 0.72 => Diligence::Exemplary,
            x if x < 0.92 => Diligence::Regular,
            _ => Diligence::Weak,
        };
        let diligence =
            if b.kind == OrgKind::TemporaryBranch && diligence == Diligence::Exemplary { Diligence::Regular } else { diligence };
        let habits: Vec<Habit> = b.members.iter().map(|m| self.habit(&mut rng, m)).collect();
        let secretary = b.members.iter().position(|m| m.is_secretary);
        // The committee: the secretary and up to four other 正式党员.
        let committee: Vec<usize> = if b.has_committee {
            let mut c: Vec<usize> = secretary.into_iter().collect();
            c.extend(
                b.members
                    .iter()
                    .enumerate()
                    .filter(|(i, m)| Some(*i) != secretary && m.category == Category::Formal && !m.suspended)
                    .map(|(i, _)| i)
                    .take(4),
            );
            c
        } else {
            Vec::new()
        };
        let recorder = committee.get(1).copied().or_else(|| (0..b.members.len()).find(|i| Some(*i) != secretary));
        let fixed_day = rng.random_range(5..=25u32);
        let place = pick(&mut rng, PLACES);
        let opens = b.established_on.unwrap_or(self.start).max(self.start);
        let mut meetings = Vec::new();
        let annual_month = match rng.random::<f64>() {
            x if x < 0.60 => Some(12),
            x if x < 0.95 => Some(1),
            _ => None,
        };
        // This quarter's 党员大会 month, 党课 month and 党课 day (months as month0).
        let (mut assembly_m, mut lecture_m, mut lecture_day) = (99, 99, fixed_day);
        for first in self.months() {
            let skip = diligence.skip();
            let theme_on = day_in_month(first, fixed_day);
            let mut mk =
                |rng: &mut StdRng, holder, t: MeetingType, on: NaiveDate, start_minute, topic: String, roll: Vec<usize>| {
                    if on < opens || on > self.today {
                        return;
                    }
                    let attendance = roll
                        .into_iter()
                        .filter(|&i| b.members[i].joined_on <= on && !b.members[i].suspended)
                        .map(|i| attend(rng, habits[i], on, i))
                        .collect();
                    let content = format!("{}：{}。", t.label(), topic);
                    meetings.push(MeetingSeed {
                        holder,
                        meeting_type: t,
                        held_on: on,
                        start_minute,
                        duration_minutes: if t == MeetingType::BranchCommittee { 60 } else { 90 },
                        place,
                        topic,
                        content,
                        host: secretary,
                        recorder,
                        secretary_lecture: false,
                        recorded_after_days: if rng.random_bool(0.85) {
                            rng.random_range(0..=3)
                        } else {
                            rng.random_range(4..=20)
                        },
                        attendance,
                    });
                };
            let everyone: Vec<usize> = (0..b.members.len()).collect();
            // 主题党日, monthly on the branch's fixed day.
            if !chance(&mut rng, skip) {
                let topic = THEME_TOPICS[first.month0() as usize].to_string();
                mk(&mut rng, Holder::Org, MeetingType::ThemeDay, theme_on, 14 * 60 + 30, topic, everyone.clone());
            }
            // 支委会, monthly a few days before the 主题党日.
            if b.has_committee && !chance(&mut rng, skip) {
                let on = day_in_month(first, fixed_day.saturating_sub(rng.random_range(2..=4)).max(1));
                mk(
                    &mut rng,
                    Holder::Org,
                    MeetingType::BranchCommittee,
                    on,
                    9 * 60,
                    "研究部署本月支部工作".into(),
                    committee.clone(),
                );
            }
            // 党小组会, monthly per group.
            for g in 0..b.groups {
                if !chance(&mut rng, skip * 1.2) {
                    let on = day_in_month(first, rng.random_range(1..=28));
                    let roll: Vec<usize> = everyone.iter().copied().filter(|&i| b.members[i].group == Some(g)).collect();
                    mk(&mut rng, Holder::Group(g), MeetingType::GroupMeeting, on, 19 * 60, "学习交流，讨论本组工作".into(), roll);
                }
            }
            // 党员大会 and 党课, quarterly, in a month of the quarter chosen when it begins.
            if first.month0() % 3 == 0 || first == self.start {
                let months_left = 3 - first.month0() % 3;
                assembly_m = first.month0() + rng.random_range(0..months_left);
                lecture_m = first.month0() + rng.random_range(0..months_left);
                lecture_day = if rng.random_bool(0.6) { fixed_day } else { rng.random_range(3..=27) };
            }
            if first.month0() == assembly_m && !chance(&mut rng, skip) {
                let on = day_in_month(first, fixed_day);
                let topic = "通报支部工作，讨论发展党员和党费收缴等事项".to_string();
                mk(&mut rng, Holder::Org, MeetingType::BranchAssembly, on, 14 * 60, topic, everyone.clone());
            }
            if first.month0() == lecture_m && !chance(&mut rng, skip) {
                let on = day_in_month(first, lecture_day);
                let topic = pick(&mut rng, LECTURE_TOPICS).to_string();
                mk(&mut rng, Holder::Org, MeetingType::PartyLecture, on, 15 * 60 + 30, topic, everyone.clone());
            }
            // 组织生活会 and 民主评议党员, once a year in December or January.
            if annual_month == Some(first.month()) && !chance(&mut rng, skip / 2.0) {
                let on = day_in_month(first, rng.random_range(10..=26));
                let year = if first.month() == 1 { first.year() - 1 } else { first.year() };
                mk(
                    &mut rng,
                    Holder::Org,
                    MeetingType::LifeMeeting,
                    on,
                    14 * 60,
                    format!("{year}年度组织生活会：对照检查，开展批评和自我批评"),
                    everyone.clone(),
                );
                let review_on = on.succ_opt().unwrap_or(on);
                mk(
                    &mut rng,
                    Holder::Org,
                    MeetingType::DemocraticReview,
                    review_on,
                    14 * 60,
                    format!("{year}年度民主评议党员"),
                    everyone,
                );
            }
        }
        meetings.sort_by_key(|m| (m.held_on, m.start_minute, m.meeting_type));
        let plan = if b.kind == OrgKind::Branch
            || b.kind == OrgKind::JointBranch
            || b.kind == OrgKind::MobileBranch
            || b.kind == OrgKind::TemporaryBranch
        {
            self.plan(&mut rng, fixed_day, diligence, opens)
        } else {
            None
        };
        BranchHistory { meetings, plan }
    }

    fn habit(&self, rng: &mut StdRng, m: &HistoryMember) -> Habit {
        if m.lost_contact_since.is_some() {
            return Habit::LostContact;
        }
        if m.flow == Flow::Out {
            return Habit::Away;
        }
        if !m.is_secretary && chance(rng, 0.012) {
            // A stretch of 3 to 12 months, possibly still going on today.
            let from = date_between(rng, self.start, self.today);
            let months = rng.random_range(3..=12u32);
            let until = from.checked_add_months(Months::new(months)).unwrap_or(self.today);
            return Habit::Stretch { from, until };
        }
        Habit::Regular
    }

    fn plan(&self, rng: &mut StdRng, fixed_day: u32, diligence: Diligence, opens: NaiveDate) -> Option<PlanSeed> {
        let year = self.today.year();
        let deadline = NaiveDate::from_ymd_opt(year, 1, 31)?;
        if opens > deadline {
            return None;
        }
        let items: Vec<PlanItem> = (1..=12u32)
            .filter_map(|month| {
                let first = NaiveDate::from_ymd_opt(year, month, 1)?;
                Some(PlanItem {
                    month,
                    date: day_in_month(first, fixed_day),
                    theme: THEME_TOPICS[month as usize - 1].to_string(),
                    form: pick(rng, PLAN_FORMS).to_string(),
                })
            })
            .collect();
        let weak = diligence == Diligence::Weak;
        let x: f64 = rng.random();
        let jan = |rng: &mut StdRng| date_between(rng, NaiveDate::from_ymd_opt(year, 1, 5).unwrap_or(deadline), deadline);
        let late = |rng: &mut StdRng| {
            date_between(rng, deadline.succ_opt().unwrap_or(deadline), NaiveDate::from_ymd_opt(year, 3, 20).unwrap_or(deadline))
        };
        let (submitted, returned, final_state) = match x {
            _ if weak && x < 0.25 => (None, None, PlanState::Draft),
            _ if weak && x < 0.35 => return None,
            x if x < 0.72 => (Some(jan(rng)), None, PlanState::Published),
            x if x < 0.84 => (Some(late(rng)), None, PlanState::Published),
            x if x < 0.89 => {
                let s = jan(rng);
                (Some(s), Some(s), PlanState::Published)
            }
            x if x < 0.93 => {
                let s = if rng.random_bool(0.5) { jan(rng) } else { late(rng) };
                (Some(s), None, PlanState::Submitted)
            }
            x if x < 0.97 => (None, None, PlanState::Draft),
            _ => return None,
        };
        let after = |rng: &mut StdRng, d: NaiveDate, lo: u64, hi: u64| {
            d.checked_add_days(chrono::Days::new(rng.random_range(lo..=hi))).unwrap_or(d).min(self.today)
        };
        let returned = returned.map(|s| (after(rng, s, 1, 4), pick(rng, RETURN_REASONS)));
        let resubmitted = returned.map(|(r, _)| after(rng, r, 1, 5));
        let acknowledged_on = match final_state {
            PlanState::Published => submitted.map(|s| after(rng, resubmitted.unwrap_or(s), 1, 6)),
            _ => None,
        };
        let published_on = acknowledged_on.map(|a| after(rng, a, 0, 7));
        if submitted.is_some_and(|s| s > self.today) {
            return Some(PlanSeed {
                year,
                state: PlanState::Draft,
                submitted_on: None,
                returned: None,
                acknowledged_on: None,
                published_on: None,
                items,
            });
        }
        Some(PlanSeed { year, state: final_state, submitted_on: submitted, returned, acknowledged_on, published_on, items })
    }

    /// The meetings of 党委/党工委 number `ordinal`: a 专题学习研讨 most quarters and the
    /// secretary's yearly 党课 to grassroots members. No roll: the committee's members
    /// are not modelled.
    pub fn committee(&self, ordinal: u64, established_on: Option<NaiveDate>) -> Vec<MeetingSeed> {
        let mut rng = stream(self.seed, 0x434f_4d4d_0000_0000 ^ ordinal);
        let opens = established_on.unwrap_or(self.start).max(self.start);
        let mut out = Vec::new();
        let lecture_month = rng.random_range(3..=11u32);
        let mut push = |on: NaiveDate, t: MeetingType, topic: String, secretary_lecture: bool, rng: &mut StdRng| {
            if on < opens || on > self.today {
                return;
            }
            out.push(MeetingSeed {
                holder: Holder::Org,
                meeting_type: t,
                held_on: on,
                start_minute: 9 * 60,
                duration_minutes: 120,
                place: "会议室",
                content: format!("{}：{}。", t.label(), topic),
                topic,
                host: None,
                recorder: None,
                secretary_lecture,
                recorded_after_days: rng.random_range(0..=5),
                attendance: Vec::new(),
            });
        };
        for first in self.months() {
            if first.month0() % 3 == 1 && !chance(&mut rng, 0.08) {
                let on = day_in_month(first, rng.random_range(8..=26));
                push(on, MeetingType::StudySeminar, "党委理论学习中心组专题学习研讨".into(), false, &mut rng);
            }
            if first.month() == lecture_month && !chance(&mut rng, 0.12) {
                let on = day_in_month(first, rng.random_range(8..=26));
                let topic = format!("书记讲党课：{}", pick(&mut rng, LECTURE_TOPICS));
                push(on, MeetingType::PartyLecture, topic, true, &mut rng);
            }
        }
        out
    }
}

/// How member `member` with `habit` attended a meeting on `on`.
fn attend(rng: &mut StdRng, habit: Habit, on: NaiveDate, member: usize) -> AttendanceSeed {
    let (attendance, reason) = match habit {
        Habit::LostContact => (Attendance::Absent, ""),
        Habit::Stretch { from, until } if from <= on && on < until => {
            if rng.random_bool(0.85) {
                (Attendance::Absent, "")
            } else {
                (Attendance::Excused, "")
            }
        }
        Habit::Away => match rng.random::<f64>() {
            x if x < 0.25 => (Attendance::Present, ""),
            x if x < 0.92 => (Attendance::Excused, pick(rng, AWAY_REASONS)),
            _ => (Attendance::Absent, ""),
        },
        Habit::Regular | Habit::Stretch { .. } => match rng.random::<f64>() {
            x if x < 0.940 => (Attendance::Present, ""),
            x if x < 0.992 => (Attendance::Excused, pick(rng, LEAVE_REASONS)),
            x if x < 0.994 => (Attendance::Excused, ""),
            _ => (Attendance::Absent, ""),
        },
    };
    let signed_in = attendance == Attendance::Present && rng.random_bool(0.7);
    AttendanceSeed { member, attendance, reason, signed_in }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vanguard_domain::kernel::rules::RuleSet;
    use vanguard_domain::orglife::{MemberFacts, MemberMeeting, OrgFacts, PARTICIPATION_CODE, evaluate_member, meeting_tallies};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn member(i: usize, groups: usize) -> HistoryMember {
        HistoryMember {
            group: (groups > 0).then(|| i % groups),
            category: if i % 9 == 8 { Category::Probationary } else { Category::Formal },
            joined_on: d(2010, 1, 1),
            flow: Flow::None,
            lost_contact_since: None,
            suspended: false,
            is_secretary: i == 0,
        }
    }

    fn branch(n: usize, groups: usize) -> HistoryBranch {
        HistoryBranch {
            kind: OrgKind::Branch,
            has_committee: n >= 7,
            established_on: Some(d(2001, 1, 1)),
            groups,
            members: (0..n).map(|i| member(i, groups)).collect(),
        }
    }

    #[test]
    fn the_period_is_the_twelve_months_up_to_today() {
        let g = HistoryGenerator::new(7, d(2026, 11, 27));
        assert_eq!(g.start(), d(2025, 12, 1));
        assert_eq!(g.months().len(), 12);
        assert_eq!(HistoryGenerator::new(7, d(2026, 1, 1)).start(), d(2025, 2, 1));
    }

    #[test]
    fn the_same_seed_and_branch_give_the_same_history() {
        let g = HistoryGenerator::new(2017, d(2026, 11, 27));
        let b = branch(20, 2);
        let a = g.branch(3, &b);
        let again = g.branch(3, &b);
        assert_eq!(a.meetings, again.meetings);
        assert_eq!(a.plan, again.plan);
        assert_ne!(a.meetings, g.branch(4, &b).meetings);
    }

    #[test]
    fn nothing_is_held_after_today_or_before_the_branch_exists() {
        let today = d(2026, 11, 27);
        let g = HistoryGenerator::new(1, today);
        let mut b = branch(12, 0);
        b.established_on = Some(d(2026, 5, 10));
        for ordinal in 0..50 {
            let h = g.branch(ordinal, &b);
            assert!(h.meetings.iter().all(|m| m.held_on >= d(2026, 5, 10) && m.held_on <= today));
        }
    }

    #[test]
    fn most_branches_hold_most_theme_days_and_some_skip() {
        let today = d(2026, 11, 27);
        let g = HistoryGenerator::new(2017, today);
        let b = branch(25, 3);
        let rules = RuleSet::default();
        let mut compliant = 0;
        let mut total = 0;
        let mut skipped_some = 0;
        for ordinal in 0..400 {
            let h = g.branch(ordinal, &b);
            let facts = OrgFacts {
                has_committee: true,
                meetings: h
                    .meetings
                    .iter()
                    .filter(|m| m.holder == Holder::Org)
                    .map(|m| vanguard_domain::orglife::HeldMeeting { meeting_type: m.meeting_type, held_on: m.held_on })
                    .collect(),
                ..OrgFacts::new(ordinal as i64, OrgKind::Branch)
            };
            let tallies: Vec<_> = meeting_tallies(&facts, g.start(), today, &rules.orglife)
                .into_iter()
                .filter(|t| t.rule_code == "orglife.theme_day" && t.complete)
                .collect();
            assert_eq!(tallies.len(), 11, "Dec to Oct are complete");
            let ok = tallies.iter().filter(|t| t.compliant()).count();
            compliant += ok;
            total += tallies.len();
            skipped_some += usize::from(ok < tallies.len());
        }
        let rate = compliant as f64 / total as f64;
        assert!((0.85..0.98).contains(&rate), "theme day rate {rate}");
        assert!((40..250).contains(&skipped_some), "branches that skipped a month: {skipped_some}");
    }

    #[test]
    fn plans_are_mostly_published_some_late_and_a_few_never_filed() {
        let g = HistoryGenerator::new(2017, d(2026, 11, 27));
        let b = branch(15, 0);
        let plans: Vec<Option<PlanSeed>> = (0..500).map(|o| g.branch(o, &b).plan).collect();
        let published = plans.iter().flatten().filter(|p| p.state == PlanState::Published).count();
        let late = plans.iter().flatten().filter(|p| p.submitted_on.is_some_and(|s| s > d(2026, 1, 31))).count();
        let never = plans.iter().filter(|p| p.as_ref().is_none_or(|p| p.submitted_on.is_none())).count();
        assert!(published > 350, "published {published}");
        assert!((20..120).contains(&late), "late {late}");
        assert!((10..80).contains(&never), "never submitted {never}");
        for p in plans.iter().flatten() {
            assert_eq!(p.items.len(), 12);
            if let (Some(s), Some(a)) = (p.submitted_on, p.acknowledged_on) {
                assert!(s <= a);
            }
        }
    }

    #[test]
    fn lost_contact_members_reach_the_article_nine_finding() {
        let today = d(2026, 11, 27);
        let g = HistoryGenerator::new(5, today);
        let mut b = branch(10, 0);
        b.members[3].lost_contact_since = Some(d(2024, 6, 1));
        let h = g.branch(0, &b);
        let meetings: Vec<MemberMeeting> = h
            .meetings
            .iter()
            .flat_map(|m| m.attendance.iter().filter(|a| a.member == 3).map(move |a| (m, a)))
            .map(|(m, a)| MemberMeeting {
                held_on: m.held_on,
                meeting_type: m.meeting_type,
                attendance: a.attendance,
                reason: Some(a.reason.to_string()),
            })
            .collect();
        assert!(!meetings.is_empty());
        assert!(meetings.iter().all(|m| m.attendance == Attendance::Absent));
        let facts = MemberFacts {
            id: 3,
            joined_on: d(2010, 1, 1),
            left_on: None,
            category: Category::Formal,
            meetings,
            dues_arrears: None,
        };
        let findings = evaluate_member(&facts, g.start(), today, &RuleSet::default());
        assert!(
            findings
                .iter()
                .any(|f| f.rule_code == PARTICIPATION_CODE && f.severity == vanguard_domain::kernel::finding::Severity::Finding),
            "{findings:?}"
        );
    }

    #[test]
    fn committees_hold_study_seminars_and_a_secretary_lecture() {
        let g = HistoryGenerator::new(9, d(2026, 11, 27));
        let mut seminars = 0;
        let mut lectures = 0;
        for o in 0..100 {
            for m in g.committee(o, None) {
                match m.meeting_type {
                    MeetingType::StudySeminar => seminars += 1,
                    MeetingType::PartyLecture => {
                        assert!(m.secretary_lecture);
                        lectures += 1
                    }
                    t => panic!("unexpected {t:?}"),
                }
            }
        }
        assert!(seminars > 300, "{seminars}");
        assert!(lectures > 70, "{lectures}");
    }
}
