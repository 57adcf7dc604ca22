//! A meeting record (记实) as the recorder enters it: the input of a new meeting, the
//! patch of an edit or a correction, and their validation — which types an org may
//! record, plausible times, the fields each type requires, attendance marks and
//! decisions. Pure: the store applies what this accepts.

use super::{Attendance, MeetingType, expected_types};
use crate::kernel::error::check_text;
use crate::kernel::time::{china_date, china_time_text, date_text, de_time, plausible_instant};
use crate::org::OrgKind;
use crate::{FieldError, Invalid};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Longest place, host, recorder, lecturer, in characters.
pub const SHORT_MAX: usize = 100;
/// Longest topic or decision title.
pub const TOPIC_MAX: usize = 200;
/// Longest content or minutes.
pub const LONG_MAX: usize = 20_000;
/// Longest reason given with 请假.
pub const REASON_MAX: usize = 200;
/// An expected attendee not yet marked (未登记).
pub const PENDING: &str = "pending";

/// One person's attendance as the recorder marks it. `attendance` is a code or label
/// (`present` 出席, `excused` 请假 — a reason is required —, `absent` 缺席, `observer`
/// 列席 — adds someone not on the roll —, `pending` 未登记, `remove` 移除 — removes an
/// observer).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
pub struct AttendanceMark {
    pub member_id: i64,
    pub attendance: String,
    #[serde(default)]
    pub reason: String,
}

/// A decision put to the vote at a 支部党员大会. `excluded`: voting members excluded
/// from the 应到会人数 (long illness, abroad, 留党察看), counted by the branch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct DecisionInput {
    pub title: String,
    pub votes_for: u32,
    pub votes_against: u32,
    pub votes_abstain: u32,
    pub excluded: u32,
    /// What the decision decides about a person, when it does (`admit`, `confirm`,
    /// `extend`, `cancel` for a 发展党员 file); empty for other decisions.
    pub subject_kind: String,
    /// The person's file the decision is about (a 发展党员 file's id).
    pub subject_id: Option<i64>,
    /// 延长预备期: by how many months.
    pub months: Option<u32>,
}

/// A new meeting. Times are epoch ms or China wall-clock text (`2026-03-05T09:30`).
/// Without `attendee_ids` the roll is filled in from the org; `attendance` and
/// `decisions` may come with it (a meeting recorded after the fact).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MeetingInput {
    pub meeting_type: String,
    #[serde(deserialize_with = "de_time")]
    pub planned_at: Option<i64>,
    #[serde(deserialize_with = "de_time")]
    pub held_at: Option<i64>,
    pub place: String,
    pub host: String,
    pub recorder: String,
    pub lecturer: String,
    pub topic: String,
    pub content: String,
    pub minutes: String,
    /// 书记讲党课.
    pub is_secretary_lecture: bool,
    pub attendee_ids: Option<Vec<i64>>,
    pub attendance: Vec<AttendanceMark>,
    pub decisions: Vec<DecisionInput>,
}

/// A change to a meeting record; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MeetingPatch {
    /// The version last read: a stale one is refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting_type: Option<String>,
    #[serde(deserialize_with = "de_time", skip_serializing_if = "Option::is_none")]
    pub planned_at: Option<i64>,
    #[serde(deserialize_with = "de_time", skip_serializing_if = "Option::is_none")]
    pub held_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorder: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lecturer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minutes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_secretary_lecture: Option<bool>,
    /// The whole roll (应到人员), replacing the current one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attendee_ids: Option<Vec<i64>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attendance: Vec<AttendanceMark>,
    /// Decisions to add.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<DecisionInput>,
}

impl MeetingPatch {
    /// Whether it changes any of the record's own fields (not the roll, marks or decisions).
    pub fn touches_fields(&self) -> bool {
        self.meeting_type.is_some()
            || self.planned_at.is_some()
            || self.held_at.is_some()
            || self.place.is_some()
            || self.host.is_some()
            || self.recorder.is_some()
            || self.lecturer.is_some()
            || self.topic.is_some()
            || self.content.is_some()
            || self.minutes.is_some()
            || self.is_secretary_lecture.is_some()
    }

