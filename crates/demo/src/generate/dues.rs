//! A year of 党费 for the demo: each member's category and base, and which months they
//! paid and how. Most members pay every month (the current one not always yet); a few
//! are a few months behind (预警) and a few six months or more (问题 under 党章第九条).
//! Pure: a function of the seed and the member ids.

use super::rng::{chance, stream, weighted};
use chacha20::ChaCha12Rng;
use rand::RngExt;
use vanguard_domain::affairs::dues::{DuesCategory, Payer};

/// One member's dues for the demo year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuesSeed {
    pub category: DuesCategory,
    /// In 分 (0 for the fixed-amount categories).
    pub base_fen: i64,
    /// 农民's own amount, when the branch set one.
    pub fixed_fen: Option<i64>,
    /// How many of the last closed months are unpaid (0: up to date).
    pub behind: u32,
    /// Whether the current month is paid already.
    pub paid_current: bool,
    pub payer: Payer,
}

const CATEGORIES: &[(DuesCategory, u32)] = &[
    (DuesCategory::Employed, 58),
    (DuesCategory::Retired, 26),
    (DuesCategory::Farmer, 8),
    (DuesCategory::Needy, 4),
    (DuesCategory::SelfEmployed, 3),
    (DuesCategory::AnnualSalary, 1),
];

const PAYERS: &[(Payer, u32)] = &[(Payer::Cash, 45), (Payer::Member, 45), (Payer::Entrusted, 10)];

/// The generator's stream for 党费 ("DUES").
const STREAM: u64 = 0x4455_4553_0000_0000;

/// A monthly base in 分 between `lo` and `hi` 元.
fn yuan(rng: &mut ChaCha12Rng, lo: i64, hi: i64) -> i64 {
    rng.random_range(lo..hi) * 100 + rng.random_range(0..100)
}

/// Seeds for the members, in the order given.
pub fn dues_seeds(seed: u64, member_ids: &[i64]) -> Vec<DuesSeed> {
    let mut rng = stream(seed, STREAM);
    member_ids
        .iter()
        .map(|_| {
            let category = weighted(&mut rng, CATEGORIES);
            let base_fen = match category {
                DuesCategory::Employed => yuan(&mut rng, 2_500, 16_000),
                DuesCategory::Retired => yuan(&mut rng, 2_000, 8_000),
                DuesCategory::SelfEmployed => yuan(&mut rng, 3_000, 9_000),
                DuesCategory::AnnualSalary => yuan(&mut rng, 12_000, 30_000),
                DuesCategory::Farmer | DuesCategory::Needy => 0,
            };
            let fixed_fen = (category == DuesCategory::Farmer && chance(&mut rng, 0.5)).then(|| rng.random_range(2..=10) * 10);
            let behind = if chance(&mut rng, 0.04) {
                rng.random_range(6..=9)
            } else if chance(&mut rng, 0.06) {
                rng.random_range(1..=5)
            } else {
                0
            };
            let paid_current = behind == 0 && chance(&mut rng, 0.6);
            DuesSeed { category, base_fen, fixed_fen, behind, paid_current, payer: weighted(&mut rng, PAYERS) }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_members_are_up_to_date_and_a_few_are_six_months_behind() {
        let ids: Vec<i64> = (0..5_000).collect();
        let seeds = dues_seeds(7, &ids);
        let up_to_date = seeds.iter().filter(|s| s.behind == 0).count();
        let problems = seeds.iter().filter(|s| s.behind >= 6).count();
        assert!(up_to_date > 4_300, "{up_to_date}");
        assert!((100..400).contains(&problems), "{problems}");
        assert_eq!(seeds, dues_seeds(7, &ids), "the same seed gives the same year");
        assert!(seeds.iter().all(|s| s.category.has_base() == (s.base_fen > 0)));
    }
}
