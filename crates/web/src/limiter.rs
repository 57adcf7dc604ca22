//! The per-IP login rate limit: a token bucket per address (burst, then one attempt
//! back every `refill` seconds), so nobody can lock arbitrary accounts from one place.
//! Small enough to keep here rather than pull in a rate-limiting crate and its
//! dependencies for one route.
//!
//! Memory stays bounded without ever scanning the buckets: they live in two generations.
//! New and touched buckets go into the current one; every `burst × refill` seconds (the
//! time an untouched bucket takes to fill up again) the current generation becomes the
//! previous one and the old previous one is dropped whole. A bucket untouched for a
//! whole generation is full again, so dropping it forgets nothing. When a spray of
//! addresses fills the current generation up to its capacity it turns over early; the
//! buckets then dropped may not be full yet (their addresses get a fresh burst), which
//! costs an attacker as many addresses as the capacity for every burst regained.
//! Every call is O(1): one or two hash lookups, and at most one turnover, which frees
//! a map of plain values without visiting its entries.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Addresses one generation holds at most (two generations are kept).
pub const DEFAULT_CAPACITY: usize = 100_000;

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

struct Generations {
    current: HashMap<IpAddr, Bucket>,
    previous: HashMap<IpAddr, Bucket>,
    started: Instant,
}

#[derive(Clone)]
pub struct LoginLimiter {
    inner: Arc<Mutex<Generations>>,
    burst: f64,
    refill_secs: f64,
    /// How long a generation lasts: the time an empty bucket takes to fill up.
    generation: Duration,
    capacity: usize,
}

impl LoginLimiter {
    pub fn new(burst: u32, refill_seconds: u32) -> Self {
        Self::with_capacity(burst, refill_seconds, DEFAULT_CAPACITY)
    }

    /// A limiter whose generations hold at most `capacity` addresses each.
    pub fn with_capacity(burst: u32, refill_seconds: u32, capacity: usize) -> Self {
        let burst = f64::from(burst.max(1));
        let refill_secs = f64::from(refill_seconds.max(1));
        LoginLimiter {
            inner: Arc::new(Mutex::new(Generations {
                current: HashMap::new(),
                previous: HashMap::new(),
                started: Instant::now(),
            })),
            burst,
            refill_secs,
            generation: Duration::from_secs_f64(burst * refill_secs),
            capacity: capacity.max(1),
        }
    }

    /// Takes one attempt from `ip`'s bucket; `Err(seconds)` says how long until the next.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        self.check_at(ip, Instant::now())
    }

    fn check_at(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let expired = now.saturating_duration_since(g.started) >= self.generation;
        if expired || (g.current.len() >= self.capacity && !g.current.contains_key(&ip)) {
            // Two generations without a touch: full again; dropped with the map.
            g.previous = std::mem::take(&mut g.current);
            g.started = now;
        }
        let found = match g.current.get(&ip) {
            Some(b) => Some(*b),
            None => g.previous.remove(&ip),
        };
        let Bucket { tokens, at } = found.unwrap_or(Bucket { tokens: self.burst, at: now });
        let refilled = (tokens + now.saturating_duration_since(at).as_secs_f64() / self.refill_secs).min(self.burst);
        let (tokens, answer) = if refilled >= 1.0 {
            (refilled - 1.0, Ok(()))
        } else {
            (refilled, Err(((1.0 - refilled) * self.refill_secs).ceil() as u64))
        };
        g.current.insert(ip, Bucket { tokens, at: now });
        answer
    }

    /// Addresses currently remembered (both generations).
    pub fn len(&self) -> usize {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.current.len() + g.previous.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u32) -> IpAddr {
        IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + n))
    }

    #[test]
    fn eleventh_attempt_in_a_burst_is_refused() {
        let l = LoginLimiter::new(10, 60);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..10 {
            assert!(l.check(ip).is_ok());
        }
        let wait = l.check(ip).unwrap_err();
        assert!((59..=60).contains(&wait));
    }

    #[test]
    fn other_addresses_have_their_own_bucket() {
        let l = LoginLimiter::new(1, 60);
        assert!(l.check("10.0.0.1".parse().unwrap()).is_ok());
        assert!(l.check("10.0.0.1".parse().unwrap()).is_err());
        assert!(l.check("10.0.0.2".parse().unwrap()).is_ok());
    }

    #[test]
    fn a_drained_bucket_survives_a_generation_turnover() {
        let l = LoginLimiter::with_capacity(2, 60, 2);
        let t0 = Instant::now();
        assert!(l.check_at(ip(1), t0).is_ok());
        assert!(l.check_at(ip(1), t0).is_ok());
        assert!(l.check_at(ip(2), t0).is_ok());
        // A third address fills the generation: it turns over, ip(1) is in the previous
        // one, still drained.
        assert!(l.check_at(ip(3), t0).is_ok());
        assert!(l.check_at(ip(1), t0).is_err(), "a turnover gave a drained address a fresh burst");
    }

    #[test]
    fn a_bucket_untouched_for_a_generation_is_full_when_forgotten() {
        let l = LoginLimiter::new(2, 60);
        let t0 = Instant::now();
        assert!(l.check_at(ip(1), t0).is_ok());
        assert!(l.check_at(ip(1), t0).is_ok());
        // Two turnovers later (each generation is 2 × 60 s) ip(1) is forgotten; it had
        // refilled by then, so it gets exactly the burst it would have had.
        let t1 = t0 + Duration::from_secs(120);
        let t2 = t1 + Duration::from_secs(120);
        assert!(l.check_at(ip(2), t1).is_ok());
        assert!(l.check_at(ip(2), t2).is_ok());
        assert_eq!(l.len(), 1, "ip(1) is still remembered");
        assert!(l.check_at(ip(1), t2).is_ok());
        assert!(l.check_at(ip(1), t2).is_ok());
        assert!(l.check_at(ip(1), t2).is_err());
    }

    #[test]
    fn a_spray_of_addresses_keeps_memory_bounded() {
        let l = LoginLimiter::with_capacity(10, 60, 1000);
        for n in 0..10_000 {
            assert!(l.check(ip(n)).is_ok());
        }
        assert!(l.len() <= 2000, "{} addresses remembered", l.len());
    }

    /// The old limiter scanned every bucket on each call once it held more than 100,000
    /// addresses (200,000 calls took minutes); every call is now a lookup.
    #[test]
    fn two_hundred_thousand_addresses_are_checked_without_scanning() {
        let l = LoginLimiter::new(10, 60);
        let started = Instant::now();
        for n in 0..300_000 {
            assert!(l.check(ip(n)).is_ok());
        }
        // Each address attempted once: a scan over 100,000+ buckets per call would make
        // this ~2 × 10^10 steps; lookups take well under a second even unoptimized.
        let took = started.elapsed();
        assert!(took < Duration::from_secs(5), "300,000 checks took {took:?}");
        assert!(l.len() <= 2 * DEFAULT_CAPACITY, "{} addresses remembered", l.len());
        // The first addresses still have their own bucket when they come back soon.
        assert!(l.check(ip(299_999)).is_ok());
    }
}