    /// Nothing to change (the version alone changes nothing).
    pub fn is_empty(&self) -> bool {
        !self.touches_fields() && self.attendee_ids.is_none() && self.attendance.is_empty() && self.decisions.is_empty()
    }

    /// What the patch changes, in words, for people reviewing a correction request.
    pub fn summary(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(t) = &self.meeting_type {
            out.push(format!("会议类型改为：{}", MeetingType::parse(t).map(MeetingType::label).unwrap_or(t)));
        }
        if let Some(t) = self.planned_at {
            out.push(format!("计划时间改为：{}", china_time_text(t)));
        }
        if let Some(t) = self.held_at {
            out.push(format!("召开时间改为：{}", china_time_text(t)));
        }
        for (label, v) in [
            ("地点", &self.place),
            ("主持人", &self.host),
            ("记录人", &self.recorder),
            ("讲课人", &self.lecturer),
            ("主题", &self.topic),
        ] {
            if let Some(v) = v {
                out.push(format!("{label}改为：{}", v.trim()));
            }
        }
        if self.content.is_some() {
            out.push("修改会议内容".into());
        }
        if self.minutes.is_some() {
            out.push("修改会议记录".into());
        }
        if let Some(b) = self.is_secretary_lecture {
            out.push(if b { "标记为书记讲党课".into() } else { "取消书记讲党课标记".into() });
        }
        if let Some(ids) = &self.attendee_ids {
            out.push(format!("应到人员调整为{}人", ids.iter().collect::<BTreeSet<_>>().len()));
        }
        if !self.attendance.is_empty() {
            out.push(format!("登记出席情况{}人次", self.attendance.len()));
        }
        for d in &self.decisions {
            out.push(format!(
                "补记表决“{}”（赞成{}、反对{}、弃权{}）",
                d.title.trim(),
                d.votes_for,
                d.votes_against,
                d.votes_abstain
            ));
        }
        out
    }
}

/// The record's fields, normalized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub meeting_type: MeetingType,
    pub planned_at: Option<i64>,
    pub held_at: Option<i64>,
    pub place: String,
    pub host: String,
    pub recorder: String,
    pub lecturer: String,
    pub topic: String,
    pub content: String,
    pub minutes: String,
    pub is_secretary_lecture: bool,
}

/// A meeting type from its code or label, or the list of them.
pub fn parse_type(s: &str) -> Result<MeetingType, Invalid> {
    MeetingType::parse(s).ok_or_else(|| {
        let all: Vec<&str> = MeetingType::ALL.iter().map(|t| t.label()).collect();
        Invalid::one("meeting_type", "meeting_type.unknown", format!("请选择会议类型：{}", all.join("、")))
    })
}

impl Record {
    pub fn from_input(i: &MeetingInput) -> Result<Record, Invalid> {
        Ok(Record {
            meeting_type: parse_type(&i.meeting_type)?,
            planned_at: i.planned_at,
            held_at: i.held_at,
            place: i.place.trim().to_string(),
            host: i.host.trim().to_string(),
            recorder: i.recorder.trim().to_string(),
            lecturer: i.lecturer.trim().to_string(),
            topic: i.topic.trim().to_string(),
            content: i.content.trim().to_string(),
            minutes: i.minutes.trim().to_string(),
            is_secretary_lecture: i.is_secretary_lecture,
        })
    }

    pub fn overlay(&self, p: &MeetingPatch) -> Result<Record, Invalid> {
        let t = |v: &Option<String>, old: &String| v.as_deref().map(|s| s.trim().to_string()).unwrap_or_else(|| old.clone());
        Ok(Record {
            meeting_type: match &p.meeting_type {
                Some(s) => parse_type(s)?,
                None => self.meeting_type,
            },
            planned_at: p.planned_at.or(self.planned_at),
            held_at: p.held_at.or(self.held_at),
            place: t(&p.place, &self.place),
            host: t(&p.host, &self.host),
            recorder: t(&p.recorder, &self.recorder),
            lecturer: t(&p.lecturer, &self.lecturer),
            topic: t(&p.topic, &self.topic),
            content: t(&p.content, &self.content),
            minutes: t(&p.minutes, &self.minutes),
            is_secretary_lecture: p.is_secretary_lecture.unwrap_or(self.is_secretary_lecture),
        })
    }

