//! 党员档案: the fields of a member's archive, their validation, masking and the
//! field-by-field diff kept as change history.

use crate::kernel::error::{FieldError, Invalid};
pub mod certificate;
pub mod correction;
pub mod idcard;
pub mod photo;
pub mod roster;
pub mod selfservice;

use crate::kernel::time::{date_text, parse_iso_date};
use crate::member::idcard::IdNumber;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

labelled_enum! {
    /// 性别.
    pub enum Gender {
        Male = ("male", "男"),
        Female = ("female", "女"),
    }
}

labelled_enum! {
    /// 学历.
    pub enum Education {
        Doctorate = ("doctorate", "博士研究生"),
        Master = ("master", "硕士研究生"),
        Bachelor = ("bachelor", "大学本科"),
        Associate = ("associate", "大学专科"),
        SecondaryVocational = ("secondary_vocational", "中等专科"),
        HighSchool = ("high_school", "高中"),
        JuniorHigh = ("junior_high", "初中"),
        Primary = ("primary", "小学及以下"),
    }
}

labelled_enum! {
    /// 人员类别.
    pub enum Category {
        /// 正式党员.
        Formal = ("formal", "正式党员"),
        /// 预备党员: no vote, no right to elect or be elected.
        Probationary = ("probationary", "预备党员"),
    }
}

labelled_enum! {
    /// 党籍状态.
    pub enum PartyStatus {
        Normal = ("normal", "正常"),
        /// 停止党籍 (失联 ≥ 6 months, settled abroad, …).
        Suspended = ("suspended", "停止党籍"),
    }
}

labelled_enum! {
    /// 流动党员 status.
    pub enum Flow {
        None = ("none", "非流动党员"),
        /// 流出: works or lives away from the organization.
        Out = ("out", "流出"),
        /// 流入: from elsewhere, takes part here.
        In = ("in", "流入"),
    }
}

labelled_enum! {
    /// Why a member moved to the history archive (历史库).
    pub enum LeaveReason {
        Died = ("died", "死亡"),
        Expelled = ("expelled", "开除党籍"),
        Removed = ("removed", "除名"),
        Withdrew = ("withdrew", "退党"),
        SelfLapsed = ("self_lapsed", "自行脱党"),
        TransferredOut = ("transferred_out", "组织关系转出"),
        ProbationCancelled = ("probation_cancelled", "取消预备党员资格"),
        Other = ("other", "其他"),
    }
}

/// The 56 民族 in the order and numbering of GB/T 3304.
pub const ETHNICITIES: [&str; 56] = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
];

/// A 民族 by its GB/T 3304 number (1 = 汉族 … 56 = 基诺族).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ethnicity(u8);

impl Ethnicity {
    pub const HAN: Ethnicity = Ethnicity(1);

    /// Accepts the full name (汉族), the name without 族 (汉), or the two-digit code (01).
    pub fn parse(raw: &str) -> Option<Self> {
        let s = raw.trim();
        if let Ok(n) = s.parse::<u8>() {
            return (1..=56).contains(&n).then_some(Ethnicity(n));
        }
        ETHNICITIES.iter().position(|name| *name == s || name.strip_suffix('族') == Some(s)).map(|i| Ethnicity(i as u8 + 1))
    }
    pub fn code(self) -> String {
        format!("{:02}", self.0)
    }
    pub fn label(self) -> &'static str {
        ETHNICITIES[usize::from(self.0 - 1)]
    }
    pub fn number(self) -> u8 {
        self.0
    }
}

/// A mainland mobile number: 11 digits starting 13–19.
pub fn parse_phone(raw: &str) -> Option<String> {
    let digits: String = raw.trim().trim_start_matches("+86").chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let b = digits.as_bytes();
    (b.len() == 11 && b.iter().all(u8::is_ascii_digit) && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])).then_some(digits)
}

/// A phone number as shown to roles that may not see it: `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    if phone.len() == 11 { format!("{}****{}", &phone[..3], &phone[7..]) } else { "****".to_string() }
}

