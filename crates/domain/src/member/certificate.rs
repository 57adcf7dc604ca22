//! 党员身份证明: a printable certificate a member downloads, with a certificate number and
//! a random verification code that a public page confirms. The code is 100 random bits
//! written as 20 Crockford base-32 characters in groups of four; people read it off paper,
//! so reading forgives case, spaces, dashes and the letters confused with digits (O, I, L).

/// Random bytes behind a code (the last 4 bits of the 13th byte are dropped: 100 bits).
pub const CERTIFICATE_CODE_BYTES: usize = 13;
/// Characters of a code, without the dashes.
pub const CERTIFICATE_CODE_CHARS: usize = 20;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The code of `random` bytes: `XXXX-XXXX-XXXX-XXXX-XXXX`.
pub fn certificate_code(random: &[u8; CERTIFICATE_CODE_BYTES]) -> String {
    let mut bits: u128 = 0;
    for b in random {
        bits = (bits << 8) | u128::from(*b);
    }
    bits >>= 4; // 104 → 100 bits
    let mut chars = [0u8; CERTIFICATE_CODE_CHARS];
    for c in chars.iter_mut().rev() {
        *c = ALPHABET[(bits & 31) as usize];
        bits >>= 5;
    }
    let text: Vec<String> = chars.chunks(4).map(|g| String::from_utf8_lossy(g).into_owned()).collect();
    text.join("-")
}

/// The canonical form of a code as typed (`XXXX-…`), or `None` when it cannot be one.
/// Bounded before any work: longer input is refused outright.
pub fn normalize_certificate_code(raw: &str) -> Option<String> {
    if raw.len() > 64 {
        return None;
    }
    let mut chars = Vec::with_capacity(CERTIFICATE_CODE_CHARS);
    for c in raw.chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
            return None;
        }
        chars.push(c);
    }
    if chars.len() != CERTIFICATE_CODE_CHARS {
        return None;
    }
    let groups: Vec<String> = chars.chunks(4).map(|g| g.iter().collect()).collect();
    Some(groups.join("-"))
}

/// The certificate number: the issuing year, the region and a serial unique within it
/// (`DYZM-2026-00012-000345`).
pub fn certificate_number(year: i32, region_id: i64, serial: i64) -> String {
    format!("DYZM-{year}-{region_id:05}-{serial:06}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_twenty_characters_in_five_groups() {
        let c = certificate_code(&[0xff; CERTIFICATE_CODE_BYTES]);
        assert_eq!(c, "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ");
        let z = certificate_code(&[0; CERTIFICATE_CODE_BYTES]);
        assert_eq!(z, "0000-0000-0000-0000-0000");
    }

    #[test]
    fn different_random_bytes_give_different_codes() {
        let mut a = [0u8; CERTIFICATE_CODE_BYTES];
        let b = a;
        a[0] = 0x80;
        assert_ne!(certificate_code(&a), certificate_code(&b));
        let mut c = [0u8; CERTIFICATE_CODE_BYTES];
        c[12] = 0x10; // the lowest bit kept
        assert_eq!(certificate_code(&c), "0000-0000-0000-0000-0001");
    }

    #[test]
    fn a_code_read_off_paper_is_forgiven_case_spaces_and_look_alike_letters() {
        let code = "0123-4567-89AB-CDEF-GH1K";
        assert_eq!(normalize_certificate_code("o123 4567 89ab cdef ghik").as_deref(), Some(code));
        assert_eq!(normalize_certificate_code("0123456789ABCDEFGHLK").as_deref(), Some(code));
    }

    #[test]
    fn a_code_of_the_wrong_length_or_letters_is_no_code() {
        assert!(normalize_certificate_code("0123-4567").is_none());
        assert!(normalize_certificate_code("0123-4567-89AB-CDEF-GH1U").is_none());
        assert!(normalize_certificate_code("党员-4567-89AB-CDEF-GH1K").is_none());
        assert!(normalize_certificate_code(&"0".repeat(100)).is_none());
    }

    #[test]
    fn the_certificate_number_names_year_region_and_serial() {
        assert_eq!(certificate_number(2026, 12, 345), "DYZM-2026-00012-000345");
    }
}