    /// The China calendar day it was held, as stored (`YYYY-MM-DD`).
    pub fn held_on(&self) -> Option<String> {
        self.held_at.map(|h| date_text(china_date(h)))
    }

    /// What changed, in words, for the audit record.
    pub fn diff(&self, new: &Record) -> Vec<String> {
        let mut out = Vec::new();
        if self.meeting_type != new.meeting_type {
            out.push(format!("类型：{} → {}", self.meeting_type.label(), new.meeting_type.label()));
        }
        let time = |t: Option<i64>| t.map(china_time_text).unwrap_or_else(|| "无".into());
        if self.planned_at != new.planned_at {
            out.push(format!("计划时间：{} → {}", time(self.planned_at), time(new.planned_at)));
        }
        if self.held_at != new.held_at {
            out.push(format!("召开时间：{} → {}", time(self.held_at), time(new.held_at)));
        }
        for (label, a, b) in [
            ("地点", &self.place, &new.place),
            ("主持人", &self.host, &new.host),
            ("记录人", &self.recorder, &new.recorder),
            ("讲课人", &self.lecturer, &new.lecturer),
            ("主题", &self.topic, &new.topic),
        ] {
            if a != b {
                out.push(format!("{label}：{a} → {b}"));
            }
        }
        if self.content != new.content {
            out.push("会议内容".into());
        }
        if self.minutes != new.minutes {
            out.push("会议记录".into());
        }
        if self.is_secretary_lecture != new.is_secretary_lecture {
            out.push(format!("书记讲党课：{}", if new.is_secretary_lecture { "是" } else { "否" }));
        }
        out
    }
}

/// The types an org may record: those it is expected to hold, plus 集中学习, 谈心谈话
/// and 其他.
pub fn allowed_types(kind: OrgKind, has_committee: bool) -> Vec<MeetingType> {
    let mut v = expected_types(kind, has_committee);
    for extra in [MeetingType::CollectiveStudy, MeetingType::HeartTalk, MeetingType::Other] {
        if !v.contains(&extra) {
            v.push(extra);
        }
    }
    v
}

/// Checks a record for an org of `kind` named `org_name`: the type it may hold, the
/// times (real instants, not in the future), and the fields the type requires.
pub fn validate_record(
    rec: &Record,
    kind: OrgKind,
    has_committee: bool,
    org_name: &str,
    today: NaiveDate,
) -> Result<(), Invalid> {
    let mut inv = Invalid::default();
    let allowed = allowed_types(kind, has_committee);
    if !allowed.contains(&rec.meeting_type) {
        let labels: Vec<&str> = allowed.iter().map(|t| t.label()).collect();
        let why = if rec.meeting_type == MeetingType::BranchCommittee && kind.is_branch() {
            "（未设支部委员会的党支部不召开支委会）"
        } else {
            ""
        };
        inv.push(FieldError::new(
            "meeting_type",
            "meeting_type.not_expected",
            format!(
                "{}“{}”不{}{}{why}；可选：{}",
                kind.label(),
                org_name,
                rec.meeting_type.verb(),
                rec.meeting_type.label(),
                labels.join("、")
            ),
        ));
    }
    if rec.planned_at.is_none() && rec.held_at.is_none() {
        inv.push(FieldError::new("held_at", "time.required", "请填写实际召开时间；尚未召开的会议请填写计划时间"));
    }
    let earliest = NaiveDate::from_ymd_opt(1921, 7, 1).unwrap_or(NaiveDate::MIN);
    // Stored times must be real instants: an out-of-range one would read back as 1970.
    if let Some(h) = rec.held_at {
        let d = china_date(h);
        if !plausible_instant(h) {
            inv.push(FieldError::new("held_at", "time.range", "召开时间超出可接受的范围，请核对"));
        } else if d > today {
            inv.push(FieldError::new("held_at", "held_at.future", "实际召开时间不能晚于今天；尚未召开的会议请填写计划时间"));
        } else if d < earliest {
            inv.push(FieldError::new("held_at", "time.range", "召开时间有误，请核对"));
        }
    }
    if let Some(p) = rec.planned_at
        && (!plausible_instant(p) || china_date(p) < earliest)
    {
        inv.push(FieldError::new("planned_at", "time.range", "计划时间有误，请核对"));
    }
    let held = rec.held_at.is_some();
    check_text(&mut inv, "place", "地点", &rec.place, SHORT_MAX, held);
    check_text(&mut inv, "host", "主持人", &rec.host, SHORT_MAX, held);
    check_text(&mut inv, "recorder", "记录人", &rec.recorder, SHORT_MAX, held);
    let lecture = rec.meeting_type == MeetingType::PartyLecture;
    check_text(&mut inv, "lecturer", "讲课人", &rec.lecturer, SHORT_MAX, lecture);
    check_text(&mut inv, "topic", if lecture { "党课题目" } else { "主题" }, &rec.topic, TOPIC_MAX, lecture);
    check_text(&mut inv, "content", "会议内容", &rec.content, LONG_MAX, false);
    check_text(&mut inv, "minutes", "会议记录", &rec.minutes, LONG_MAX, false);
    if rec.is_secretary_lecture && !lecture {
        inv.push(FieldError::new("is_secretary_lecture", "secretary_lecture.type", "“书记讲党课”只适用于党课"));
    }
    inv.into_result(())
}