/// A person's name as shown to roles that may not read member data: the first and the
/// last character kept, the ones between starred (`张*明`, `欧**华`); a two-character
/// name keeps its first (`张*`), one character is only a star.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".to_string(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// The raw fields of a member as they arrive from a form, the API or an import row.
/// Whether a text reads as a person's name: letters of any script (汉字, the letters of
/// minority and foreign names), the middle dot of transliterated names and single inner
/// spaces; never a formula (`=`, `+`, `@`), markup (`<`, `>`) or other symbols.
pub fn is_person_name(s: &str) -> bool {
    let s = s.trim();
    !s.is_empty()
        && s.chars().all(|c| c.is_alphabetic() || matches!(c, '·' | ' ' | '\u{3007}'))
        && !s.starts_with('·')
        && !s.ends_with('·')
        && !s.contains("  ")
}

/// Empty strings mean "not given".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct MemberInput {
    pub name: Option<String>,
    pub gender: Option<String>,
    pub ethnicity: Option<String>,
    pub birth_date: Option<String>,
    pub id_number: Option<String>,
    pub education: Option<String>,
    pub phone: Option<String>,
    pub joined_on: Option<String>,
    pub confirmed_on: Option<String>,
    pub category: Option<String>,
    pub party_status: Option<String>,
    pub work_unit: Option<String>,
    pub residence: Option<String>,
    pub flow: Option<String>,
    pub flow_place: Option<String>,
    pub lost_contact_since: Option<String>,
}

impl MemberInput {
    /// `self` with every field that `patch` gives replaced.
    pub fn overlay(mut self, patch: &MemberInput) -> MemberInput {
        macro_rules! take {
            ($($f:ident),*) => { $(if patch.$f.is_some() { self.$f = patch.$f.clone(); })* };
        }
        take!(
            name,
            gender,
            ethnicity,
            birth_date,
            id_number,
            education,
            phone,
            joined_on,
            confirmed_on,
            category,
            party_status,
            work_unit,
            residence,
            flow,
            flow_place,
            lost_contact_since
        );
        self
    }
}

/// A member's archive fields after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberFields {
    pub name: String,
    pub gender: Gender,
    pub ethnicity: Ethnicity,
    pub birth_date: NaiveDate,
    pub id_number: IdNumber,
    pub education: Option<Education>,
    pub phone: Option<String>,
    pub joined_on: NaiveDate,
    pub confirmed_on: Option<NaiveDate>,
    pub category: Category,
    pub party_status: PartyStatus,
    pub work_unit: String,
    pub residence: String,
    pub flow: Flow,
    pub flow_place: String,
    pub lost_contact_since: Option<NaiveDate>,
}

/// Minimum age to apply for membership (发展党员工作细则): 18.
pub const MIN_JOIN_AGE: i32 = 18;

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Parses a calendar date written `YYYY-MM-DD`.
fn full_years(from: NaiveDate, to: NaiveDate) -> i32 {
    let mut years = to.year() - from.year();
    if (to.month(), to.day()) < (from.month(), from.day()) {
        years -= 1;
    }
    years
}

