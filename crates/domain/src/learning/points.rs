//! 积分 and 微排行: the points rule table as versioned data ([`LearningRules`], the
//! `learning` section of [`crate::kernel::rules::RuleSet`]), the award of one event
//! given what the member already earned that day and period, and the periods a ranking
//! covers.
//!
//! The defaults follow 学习强国's scheme as of 2019-01-30 (`domain.md` §2.1, sources
//! L https://haowendang.cn/c9m33l6frpe0a6ri16ozy38gut0xsx2013uc_1.html and
//! L https://www.caijied.cn/caijing/arc32724.html): 登录 1/day; 阅读文章 1 pt each (2
//! in 活跃时段), cap 6; 视频 cap 6; 文章时长 1 pt per 4 min, cap 8; 视频时长 1 pt per
//! 5 min, cap 10; 每日答题 cap 6; 每周一答 cap 8; 专题考试 cap 10; 订阅 2; 收藏 1;
//! 分享 3; 发表观点 5; 活跃时段 06:00–08:30, 12:00–14:00, 20:00–22:30. Attending
//! organizational life is the platform's own action (issue 12 §4), not 学习强国's.

use crate::kernel::error::{FieldError, Invalid};
use crate::kernel::time::{CHINA_OFFSET_SECONDS, china_date};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

labelled_enum! {
    /// 积分项目: what earns points.
    pub enum PointsAction {
        /// 登录.
        Login = ("login", "登录"),
        /// 阅读文章: one article read.
        ReadArticle = ("read_article", "阅读文章"),
        /// 观看视频: one video watched.
        WatchVideo = ("watch_video", "观看视频"),
        /// 文章学习时长: minutes of reading.
        ArticleTime = ("article_time", "文章学习时长"),
        /// 视听学习时长: minutes of video and audio.
        VideoTime = ("video_time", "视听学习时长"),
        /// 每日答题: one right answer.
        DailyQuiz = ("daily_quiz", "每日答题"),
        /// 每周一答: one right answer.
        WeeklyQuiz = ("weekly_quiz", "每周一答"),
        /// 专题考试: one right answer.
        SpecialExam = ("special_exam", "专题考试"),
        /// 订阅.
        Subscribe = ("subscribe", "订阅"),
        /// 收藏.
        Collect = ("collect", "收藏"),
        /// 分享.
        Share = ("share", "分享"),
        /// 发表观点.
        Comment = ("comment", "发表观点"),
        /// 参加组织生活: attended a meeting of 三会一课 or a 主题党日.
        OrgLife = ("org_life", "参加组织生活"),
    }
}

labelled_enum! {
    /// 排行周期.
    pub enum RankPeriod {
        Week = ("week", "本周"),
        Month = ("month", "本月"),
        Year = ("year", "本年度"),
        All = ("all", "累计"),
    }
}

impl RankPeriod {
    /// The stored key of the period containing `date`: `w2026-49` (ISO week), `m2026-12`,
    /// `y2026`, `all`.
    pub fn key(self, date: NaiveDate) -> String {
        match self {
            RankPeriod::Week => {
                let w = date.iso_week();
                format!("w{}-{:02}", w.year(), w.week())
            }
            RankPeriod::Month => format!("m{}-{:02}", date.year(), date.month()),
            RankPeriod::Year => format!("y{}", date.year()),
            RankPeriod::All => "all".to_string(),
        }
    }
}

/// One line of the points table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointsRule {
    pub action: PointsAction,
    pub enabled: bool,
    /// Units (events, minutes, right answers) that make one step.
    pub step: u32,
    /// Points per step.
    pub points: u32,
    /// Points per step completed inside an 活跃时段 (the time-window bonus); equal to
    /// `points` when there is none.
    pub window_points: u32,
    /// Most points a member earns by this action in one China calendar day; 0 = no cap.
    pub daily_cap: u32,
    /// Most points in one ISO week (每周一答); 0 = no cap.
    pub weekly_cap: u32,
}

impl PointsRule {
    const fn new(action: PointsAction, step: u32, points: u32, daily_cap: u32) -> Self {
        PointsRule { action, enabled: true, step, points, window_points: points, daily_cap, weekly_cap: 0 }
    }
}

