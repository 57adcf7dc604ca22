//! 档案更正 asked by the member (党员端 self-service): a member asks to correct their own
//! phone, address, education or work unit; an account with write reach over the member's
//! branch — never the member themself — approves (the archive changes through the member
//! write path) or declines with a reason. Pure: the store keeps the requests.

use super::{Education, MemberInput, parse_phone};
use crate::Invalid;
use crate::kernel::error::check_text;

/// Longest address or work unit asked for, in characters.
pub const CORRECTION_VALUE_MAX: usize = 100;
/// Longest reason or note, in characters.
pub const CORRECTION_TEXT_MAX: usize = 200;

labelled_enum! {
    /// Which archive field a member may ask to correct.
    pub enum ArchiveCorrectionField {
        Phone = ("phone", "手机号码"),
        Residence = ("residence", "家庭住址"),
        Education = ("education", "学历"),
        WorkUnit = ("work_unit", "工作单位"),
    }
}

labelled_enum! {
    /// Where a correction request stands.
    pub enum ArchiveCorrectionState {
        Pending = ("pending", "待审批"),
        Approved = ("approved", "已批准"),
        Rejected = ("rejected", "未批准"),
    }
}

/// Checks what a member asks for and returns the value as it will be stored (a phone's
/// digits, an education's code, a trimmed text). `current` is the archive's value in the
/// same form; asking for what is already there is refused.
pub fn check_correction(field: ArchiveCorrectionField, value: &str, reason: &str, current: &str) -> Result<String, Invalid> {
    let mut inv = Invalid::default();
    let v = value.trim();
    let normalized = match field {
        ArchiveCorrectionField::Phone => match parse_phone(v) {
            Some(p) => p,
            None => {
                inv.push(crate::kernel::error::FieldError::new(
                    "value",
                    "phone.invalid",
                    "手机号码应为 11 位数字，以 13–19 开头",
                ));
                String::new()
            }
        },
        ArchiveCorrectionField::Education => match Education::parse(v) {
            Some(e) => e.code().to_string(),
            None => {
                let options: Vec<&str> = Education::ALL.iter().map(|e| e.label()).collect();
                inv.push(crate::kernel::error::FieldError::new(
                    "value",
                    "education.unknown",
                    format!("学历应为：{}", options.join("、")),
                ));
                String::new()
            }
        },
        ArchiveCorrectionField::Residence | ArchiveCorrectionField::WorkUnit => {
            check_text(&mut inv, "value", field.label(), v, CORRECTION_VALUE_MAX, true);
            v.to_string()
        }
    };
    check_text(&mut inv, "reason", "更正原因", reason, CORRECTION_TEXT_MAX, false);
    if inv.is_empty() && normalized == current.trim() {
        return Err(Invalid::one("value", "correction.unchanged", format!("档案中的{}已经是这个值，无需更正", field.label())));
    }
    inv.into_result(normalized)
}

/// The state after the secretary's decision. The member who asked may not decide their
/// own request; declining says why.
pub fn decide_correction(
    state: ArchiveCorrectionState,
    decider_is_requester: bool,
    approve: bool,
    note: &str,
) -> Result<ArchiveCorrectionState, Invalid> {
    if state != ArchiveCorrectionState::Pending {
        return Err(Invalid::one("state", "correction.decided", format!("该更正申请已{}", state.label())));
    }
    if decider_is_requester {
        return Err(Invalid::one("state", "correction.own", "不能审批本人的档案更正申请，请由所在党支部书记审批"));
    }
    let mut inv = Invalid::default();
    check_text(&mut inv, "note", "不批准的理由", note, CORRECTION_TEXT_MAX, !approve);
    inv.into_result(if approve { ArchiveCorrectionState::Approved } else { ArchiveCorrectionState::Rejected })
}