impl MemberFields {
    /// Validates a complete input (a new member, or an existing one with a patch laid
    /// over it). `today` is the Asia/Shanghai calendar date. Every problem is reported.
    pub fn validate(input: &MemberInput, today: NaiveDate) -> Result<MemberFields, Invalid> {
        let mut inv = Invalid::default();
        let date = |field: &'static str, label: &str, v: &Option<String>, inv: &mut Invalid| -> Option<NaiveDate> {
            let s = given(v)?;
            match parse_iso_date(s) {
                Some(d) if d > today => {
                    inv.push(FieldError::new(field, "date.future", format!("{label}不能晚于今天")));
                    None
                }
                Some(d) => Some(d),
                None => {
                    inv.push(FieldError::new(field, "date.format", format!("{label}格式应为 YYYY-MM-DD，如 2001-07-01")));
                    None
                }
            }
        };
        let required = |field: &'static str, label: &str, inv: &mut Invalid| {
            inv.push(FieldError::new(field, "required", format!("请填写{label}")));
        };

        let name = given(&input.name).map(str::to_string);
        match &name {
            None => required("name", "姓名", &mut inv),
            Some(n) if n.chars().count() > 30 => inv.push(FieldError::new("name", "name.length", "姓名不能超过30个字")),
            Some(n) if n.chars().any(|c| c.is_ascii_digit()) => {
                inv.push(FieldError::new("name", "name.digits", "姓名不能包含数字"))
            }
            Some(n) if !is_person_name(n) => inv.push(FieldError::new(
                "name",
                "name.chars",
                "姓名只能由汉字、字母、间隔号“·”和空格组成，不能含公式、符号或网页代码，请填写本人姓名",
            )),
            _ => {}
        }

        let id_number = match given(&input.id_number) {
            None => {
                required("id_number", "公民身份号码", &mut inv);
                None
            }
            Some(s) => match IdNumber::parse(s) {
                Ok(id) => Some(id),
                Err(e) => {
                    inv.push(FieldError::new("id_number", e.code(), e.message()));
                    None
                }
            },
        };

        let gender = match given(&input.gender) {
            None => id_number.as_ref().map(IdNumber::gender),
            Some(s) => match Gender::parse(s) {
                Some(g) => Some(g),
                None => {
                    inv.push(FieldError::new("gender", "gender.unknown", "性别应为“男”或“女”"));
                    None
                }
            },
        };
        if let (Some(g), Some(id)) = (gender, &id_number)
            && g != id.gender()
        {
            {
                inv.push(FieldError::new(
                    "gender",
                    "gender.mismatch",
                    format!("性别“{}”与公民身份号码（第17位表示{}）不一致，请核对", g.label(), id.gender().label()),
                ));
            }
        }

        let birth_date = match given(&input.birth_date) {
            None => id_number.as_ref().and_then(IdNumber::birth_date),
            Some(_) => date("birth_date", "出生日期", &input.birth_date, &mut inv),
        };
        if let (Some(b), Some(id)) = (birth_date, &id_number)
            && Some(b) != id.birth_date()
        {
            {
                inv.push(FieldError::new(
                    "birth_date",
                    "birth_date.mismatch",
                    "出生日期与公民身份号码中的出生日期（第7至14位）不一致，请核对",
                ));
            }
        }

        let ethnicity = match given(&input.ethnicity) {
            None => {
                required("ethnicity", "民族", &mut inv);
                None
            }
            Some(s) => {
                let e = Ethnicity::parse(s);
                if e.is_none() {
                    inv.push(FieldError::new("ethnicity", "ethnicity.unknown", format!("“{s}”不是56个民族之一，请填写如“汉族”")));
                }
                e
            }
        };

        let education = given(&input.education).and_then(|s| {
            let e = Education::parse(s);
            if e.is_none() {
                let options: Vec<&str> = Education::ALL.iter().map(|e| e.label()).collect();
                inv.push(FieldError::new("education", "education.unknown", format!("学历应为：{}", options.join("、"))));
            }
            e
        });

        let phone = given(&input.phone).and_then(|s| {
            let p = parse_phone(s);
            if p.is_none() {
                inv.push(FieldError::new("phone", "phone.format", "手机号码应为11位数字，以13至19开头"));
            }
            p
        });

        let joined_on = date("joined_on", "入党日期", &input.joined_on, &mut inv);
        if given(&input.joined_on).is_none() {
            required("joined_on", "入党日期", &mut inv);
        }
        let confirmed_on = date("confirmed_on", "转正日期", &input.confirmed_on, &mut inv);

        let category = match given(&input.category) {
            None => {
                required("category", "人员类别", &mut inv);
                None
            }
            Some(s) => {
                let c = Category::parse(s);
                if c.is_none() {
                    inv.push(FieldError::new("category", "category.unknown", "人员类别应为“正式党员”或“预备党员”"));
                }
                c
            }
        };
        let party_status = match given(&input.party_status) {
            None => Some(PartyStatus::Normal),
            Some(s) => {
                let p = PartyStatus::parse(s);
                if p.is_none() {
                    inv.push(FieldError::new("party_status", "party_status.unknown", "党籍状态应为“正常”或“停止党籍”"));
                }
                p
            }
        };
        let flow = match given(&input.flow) {
            None => Some(Flow::None),
            Some(s) => {
                let f = Flow::parse(s);
                if f.is_none() {
                    inv.push(FieldError::new("flow", "flow.unknown", "流动党员情况应为“非流动党员”“流出”或“流入”"));
                }
                f
            }
        };
        let flow_place = given(&input.flow_place).unwrap_or_default().to_string();
        if matches!(flow, Some(Flow::Out | Flow::In)) && flow_place.is_empty() {
            inv.push(FieldError::new(
                "flow_place",
                "flow_place.required",
                if flow == Some(Flow::Out) { "流出党员请填写流入地" } else { "流入党员请填写流出地" },
            ));
        }
        let lost_contact_since = date("lost_contact_since", "失联日期", &input.lost_contact_since, &mut inv);

        if let (Some(b), Some(j)) = (birth_date, joined_on)
            && full_years(b, j) < MIN_JOIN_AGE
        {
            {
                inv.push(FieldError::new("joined_on", "joined_on.too_young", "入党时应年满18周岁，请核对入党日期或出生日期"));
            }
        }
        match (category, joined_on, confirmed_on) {
            (Some(Category::Probationary), _, Some(_)) => {
                inv.push(FieldError::new("confirmed_on", "confirmed_on.probationary", "预备党员尚未转正，不应填写转正日期"))
            }
            (Some(Category::Formal), Some(j), Some(c)) if c <= j => {
                inv.push(FieldError::new("confirmed_on", "confirmed_on.before_joined", "转正日期应晚于入党日期"))
            }
            _ => {}
        }
        for (field, label, v) in [("work_unit", "工作单位及职务", &input.work_unit), ("residence", "现居住地", &input.residence)]
        {
            if given(v).is_some_and(|s| s.chars().count() > 100) {
                inv.push(FieldError::new(field, "text.length", format!("{label}不能超过100个字")));
            }
        }

        if !inv.is_empty() {
            return Err(inv);
        }
        // Every required value is present when no error was recorded.
        match (name, gender, ethnicity, birth_date, id_number, joined_on, category, party_status, flow) {
            (
                Some(name),
                Some(gender),
                Some(ethnicity),
                Some(birth_date),
                Some(id_number),
                Some(joined_on),
                Some(category),
                Some(party_status),
                Some(flow),
            ) => Ok(MemberFields {
                name,
                gender,
                ethnicity,
                birth_date,
                id_number,
                education,
                phone,
                joined_on,
                confirmed_on,
                category,
                party_status,
                work_unit: given(&input.work_unit).unwrap_or_default().to_string(),
                residence: given(&input.residence).unwrap_or_default().to_string(),
                flow,
                flow_place: if flow == Flow::None { String::new() } else { flow_place },
                lost_contact_since,
            }),
            _ => Err(Invalid::one("member", "invalid", "党员信息不完整")),
        }
    }

    /// The fields as raw input again (to lay a patch over).
    pub fn to_input(&self) -> MemberInput {
        let d = |d: NaiveDate| Some(date_text(d));
        MemberInput {
            name: Some(self.name.clone()),
            gender: Some(self.gender.code().into()),
            ethnicity: Some(self.ethnicity.label().into()),
            birth_date: d(self.birth_date),
            id_number: Some(self.id_number.as_str().into()),
            education: self.education.map(|e| e.code().into()),
            phone: self.phone.clone(),
            joined_on: d(self.joined_on),
            confirmed_on: self.confirmed_on.and_then(d),
            category: Some(self.category.code().into()),
            party_status: Some(self.party_status.code().into()),
            work_unit: Some(self.work_unit.clone()),
            residence: Some(self.residence.clone()),
            flow: Some(self.flow.code().into()),
            flow_place: Some(self.flow_place.clone()),
            lost_contact_since: self.lost_contact_since.and_then(d),
        }
    }

    /// The history entries between two versions: (field, old, new) with labels for
    /// enumerations and masked values for the sensitive fields.
    pub fn diff(old: &MemberFields, new: &MemberFields) -> Vec<FieldChange> {
        let a = old.display_values();
        let b = new.display_values();
        a.into_iter().zip(b).filter(|(x, y)| x.1 != y.1).map(|((field, old), (_, new))| FieldChange { field, old, new }).collect()
    }

    /// Every field as shown in history: sensitive values masked.
    pub fn display_values(&self) -> Vec<(&'static str, String)> {
        let d = |d: Option<NaiveDate>| d.map(date_text).unwrap_or_default();
        vec![
            ("name", self.name.clone()),
            ("gender", self.gender.label().into()),
            ("ethnicity", self.ethnicity.label().into()),
            ("birth_date", d(Some(self.birth_date))),
            ("id_number", self.id_number.masked()),
            ("education", self.education.map(|e| e.label().to_string()).unwrap_or_default()),
            ("phone", self.phone.as_deref().map(mask_phone).unwrap_or_default()),
            ("joined_on", d(Some(self.joined_on))),
            ("confirmed_on", d(self.confirmed_on)),
            ("category", self.category.label().into()),
            ("party_status", self.party_status.label().into()),
            ("work_unit", self.work_unit.clone()),
            ("residence", self.residence.clone()),
            ("flow", self.flow.label().into()),
            ("flow_place", self.flow_place.clone()),
            ("lost_contact_since", d(self.lost_contact_since)),
        ]
    }
}