/// A time window of the day, in minutes after 00:00 China time, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayWindow {
    pub start_minute: u32,
    pub end_minute: u32,
}

/// 学: the learning feature's numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LearningRules {
    /// The points table, one line per action (defaults: the module docs).
    pub points: Vec<PointsRule>,
    /// 活跃时段: 06:00–08:30, 12:00–14:00, 20:00–22:30 (学习强国).
    pub active_windows: Vec<DayWindow>,
    /// Questions in a member's 每日答题: 5 (学习强国's 每日答题 round; M, the number is
    /// not in the cited rules — its cap of 6 points allows one round).
    pub daily_quiz_size: u32,
}

impl Default for LearningRules {
    fn default() -> Self {
        use PointsAction::*;
        let w = |h1: u32, m1: u32, h2: u32, m2: u32| DayWindow { start_minute: h1 * 60 + m1, end_minute: h2 * 60 + m2 };
        LearningRules {
            points: vec![
                // 登录 1 per day.
                PointsRule::new(Login, 1, 1, 1),
                // 阅读文章 1 each, 2 in 活跃时段, cap 6.
                PointsRule { window_points: 2, ..PointsRule::new(ReadArticle, 1, 1, 6) },
                // 视频 1 each, 2 in 活跃时段, cap 6.
                PointsRule { window_points: 2, ..PointsRule::new(WatchVideo, 1, 1, 6) },
                // 文章时长 1 per 4 min, cap 8.
                PointsRule::new(ArticleTime, 4, 1, 8),
                // 视频时长 1 per 5 min, cap 10.
                PointsRule::new(VideoTime, 5, 1, 10),
                // 每日答题 1 per right answer, cap 6.
                PointsRule::new(DailyQuiz, 1, 1, 6),
                // 每周一答 1 per right answer, cap 8 a week.
                PointsRule { weekly_cap: 8, ..PointsRule::new(WeeklyQuiz, 1, 1, 0) },
                // 专题考试 1 per right answer, cap 10.
                PointsRule::new(SpecialExam, 1, 1, 10),
                // 订阅 cap 2, 收藏 cap 1, 分享 cap 3, 发表观点 cap 5: 1 each.
                PointsRule::new(Subscribe, 1, 1, 2),
                PointsRule::new(Collect, 1, 1, 1),
                PointsRule::new(Share, 1, 1, 3),
                PointsRule::new(Comment, 1, 1, 5),
                // The platform's own: 5 per attended meeting, no daily cap beyond 10.
                PointsRule::new(OrgLife, 1, 5, 10),
            ],
            active_windows: vec![w(6, 0, 8, 30), w(12, 0, 14, 0), w(20, 0, 22, 30)],
            daily_quiz_size: 5,
        }
    }
}

impl LearningRules {
    pub fn rule(&self, action: PointsAction) -> Option<&PointsRule> {
        self.points.iter().find(|r| r.action == action && r.enabled)
    }

    /// Checks a configuration: one line per action, steps ≥ 1, windows within the day,
    /// a daily quiz of 1–20 questions.
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut inv = Invalid::default();
        for (i, r) in self.points.iter().enumerate() {
            if self.points[..i].iter().any(|o| o.action == r.action) {
                inv.push(FieldError::new("points", "learning.duplicate_action", format!("积分项目“{}”重复", r.action.label())));
            }
            if r.step == 0 {
                inv.push(FieldError::new(
                    "points",
                    "learning.step",
                    format!("积分项目“{}”的计量单位应至少为 1", r.action.label()),
                ));
            }
        }
        if self.active_windows.iter().any(|w| w.start_minute >= w.end_minute || w.end_minute > 24 * 60) {
            inv.push(FieldError::new("active_windows", "learning.window", "活跃时段的开始应早于结束，且在一天之内"));
        }
        if !(1..=20).contains(&self.daily_quiz_size) {
            inv.push(FieldError::new("daily_quiz_size", "learning.quiz_size", "每日答题题量应为 1—20 题"));
        }
        inv.into_result(())
    }
}

