//! 驾驶舱 (the cockpit): compliance roll-ups over any subtree and their red/amber/green
//! class.

pub mod rates;
pub mod rectify;

pub use rates::{
    Cells, ChildRate, CockpitOrg, Rate, RuleRate, action_for, enabled_rules, finding_codes, keys_for, meeting_codes, rank,
    resolve_period, rule_periods, rule_rate, severity_order,
};

use crate::orglife::RagThresholds;
use serde::{Deserialize, Serialize};

labelled_enum! {
    /// Traffic-light class of a compliance rate.
    pub enum Rag {
        Green = ("green", "绿"),
        Amber = ("amber", "黄"),
        Red = ("red", "红"),
        /// No org was judged.
        NoData = ("none", "无数据"),
    }
}

/// How many of the judged orgs complied with a rule in a period. Roll-ups add up, so a
/// subtree's figure is the sum of its branches' figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Rollup {
    pub compliant: u32,
    pub total: u32,
}

impl Rollup {
    /// Counts per-org compliance flags.
    pub fn from_flags(flags: impl IntoIterator<Item = bool>) -> Rollup {
        flags.into_iter().fold(Rollup::default(), |mut r, ok| {
            r.total += 1;
            r.compliant += u32::from(ok);
            r
        })
    }

    /// The rate in basis points (0–10000, rounded down); `None` when nothing was judged.
    pub fn basis_points(&self) -> Option<u32> {
        (self.total > 0).then(|| (u64::from(self.compliant) * 10_000 / u64::from(self.total)) as u32)
    }

    /// The rate in whole percent, rounded down.
    pub fn percent(&self) -> Option<u32> {
        self.basis_points().map(|b| b / 100)
    }

    /// Red, amber or green by the thresholds, compared exactly (`compliant/total ≥ p%`).
    pub fn rag(&self, t: &RagThresholds) -> Rag {
        if self.total == 0 {
            return Rag::NoData;
        }
        let at_least = |percent: u32| u64::from(self.compliant) * 100 >= u64::from(percent) * u64::from(self.total);
        if at_least(t.green_percent) {
            Rag::Green
        } else if at_least(t.amber_percent) {
            Rag::Amber
        } else {
            Rag::Red
        }
    }
}

impl std::ops::Add for Rollup {
    type Output = Rollup;
    /// The sum of two roll-ups (a subtree from its branches).
    fn add(self, other: Rollup) -> Rollup {
        Rollup { compliant: self.compliant + other.compliant, total: self.total + other.total }
    }
}

impl std::iter::Sum for Rollup {
    fn sum<I: Iterator<Item = Rollup>>(iter: I) -> Rollup {
        iter.fold(Rollup::default(), |a, b| a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rag_thresholds_are_inclusive_and_exact() {
        let t = RagThresholds::default();
        // (compliant, total, class)
        let cases = [
            (9, 10, Rag::Green),
            (10, 10, Rag::Green),
            (899, 1000, Rag::Amber),
            (7, 10, Rag::Amber),
            (69, 100, Rag::Red),
            (0, 3, Rag::Red),
            (0, 0, Rag::NoData),
        ];
        for (compliant, total, class) in cases {
            assert_eq!(Rollup { compliant, total }.rag(&t), class, "{compliant}/{total}");
        }
        let strict = RagThresholds { green_percent: 100, amber_percent: 95 };
        assert_eq!(Rollup { compliant: 19, total: 20 }.rag(&strict), Rag::Amber);
    }

    #[test]
    fn rollups_count_flags_and_add_up() {
        let a = Rollup::from_flags([true, false, true]);
        let b = Rollup::from_flags([true]);
        assert_eq!(a, Rollup { compliant: 2, total: 3 });
        assert_eq!(a + b, Rollup { compliant: 3, total: 4 });
        assert_eq!([a, b, Rollup::default()].into_iter().sum::<Rollup>(), Rollup { compliant: 3, total: 4 });
        assert_eq!(a.basis_points(), Some(6666));
        assert_eq!(a.percent(), Some(66));
        assert_eq!(Rollup::default().percent(), None);
    }
}
