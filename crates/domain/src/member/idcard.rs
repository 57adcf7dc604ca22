//! 公民身份号码 (GB 11643-1999): 6-digit address code, 8-digit birth date, 3-digit
//! sequence (odd for men, even for women) and an ISO 7064 MOD 11-2 check character.

use crate::member::Gender;
use chrono::NaiveDate;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Why a string is not a valid 公民身份号码.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdNumberError {
    /// Not 18 characters of digits with an optional final X.
    Format,
    /// The embedded birth date is not a real date.
    BirthDate,
    /// The check character does not match.
    Checksum,
}

impl IdNumberError {
    pub fn code(self) -> &'static str {
        match self {
            IdNumberError::Format => "id_number.format",
            IdNumberError::BirthDate => "id_number.birth_date",
            IdNumberError::Checksum => "id_number.checksum",
        }
    }
    pub fn message(self) -> &'static str {
        match self {
            IdNumberError::Format => "公民身份号码应为18位，前17位为数字，最后一位为数字或X，请核对",
            IdNumberError::BirthDate => "公民身份号码中的出生日期（第7至14位）不是有效日期，请核对",
            IdNumberError::Checksum => "公民身份号码校验位不正确，可能有数字录错，请逐位核对",
        }
    }
}

/// A validated 公民身份号码, normalized (full-width digits and a lower-case x accepted).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

impl IdNumber {
    pub fn parse(raw: &str) -> Result<Self, IdNumberError> {
        let normalized: String = raw
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                'x' | 'ｘ' | 'Ｘ' => 'X',
                other => other,
            })
            .collect();
        let bytes = normalized.as_bytes();
        if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) || !(bytes[17].is_ascii_digit() || bytes[17] == b'X')
        {
            return Err(IdNumberError::Format);
        }
        let last = bytes[17] as char;
        let id = IdNumber(normalized);
        id.birth_date().ok_or(IdNumberError::BirthDate)?;
        if check_char(&id.0[..17]) != Some(last) {
            return Err(IdNumberError::Checksum);
        }
        Ok(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> Option<NaiveDate> {
        let s = &self.0;
        let y = s.get(6..10)?.parse().ok()?;
        let m = s.get(10..12)?.parse().ok()?;
        let d = s.get(12..14)?.parse().ok()?;
        NaiveDate::from_ymd_opt(y, m, d)
    }

    pub fn gender(&self) -> Gender {
        let digit = self.0.as_bytes()[16] - b'0';
        if digit % 2 == 1 { Gender::Male } else { Gender::Female }
    }

    /// The 6-digit 行政区划代码.
    pub fn region_code(&self) -> &str {
        &self.0[..6]
    }

    /// The masked form shown in views: only the first and the last character kept.
    ///
    /// Keeping more rebuilds the number: digits 7–14 are the birth date, which is shown
    /// in clear, digit 17's parity is the gender, and the check character ties the rest
    /// together; with the first 6 and last 4 kept, masked value + birth date gave the
    /// whole number. See [`mask_id_number`].
    pub fn masked(&self) -> String {
        mask_id_number(&self.0)
    }
}