/// Whether an instant falls in one of the 活跃时段 (China time).
pub fn in_active_window(rules: &LearningRules, at_ms: i64) -> bool {
    let local = at_ms.div_euclid(1000) + i64::from(CHINA_OFFSET_SECONDS);
    let minute = (local.rem_euclid(86_400) / 60) as u32;
    rules.active_windows.iter().any(|w| (w.start_minute..w.end_minute).contains(&minute))
}

/// What the member already has from one action: units and points of the event's China
/// day, and points of its ISO week.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PointsTally {
    pub day_units: u32,
    pub day_points: u32,
    pub week_points: u32,
}

/// The points one event earns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Award {
    pub points: u32,
    /// Whether the 活跃时段 rate applied.
    pub in_window: bool,
    /// Whether a cap cut the award.
    pub capped: bool,
}

/// The points of an event of `units` at `at_ms` given the member's tally of the same
/// action: steps completed by these units (minutes add up over the day: 3 + 5 minutes
/// of reading make two 4-minute steps), at the window rate inside an 活跃时段, cut to
/// what the daily and weekly caps leave. A disabled or missing action earns nothing.
pub fn award(rules: &LearningRules, action: PointsAction, units: u32, at_ms: i64, tally: PointsTally) -> Award {
    let Some(rule) = rules.rule(action) else { return Award { points: 0, in_window: false, capped: false } };
    let step = rule.step.max(1);
    let steps = (tally.day_units.saturating_add(units) / step).saturating_sub(tally.day_units / step);
    let in_window = rule.window_points != rule.points && in_active_window(rules, at_ms);
    let rate = if in_window { rule.window_points } else { rule.points };
    let raw = steps.saturating_mul(rate);
    let mut points = raw;
    if rule.daily_cap > 0 {
        points = points.min(rule.daily_cap.saturating_sub(tally.day_points));
    }
    if rule.weekly_cap > 0 {
        points = points.min(rule.weekly_cap.saturating_sub(tally.week_points));
    }
    Award { points, in_window, capped: points < raw }
}