/// A parsed attendance mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Set(&'static str),
    Remove,
}

/// Who a mark is about, for a message: the member's name when known, else the item's
/// position (`第2项`).
fn who(n: usize, member_id: i64, names: &BTreeMap<i64, String>) -> String {
    match names.get(&member_id) {
        Some(name) if !name.is_empty() => name.clone(),
        _ => format!("第{n}项"),
    }
}

/// Parses the recorder's marks: `(member, mark, reason)`, the reason kept only for 请假.
/// Each problem names the member it is about (`names`: member id → name; a member not
/// in it is named by the mark's position).
pub fn parse_marks(marks: &[AttendanceMark], names: &BTreeMap<i64, String>) -> Result<Vec<(i64, Mark, String)>, Invalid> {
    let mut inv = Invalid::default();
    let mut out = Vec::new();
    for (i, m) in marks.iter().enumerate() {
        let who = who(i + 1, m.member_id, names);
        let s = m.attendance.trim();
        let mark = match s {
            "pending" | "未登记" => Some(Mark::Set(PENDING)),
            "remove" | "移除" => Some(Mark::Remove),
            _ => Attendance::parse(s).map(|a| Mark::Set(a.code())),
        };
        let Some(mark) = mark else {
            inv.push(FieldError::new("attendance", "attendance.unknown", format!("{who}：出席情况应为出席、请假、缺席或列席")));
            continue;
        };
        let reason = m.reason.trim().to_string();
        if mark == Mark::Set(Attendance::Excused.code()) && reason.is_empty() {
            inv.push(FieldError::new("attendance", "attendance.reason_required", format!("{who}：请假须填写请假原因")));
        }
        if reason.chars().count() > REASON_MAX {
            inv.push(FieldError::new(
                "attendance",
                "attendance.reason_length",
                format!("{who}：请假原因不能超过{REASON_MAX}个字"),
            ));
        }
        let reason = if mark == Mark::Set(Attendance::Excused.code()) { reason } else { String::new() };
        out.push((m.member_id, mark, reason));
    }
    inv.into_result(out)
}

/// Checks parsed marks against the meeting's state: a meeting not yet held (计划中) takes
/// only 请假 (with its reason) or 未登记 — 出席, 缺席 and 列席 are recorded once it is held.
pub fn check_marks_for_state(marks: &[(i64, Mark, String)], held: bool, names: &BTreeMap<i64, String>) -> Result<(), Invalid> {
    if held {
        return Ok(());
    }
    let mut inv = Invalid::default();
    for (i, (id, mark, _)) in marks.iter().enumerate() {
        if let Mark::Set(code) = mark
            && *code != Attendance::Excused.code()
            && *code != PENDING
        {
            let label = Attendance::from_code(code).map(Attendance::label).unwrap_or(code);
            inv.push(FieldError::new(
                "attendance",
                "attendance.not_held",
                format!("{}：会议尚未召开，只能登记请假；{label}请在会议召开后登记", who(i + 1, *id, names)),
            ));
        }
    }
    inv.into_result(())
}