/// The Chinese name of an archive field (for history views and import headings).
pub fn field_label(field: &str) -> &'static str {
    match field {
        "name" => "姓名",
        "gender" => "性别",
        "ethnicity" => "民族",
        "birth_date" => "出生日期",
        "id_number" => "公民身份号码",
        "education" => "学历",
        "phone" => "手机号码",
        "joined_on" => "入党日期",
        "confirmed_on" => "转正日期",
        "category" => "人员类别",
        "party_status" => "党籍状态",
        "work_unit" => "工作单位及职务",
        "residence" => "现居住地",
        "flow" => "流动党员",
        "flow_place" => "流出地/流入地",
        "lost_contact_since" => "失联日期",
        "org_id" => "所在党组织",
        "group_id" => "所在党小组",
        "archived" => "历史库",
        "correction" => "本人申请更正",
        _ => "其他",
    }
}

/// One changed field of a member, as kept in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub old: String,
    pub new: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::member::idcard::compose;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    fn valid_input() -> MemberInput {
        let birth = NaiveDate::from_ymd_opt(1985, 3, 14).unwrap();
        MemberInput {
            name: Some("王建国".into()),
            ethnicity: Some("汉族".into()),
            id_number: Some(compose("330205", birth, 31)),
            phone: Some("13805741234".into()),
            joined_on: Some("2008-07-01".into()),
            confirmed_on: Some("2009-07-01".into()),
            category: Some("正式党员".into()),
            ..Default::default()
        }
    }

    fn error_codes(input: &MemberInput) -> Vec<&'static str> {
        match MemberFields::validate(input, today()) {
            Ok(_) => vec![],
            Err(e) => e.errors.iter().map(|e| e.code).collect(),
        }
    }

    #[test]
    fn a_complete_member_is_valid_and_derives_gender_and_birth_date() {
        let m = MemberFields::validate(&valid_input(), today()).unwrap();
        assert_eq!(m.gender, Gender::Male);
        assert_eq!(m.birth_date, NaiveDate::from_ymd_opt(1985, 3, 14).unwrap());
        assert_eq!(m.party_status, PartyStatus::Normal);
        assert_eq!(m.flow, Flow::None);
    }

    #[test]
    fn missing_required_fields_are_all_reported() {
        let codes = error_codes(&MemberInput::default());
        assert_eq!(codes.iter().filter(|c| **c == "required").count(), 5, "{codes:?}");
    }

    #[test]
    fn gender_contradicting_the_id_number_is_rejected() {
        let input = MemberInput { gender: Some("女".into()), ..valid_input() };
        assert_eq!(error_codes(&input), vec!["gender.mismatch"]);
    }

    #[test]
    fn birth_date_contradicting_the_id_number_is_rejected() {
        let input = MemberInput { birth_date: Some("1985-03-15".into()), ..valid_input() };
        assert_eq!(error_codes(&input), vec!["birth_date.mismatch"]);
    }

    #[test]
    fn bad_check_digit_is_rejected() {
        let mut id = valid_input().id_number.unwrap();
        let last = if id.ends_with('1') { '2' } else { '1' };
        id.pop();
        id.push(last);
        assert_eq!(error_codes(&MemberInput { id_number: Some(id), ..valid_input() }), vec!["id_number.checksum"]);
    }

    #[test]
    fn joining_before_eighteen_is_rejected() {
        let input = MemberInput { joined_on: Some("2003-03-13".into()), confirmed_on: None, ..valid_input() };
        assert_eq!(error_codes(&input), vec!["joined_on.too_young"]);
    }

    #[test]
    fn joining_on_the_eighteenth_birthday_is_allowed() {
        let input = MemberInput { joined_on: Some("2003-03-14".into()), confirmed_on: None, ..valid_input() };
        assert!(error_codes(&input).is_empty());
    }

    #[test]
    fn probationary_member_has_no_confirmation_date() {
        let input = MemberInput { category: Some("预备党员".into()), ..valid_input() };
        assert_eq!(error_codes(&input), vec!["confirmed_on.probationary"]);
    }

    #[test]
    fn confirmation_before_joining_is_rejected() {
        let input = MemberInput { confirmed_on: Some("2008-06-30".into()), ..valid_input() };
        assert_eq!(error_codes(&input), vec!["confirmed_on.before_joined"]);
    }

    #[test]
    fn future_dates_are_rejected() {
        let input = MemberInput { lost_contact_since: Some("2027-01-01".into()), ..valid_input() };
        assert_eq!(error_codes(&input), vec!["date.future"]);
    }

    #[test]
    fn malformed_dates_are_rejected() {
        let input = MemberInput { joined_on: Some("2008/07/01".into()), ..valid_input() };
        assert!(error_codes(&input).contains(&"date.format"));
    }

    #[test]
    fn outflowing_member_needs_a_place() {
        let input = MemberInput { flow: Some("流出".into()), ..valid_input() };
        assert_eq!(error_codes(&input), vec!["flow_place.required"]);
        let input = MemberInput { flow: Some("out".into()), flow_place: Some("上海市浦东新区".into()), ..valid_input() };
        assert!(error_codes(&input).is_empty());
    }

    #[test]
    fn malformed_phone_is_rejected() {
        for bad in ["1380574123", "23805741234", "12805741234", "1380574123x"] {
            assert_eq!(error_codes(&MemberInput { phone: Some(bad.into()), ..valid_input() }), vec!["phone.format"], "{bad}");
        }
        assert_eq!(parse_phone("+86 138-0574-1234").as_deref(), Some("13805741234"));
    }

    #[test]
    fn unknown_ethnicity_is_rejected_and_short_names_accepted() {
        assert_eq!(error_codes(&MemberInput { ethnicity: Some("火星族".into()), ..valid_input() }), vec!["ethnicity.unknown"]);
        assert_eq!(Ethnicity::parse("回").map(Ethnicity::label), Some("回族"));
        assert_eq!(Ethnicity::parse("56").map(Ethnicity::label), Some("基诺族"));
        assert_eq!(Ethnicity::parse("57"), None);
        assert_eq!(ETHNICITIES.len(), 56);
    }

    #[test]
    fn phone_is_masked_to_first_three_and_last_four() {
        assert_eq!(mask_phone("13805741234"), "138****1234");
    }

    #[test]
    fn a_name_is_masked_to_its_first_and_last_character() {
        assert_eq!(mask_name("张晓明"), "张*明");
        assert_eq!(mask_name("欧阳春华"), "欧**华");
        assert_eq!(mask_name(" 张明 "), "张*");
        assert_eq!(mask_name("明"), "*");
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn overlay_replaces_only_given_fields_and_diff_lists_changes_masked() {
        let old = MemberFields::validate(&valid_input(), today()).unwrap();
        let patch =
            MemberInput {
                residence: Some("江北区庄桥街道".into()), phone: Some("13905741234".into()), ..Default::default()
            };
        let new = MemberFields::validate(&old.to_input().overlay(&patch), today()).unwrap();
        let changes = MemberFields::diff(&old, &new);
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0], FieldChange { field: "phone", old: "138****1234".into(), new: "139****1234".into() });
        assert_eq!(changes[1].field, "residence");
        assert_eq!(changes[1].new, "江北区庄桥街道");
    }

    #[test]
    fn unchanged_record_has_no_diff() {
        let m = MemberFields::validate(&valid_input(), today()).unwrap();
        let again = MemberFields::validate(&m.to_input(), today()).unwrap();
        assert_eq!(again, m);
        assert!(MemberFields::diff(&m, &again).is_empty());
    }
}