/// The mask of any ID-number text (also a stored one of the old form): its first and last
/// character, and one `*` for each character between.
pub fn mask_id_number(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// A text with every run of 7 or more digits (with an ID number's trailing `X`) masked as
/// [`mask_id_number`] masks: what a message quoting a cell may keep at rest or show, when
/// the cell may hold an ID or phone number typed into the wrong column.
pub fn mask_number_runs(text: &str) -> String {
    const LONGEST_CLEAR: usize = 6;
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() > LONGEST_CLEAR {
            out.push_str(&mask_id_number(run));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() || (matches!(c, 'X' | 'x') && !run.is_empty()) {
            run.push(c);
            if matches!(c, 'X' | 'x') {
                flush(&mut run, &mut out);
            }
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// The check character for the first 17 digits, or `None` if they are not 17 digits.
pub fn check_char(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = b.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    Some(CHECK_CHARS[(sum % 11) as usize])
}

/// Builds a valid number from an address code, a birth date and a 3-digit sequence
/// (used by the demo generator and tests).
pub fn compose(region: &str, birth: NaiveDate, sequence: u16) -> String {
    let first17 = format!("{region}{}{:03}", birth.format("%Y%m%d"), sequence % 1000);
    let check = check_char(&first17).unwrap_or('0');
    format!("{first17}{check}")
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_message_quoting_an_id_or_phone_number_keeps_only_its_first_and_last_character() {
        assert_eq!(mask_number_runs("出生日期“11010519491231002X”无效"), "出生日期“1****************X”无效");
        assert_eq!(mask_number_runs("手机 13800001111 不是日期"), "手机 1*********1 不是日期");
    }

    #[test]
    fn short_numbers_and_dates_in_a_message_stay_readable() {
        assert_eq!(mask_number_runs("第 27 行：入党日期 2026-13-01 无效"), "第 27 行：入党日期 2026-13-01 无效");
        assert_eq!(mask_number_runs("日期 20261301 无效"), "日期 2******1 无效");
    }

    use super::*;

    // The worked example of GB 11643-1999 Appendix A.
    const STANDARD_EXAMPLE: &str = "11010519491231002X";

    #[test]
    fn standard_example_is_valid() {
        let id = IdNumber::parse(STANDARD_EXAMPLE).unwrap();
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31));
        assert_eq!(id.gender(), Gender::Female);
        assert_eq!(id.region_code(), "110105");
    }

    #[test]
    fn lower_case_x_is_accepted_and_normalized() {
        assert_eq!(IdNumber::parse("11010519491231002x").unwrap().as_str(), STANDARD_EXAMPLE);
    }

    #[test]
    fn full_width_digits_are_accepted() {
        assert_eq!(IdNumber::parse("１１０１０５１９４９１２３１００２Ｘ").unwrap().as_str(), STANDARD_EXAMPLE);
    }

    #[test]
    fn surrounding_spaces_are_ignored() {
        assert!(IdNumber::parse("  11010519491231002X ").is_ok());
    }

    #[test]
    fn wrong_check_character_is_a_checksum_error() {
        assert_eq!(IdNumber::parse("110105194912310021"), Err(IdNumberError::Checksum));
    }

    #[test]
    fn one_digit_changed_is_a_checksum_error() {
        assert_eq!(IdNumber::parse("11010519491231003X"), Err(IdNumberError::Checksum));
    }

    #[test]
    fn fifteen_digit_old_numbers_are_rejected_as_format() {
        assert_eq!(IdNumber::parse("110105491231002"), Err(IdNumberError::Format));
    }

    #[test]
    fn letters_in_the_body_are_a_format_error() {
        assert_eq!(IdNumber::parse("1101051949123A002X"), Err(IdNumberError::Format));
    }

    #[test]
    fn impossible_birth_date_is_a_birth_date_error() {
        let bad = compose("330203", NaiveDate::from_ymd_opt(1990, 1, 1).unwrap(), 123).replace("19900101", "19900231");
        assert_eq!(IdNumber::parse(&bad), Err(IdNumberError::BirthDate));
    }

    #[test]
    fn leap_day_birth_dates_are_valid_in_leap_years_only() {
        let leap = compose("330203", NaiveDate::from_ymd_opt(2000, 2, 29).unwrap(), 11);
        assert!(IdNumber::parse(&leap).is_ok());
        let not_leap = {
            let first17 = "33020319000229011";
            format!("{first17}{}", check_char(first17).unwrap())
        };
        assert_eq!(IdNumber::parse(&not_leap), Err(IdNumberError::BirthDate));
    }

    #[test]
    fn odd_sequence_is_male_even_is_female() {
        let d = NaiveDate::from_ymd_opt(1980, 5, 6).unwrap();
        assert_eq!(IdNumber::parse(&compose("330205", d, 13)).unwrap().gender(), Gender::Male);
        assert_eq!(IdNumber::parse(&compose("330205", d, 14)).unwrap().gender(), Gender::Female);
    }

    #[test]
    fn masked_form_keeps_only_the_first_and_last_character() {
        assert_eq!(IdNumber::parse(STANDARD_EXAMPLE).unwrap().masked(), "1****************X");
    }

    /// The hole probing found: the old mask (first 6 + last 4) plus the birth date shown
    /// in clear left only the check-consistent sequence digits, one number in practice.
    /// Now everything a viewer sees (mask, birth date, gender) leaves thousands.
    #[test]
    fn masked_id_plus_birth_date_and_gender_cannot_rebuild_the_number() {
        let id = IdNumber::parse(STANDARD_EXAMPLE).unwrap();
        let shown = id.masked();
        let birth = id.birth_date().unwrap();
        let gender = id.gender();
        let fits = |shown: &str, candidate: &str| shown.chars().zip(candidate.chars()).all(|(s, c)| s == '*' || s == c);
        // Candidates: any address code, the known birth date, any sequence; kept when
        // they agree with every shown character, the gender and the check character.
        let mut candidates = 0u32;
        for region in 100_000..1_000_000u32 {
            let region = region.to_string();
            if !fits(&shown[..6], &region) {
                continue;
            }
            for seq in 0..1000u16 {
                let c = compose(&region, birth, seq);
                if fits(&shown, &c) && IdNumber::parse(&c).is_ok_and(|p| p.gender() == gender) {
                    candidates += 1;
                    if candidates > 10_000 {
                        return;
                    }
                }
            }
        }
        panic!("only {candidates} numbers fit what a viewer sees");
    }

    #[test]
    fn an_old_style_mask_is_remasked_to_first_and_last() {
        assert_eq!(mask_id_number("110105********002X"), "1****************X");
        assert_eq!(mask_id_number(""), "");
    }

    #[test]
    fn composed_numbers_always_validate() {
        let mut d = NaiveDate::from_ymd_opt(1930, 1, 1).unwrap();
        for seq in 0..2000u16 {
            let s = compose("330205", d, seq);
            assert!(IdNumber::parse(&s).is_ok(), "{s}");
            d = d.succ_opt().unwrap();
        }
    }
}
