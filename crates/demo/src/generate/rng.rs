//! Small random and calendar helpers shared by the generators.

use chacha20::ChaCha12Rng as StdRng;
use chrono::{Datelike, Days, NaiveDate};
use rand::{RngExt, SeedableRng};

/// SplitMix64 finalizer: spreads a seed so nearby inputs give unrelated streams.
pub(super) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A generator for one purpose (`stream`) derived from a seed.
pub(super) fn stream(seed: u64, stream: u64) -> StdRng {
    StdRng::seed_from_u64(mix(seed ^ mix(stream)))
}

/// A uniformly chosen item.
pub(super) fn pick<T: Copy>(rng: &mut StdRng, xs: &[T]) -> T {
    xs[rng.random_range(0..xs.len())]
}

/// A uniformly chosen item, by reference.
pub(super) fn pick_ref<'a, T>(rng: &mut StdRng, xs: &'a [T]) -> &'a T {
    &xs[rng.random_range(0..xs.len())]
}

/// True with probability `p` (clamped to 0..=1).
pub(super) fn chance(rng: &mut StdRng, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// Picks from `(item, weight)` pairs.
pub(super) fn weighted<T: Copy>(rng: &mut StdRng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut r = rng.random_range(0..total.max(1));
    for (item, w) in items {
        if r < *w {
            return *item;
        }
        r -= w;
    }
    items[items.len() - 1].0
}

/// Cumulative weights for repeated weighted picks by binary search.
pub(super) struct Table<T: 'static> {
    items: &'static [(T, u32)],
    cumulative: Vec<u32>,
}

impl<T: Copy> Table<T> {
    pub fn new(items: &'static [(T, u32)]) -> Self {
        let mut sum = 0;
        let cumulative = items
            .iter()
            .map(|(_, w)| {
                sum += w;
                sum
            })
            .collect();
        Table { items, cumulative }
    }
    pub fn pick(&self, rng: &mut StdRng) -> T {
        let total = self.cumulative.last().copied().unwrap_or(1);
        let r = rng.random_range(0..total);
        let i = self.cumulative.partition_point(|c| *c <= r);
        self.items[i.min(self.items.len() - 1)].0
    }
}

pub(super) fn days_before(d: NaiveDate, days: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(days)).unwrap_or(d)
}

pub(super) fn days_after(d: NaiveDate, days: u64) -> NaiveDate {
    d.checked_add_days(Days::new(days)).unwrap_or(d)
}

/// A uniformly random date in `from..=to` (`from` if the range is empty).
pub(super) fn date_between(rng: &mut StdRng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days();
    if span <= 0 { from } else { days_after(from, rng.random_range(0..=span) as u64) }
}

pub(super) fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// The first day on which someone born on `birth` is `years` full years old
/// (a 29 February birthday counts from 1 March in common years).
pub(super) fn birthday(birth: NaiveDate, years: i32) -> NaiveDate {
    let y = birth.year() + years;
    NaiveDate::from_ymd_opt(y, birth.month(), birth.day()).unwrap_or_else(|| ymd(y, 3, 1))
}

/// Full years of age on `on`.
pub(super) fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}