/// What a member's QR scan does to their attendance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanEffect {
    /// Record the scan and set this mark (未登记 → 出席; 列席 stays 列席).
    Mark(Attendance),
    /// The recorder marked the member 请假 or 缺席: that mark wins; the scan's time is
    /// kept beside it so the recorder sees the conflict and decides.
    KeepRecorderMark(Attendance),
}

/// The effect of a scan on a member whose current mark is `current` (a stored code).
pub fn scan_effect(current: &str) -> ScanEffect {
    match Attendance::from_code(current) {
        Some(Attendance::Observer) => ScanEffect::Mark(Attendance::Observer),
        Some(a @ (Attendance::Excused | Attendance::Absent)) => ScanEffect::KeepRecorderMark(a),
        Some(Attendance::Present) | None => ScanEffect::Mark(Attendance::Present),
    }
}

/// Checks a decision's title.
pub fn check_decision(d: &DecisionInput) -> Result<(), Invalid> {
    let mut inv = Invalid::default();
    check_text(&mut inv, "title", "表决事项", &d.title, TOPIC_MAX, true);
    if d.subject_kind.trim().is_empty() != d.subject_id.is_none() {
        inv.push(FieldError::new("subject_id", "decision.subject", "表决涉及具体人员时，请同时选择表决事项类别和表决对象"));
    }
    inv.into_result(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(member_id: i64, attendance: &str, reason: &str) -> AttendanceMark {
        AttendanceMark { member_id, attendance: attendance.into(), reason: reason.into() }
    }

    fn names() -> BTreeMap<i64, String> {
        BTreeMap::from([(1, "张三".to_string()), (2, "李四".to_string())])
    }

    #[test]
    fn an_excused_mark_without_a_reason_names_the_member() {
        let e = parse_marks(&[mark(1, "出席", ""), mark(2, "请假", "")], &names()).unwrap_err();
        assert_eq!(e.errors.len(), 1);
        assert_eq!(e.errors[0].message, "李四：请假须填写请假原因");
    }

    #[test]
    fn a_member_without_a_known_name_is_named_by_position() {
        let e = parse_marks(&[mark(1, "出席", ""), mark(9, "迟到", "")], &names()).unwrap_err();
        assert!(e.errors[0].message.starts_with("第2项："), "{}", e.errors[0].message);
    }

    #[test]
    fn a_reason_is_kept_only_for_excused() {
        let m = parse_marks(&[mark(1, "present", "路上堵车"), mark(2, "excused", "外出培训")], &names()).unwrap();
        assert_eq!(m[0].2, "");
        assert_eq!(m[1].2, "外出培训");
    }

    #[test]
    fn a_planned_meeting_takes_only_excused_or_pending() {
        let ok = parse_marks(&[mark(1, "请假", "出差"), mark(2, "pending", "")], &names()).unwrap();
        assert!(check_marks_for_state(&ok, false, &names()).is_ok());
        for refused in ["出席", "缺席", "列席"] {
            let marks = parse_marks(&[mark(1, refused, "")], &names()).unwrap();
            let e = check_marks_for_state(&marks, false, &names()).unwrap_err();
            assert_eq!(e.errors[0].code, "attendance.not_held", "{refused}");
            assert!(e.errors[0].message.starts_with("张三："), "{}", e.errors[0].message);
        }
    }

    #[test]
    fn a_held_meeting_takes_every_mark() {
        let marks = parse_marks(&[mark(1, "出席", ""), mark(2, "缺席", "")], &names()).unwrap();
        assert!(check_marks_for_state(&marks, true, &names()).is_ok());
    }

    #[test]
    fn a_scan_marks_a_pending_member_present() {
        assert_eq!(scan_effect("pending"), ScanEffect::Mark(Attendance::Present));
    }

    #[test]
    fn a_scan_keeps_an_observer_an_observer() {
        assert_eq!(scan_effect("observer"), ScanEffect::Mark(Attendance::Observer));
    }

    #[test]
    fn a_scan_never_overrides_the_recorders_excused_or_absent() {
        assert_eq!(scan_effect("excused"), ScanEffect::KeepRecorderMark(Attendance::Excused));
        assert_eq!(scan_effect("absent"), ScanEffect::KeepRecorderMark(Attendance::Absent));
    }
}