/// The China calendar date of an event, for its day and period keys.
pub fn event_date(at_ms: i64) -> NaiveDate {
    china_date(at_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::time::{china_ms, parse_iso_date};

    fn at(hh: u32, mm: u32) -> i64 {
        china_ms(parse_iso_date("2026-12-03").unwrap(), hh * 60 + mm)
    }

    fn r() -> LearningRules {
        LearningRules::default()
    }

    #[test]
    fn defaults_follow_xuexi_qiangguo() {
        let r = r();
        assert!(r.validate().is_ok());
        assert_eq!(r.rule(PointsAction::Login).map(|x| (x.points, x.daily_cap)), Some((1, 1)));
        assert_eq!(r.rule(PointsAction::ArticleTime).map(|x| (x.step, x.daily_cap)), Some((4, 8)));
        assert_eq!(r.rule(PointsAction::VideoTime).map(|x| (x.step, x.daily_cap)), Some((5, 10)));
        assert_eq!(r.rule(PointsAction::WeeklyQuiz).map(|x| x.weekly_cap), Some(8));
        assert_eq!(r.daily_quiz_size, 5);
        assert_eq!(r.active_windows.len(), 3);
    }

    #[test]
    fn login_earns_one_point_once_a_day() {
        assert_eq!(award(&r(), PointsAction::Login, 1, at(10, 0), PointsTally::default()).points, 1);
        let t = PointsTally { day_units: 1, day_points: 1, week_points: 1 };
        let a = award(&r(), PointsAction::Login, 1, at(11, 0), t);
        assert_eq!((a.points, a.capped), (0, true));
    }

    #[test]
    fn reading_in_an_active_window_earns_double() {
        let a = award(&r(), PointsAction::ReadArticle, 1, at(7, 0), PointsTally::default());
        assert_eq!((a.points, a.in_window), (2, true));
        assert_eq!(award(&r(), PointsAction::ReadArticle, 1, at(10, 0), PointsTally::default()).points, 1);
    }

    #[test]
    fn the_active_windows_end_exclusive() {
        assert!(in_active_window(&r(), at(6, 0)));
        assert!(in_active_window(&r(), at(8, 29)));
        assert!(!in_active_window(&r(), at(8, 30)));
        assert!(in_active_window(&r(), at(12, 0)));
        assert!(!in_active_window(&r(), at(14, 0)));
        assert!(in_active_window(&r(), at(22, 29)));
        assert!(!in_active_window(&r(), at(22, 30)));
        assert!(!in_active_window(&r(), at(23, 0)));
    }

    #[test]
    fn reading_stops_at_the_daily_cap() {
        let t = PointsTally { day_units: 5, day_points: 5, week_points: 5 };
        let a = award(&r(), PointsAction::ReadArticle, 1, at(7, 0), t);
        assert_eq!((a.points, a.capped), (1, true));
    }

    #[test]
    fn study_minutes_add_up_over_the_day_into_steps() {
        // 3 minutes: no step yet; 5 more: 8 minutes = 2 steps of 4.
        assert_eq!(award(&r(), PointsAction::ArticleTime, 3, at(10, 0), PointsTally::default()).points, 0);
        let t = PointsTally { day_units: 3, day_points: 0, week_points: 0 };
        assert_eq!(award(&r(), PointsAction::ArticleTime, 5, at(10, 10), t).points, 2);
    }

    #[test]
    fn video_minutes_stop_at_ten_points() {
        let t = PointsTally { day_units: 45, day_points: 9, week_points: 9 };
        assert_eq!(award(&r(), PointsAction::VideoTime, 60, at(10, 0), t).points, 1);
    }

    #[test]
    fn the_daily_quiz_earns_a_point_per_right_answer_up_to_its_cap() {
        assert_eq!(award(&r(), PointsAction::DailyQuiz, 5, at(21, 0), PointsTally::default()).points, 5);
        let t = PointsTally { day_units: 5, day_points: 5, week_points: 5 };
        assert_eq!(award(&r(), PointsAction::DailyQuiz, 5, at(21, 0), t).points, 1);
    }

    #[test]
    fn the_weekly_quiz_stops_at_its_weekly_cap() {
        let t = PointsTally { day_units: 0, day_points: 0, week_points: 6 };
        let a = award(&r(), PointsAction::WeeklyQuiz, 5, at(10, 0), t);
        assert_eq!((a.points, a.capped), (2, true));
    }

    #[test]
    fn attending_organizational_life_earns_five() {
        assert_eq!(award(&r(), PointsAction::OrgLife, 1, at(15, 0), PointsTally::default()).points, 5);
    }

    #[test]
    fn a_disabled_action_earns_nothing() {
        let mut rules = r();
        for p in &mut rules.points {
            if p.action == PointsAction::Share {
                p.enabled = false;
            }
        }
        assert_eq!(award(&rules, PointsAction::Share, 1, at(10, 0), PointsTally::default()).points, 0);
    }

    #[test]
    fn a_duplicate_action_or_zero_step_is_refused() {
        let mut rules = r();
        rules.points.push(PointsRule::new(PointsAction::Login, 0, 1, 1));
        let inv = rules.validate().unwrap_err();
        assert!(inv.has("learning.duplicate_action") && inv.has("learning.step"));
    }

    #[test]
    fn period_keys_use_the_iso_week_month_and_year() {
        let d = parse_iso_date("2026-12-31").unwrap();
        assert_eq!(RankPeriod::Week.key(d), "w2026-53");
        assert_eq!(RankPeriod::Week.key(parse_iso_date("2027-01-01").unwrap()), "w2026-53");
        assert_eq!(RankPeriod::Month.key(d), "m2026-12");
        assert_eq!(RankPeriod::Year.key(d), "y2026");
        assert_eq!(RankPeriod::All.key(d), "all");
    }

    #[test]
    fn an_old_rule_set_without_a_learning_section_loads_the_defaults() {
        let rs: crate::kernel::rules::RuleSet = serde_json::from_str(r#"{"version":3}"#).unwrap();
        assert_eq!(rs.learning, LearningRules::default());
    }
}