/// The archive patch an approved request makes (the stored value of [`check_correction`]).
pub fn correction_patch(field: ArchiveCorrectionField, value: &str) -> MemberInput {
    let v = Some(value.to_string());
    match field {
        ArchiveCorrectionField::Phone => MemberInput { phone: v, ..Default::default() },
        ArchiveCorrectionField::Residence => MemberInput { residence: v, ..Default::default() },
        ArchiveCorrectionField::Education => MemberInput { education: v, ..Default::default() },
        ArchiveCorrectionField::WorkUnit => MemberInput { work_unit: v, ..Default::default() },
    }
}

/// A value as lists show it: a phone masked, an education by its label, text as is.
pub fn correction_display(field: ArchiveCorrectionField, value: &str) -> String {
    match field {
        ArchiveCorrectionField::Phone => super::mask_phone(value),
        ArchiveCorrectionField::Education => Education::from_code(value).map(|e| e.label().to_string()).unwrap_or_default(),
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_correction_is_stored_as_its_eleven_digits() {
        let v = check_correction(ArchiveCorrectionField::Phone, "139-1234-5678", "换号", "13800000000").unwrap();
        assert_eq!(v, "13912345678");
        assert_eq!(correction_display(ArchiveCorrectionField::Phone, &v), "139****5678");
    }

    #[test]
    fn an_invalid_phone_is_refused() {
        assert!(check_correction(ArchiveCorrectionField::Phone, "12345", "", "").unwrap_err().has("phone.invalid"));
    }

    #[test]
    fn an_education_is_asked_by_its_label_and_stored_by_its_code() {
        let v = check_correction(ArchiveCorrectionField::Education, "硕士研究生", "", "bachelor").unwrap();
        assert_eq!(v, "master");
        assert!(check_correction(ArchiveCorrectionField::Education, "博士后", "", "").unwrap_err().has("education.unknown"));
    }

    #[test]
    fn an_address_or_work_unit_is_required_and_bounded() {
        assert!(check_correction(ArchiveCorrectionField::Residence, "  ", "", "").unwrap_err().has("text.required"));
        let long = "路".repeat(CORRECTION_VALUE_MAX + 1);
        assert!(check_correction(ArchiveCorrectionField::WorkUnit, &long, "", "").is_err());
        assert_eq!(check_correction(ArchiveCorrectionField::WorkUnit, " 区财政局 ", "", "").unwrap(), "区财政局");
    }

    #[test]
    fn asking_for_the_value_already_in_the_archive_is_refused() {
        let e = check_correction(ArchiveCorrectionField::Residence, "幸福路 1 号", "", "幸福路 1 号").unwrap_err();
        assert!(e.has("correction.unchanged"));
    }

    #[test]
    fn the_secretary_approves_a_pending_request() {
        assert_eq!(
            decide_correction(ArchiveCorrectionState::Pending, false, true, "").unwrap(),
            ArchiveCorrectionState::Approved
        );
    }

    #[test]
    fn declining_needs_a_reason() {
        assert!(decide_correction(ArchiveCorrectionState::Pending, false, false, " ").unwrap_err().has("text.required"));
        assert_eq!(
            decide_correction(ArchiveCorrectionState::Pending, false, false, "与人事档案不符").unwrap(),
            ArchiveCorrectionState::Rejected
        );
    }

    #[test]
    fn the_member_who_asked_may_not_approve_their_own_request() {
        assert!(decide_correction(ArchiveCorrectionState::Pending, true, true, "").unwrap_err().has("correction.own"));
    }

    #[test]
    fn a_decided_request_is_not_decided_again() {
        for s in [ArchiveCorrectionState::Approved, ArchiveCorrectionState::Rejected] {
            assert!(decide_correction(s, false, true, "").unwrap_err().has("correction.decided"));
        }
    }

    #[test]
    fn an_approved_request_patches_only_its_field() {
        let p = correction_patch(ArchiveCorrectionField::WorkUnit, "区财政局");
        assert_eq!(p.work_unit.as_deref(), Some("区财政局"));
        assert!(p.phone.is_none() && p.residence.is_none() && p.education.is_none());
    }
}
