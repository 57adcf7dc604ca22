//! The per-IP login rate limit: a token bucket per address (burst, then one attempt
//! back every `refill` seconds), so nobody can lock arbitrary accounts from one place.
//! Small enough to keep here rather than pull in a rate-limiting crate and its
//! dependencies for one route.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[derive(Clone)]
pub struct LoginLimiter {
    inner: Arc<Mutex<HashMap<IpAddr, (f64, Instant)>>>,
    burst: f64,
    refill_secs: f64,
}

impl LoginLimiter {
    pub fn new(burst: u32, refill_seconds: u32) -> Self {
        LoginLimiter { inner: Arc::default(), burst: f64::from(burst.max(1)), refill_secs: f64::from(refill_seconds.max(1)) }
    }

    /// Takes one attempt from `ip`'s bucket; `Err(seconds)` says how long until the next.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        let now = Instant::now();
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            // Forget full buckets so memory stays bounded under a spray of addresses.
            let burst = self.burst;
            let refill = self.refill_secs;
            map.retain(|_, (tokens, at)| *tokens + now.duration_since(*at).as_secs_f64() / refill < burst);
        }
        let (tokens, at) = map.entry(ip).or_insert((self.burst, now));
        let refilled = (*tokens + now.duration_since(*at).as_secs_f64() / self.refill_secs).min(self.burst);
        *at = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Ok(())
        } else {
            *tokens = refilled;
            Err(((1.0 - refilled) * self.refill_secs).ceil() as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
