//! Money in integer 分 (i64), never floats: parsing an amount people type in 元 and
//! showing one.

/// The largest amount accepted from input, in 分: 1 亿元. Bounds every product the
/// rules compute (a rate in 万分之 times this stays far inside `i64`).
pub const MAX_FEN: i64 = 10_000_000_000;

/// Parses an amount in 元 as people type it (`3000`, `3000.5`, `3,000.01`, `￥15`) into
/// 分. More than two decimals, a sign, or more than [`MAX_FEN`] is refused (`None`).
pub fn parse_yuan(s: &str) -> Option<i64> {
    let s = s.trim().trim_start_matches(['¥', '￥']).trim_end_matches('元').trim();
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    let s: String = s.chars().filter(|c| *c != ',' && *c != '，').collect();
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s.as_str(), ""),
    };
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 2 {
        return None;
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let frac: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    let fen = whole.checked_mul(100)?.checked_add(frac)?;
    (fen <= MAX_FEN).then_some(fen)
}

/// `15.00`, `3000.01`, `-12.50`: 分 shown in 元 with two decimals.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_yuan_become_fen() {
        for (text, fen) in
            [("3000", 300_000), ("3000.01", 300_001), ("3,000.5", 300_050), ("￥15元", 1500), ("0.2", 20), (".5", 50)]
        {
            assert_eq!(parse_yuan(text), Some(fen), "{text}");
        }
    }

    #[test]
    fn signs_three_decimals_and_huge_amounts_are_refused() {
        for text in ["-1", "1.001", "abc", "", "1e5", "100000000.01"] {
            assert_eq!(parse_yuan(text), None, "{text}");
        }
    }

    #[test]
    fn fen_are_shown_in_yuan_with_two_decimals() {
        assert_eq!(yuan(1500), "15.00");
        assert_eq!(yuan(300_001), "3000.01");
        assert_eq!(yuan(-1250), "-12.50");
        assert_eq!(yuan(5), "0.05");
    }
}
