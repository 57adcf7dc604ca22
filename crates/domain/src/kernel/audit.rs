//! The audit record and its canonical encoding for the keyed hash chain.
//!
//! Each record's hash is `HMAC(key, previous hash ‖ canonical bytes)`; the keyed
//! function itself lives in storage's crypto provider. What is hashed is fixed here,
//! so a verifier and a writer can never disagree.

use serde::Serialize;

/// One audit record as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    /// UTC epoch milliseconds.
    pub at_ms: i64,
    /// Account id of the actor, 0 when unknown (e.g. a failed login of an unknown user).
    pub actor_id: i64,
    /// The login name the actor used or has.
    pub actor_name: String,
    pub ip: String,
    /// Stable action code, e.g. `member.update`, `auth.login`.
    pub action: String,
    /// The object acted on, e.g. `member:123`.
    pub object: String,
    /// `ok`, `denied`, `failed`, `invalid`.
    pub result: String,
    /// Extra detail (no secrets, no personal data in the clear).
    pub detail: String,
}

impl AuditRecord {
    /// The bytes that are chained: every field, length-prefixed so no two records
    /// encode alike.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128);
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.at_ms.to_be_bytes());
        out.extend_from_slice(&self.actor_id.to_be_bytes());
        for s in [&self.actor_name, &self.ip, &self.action, &self.object, &self.result, &self.detail] {
            out.extend_from_slice(&(s.len() as u32).to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        out
    }
}

/// Neutralizes CR/LF and other control characters in text that goes into the log.
pub fn sanitize(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).take(500).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec() -> AuditRecord {
        AuditRecord {
            seq: 1,
            at_ms: 2,
            actor_id: 3,
            actor_name: "ab".into(),
            ip: "c".into(),
            action: "x".into(),
            object: "y".into(),
            result: "ok".into(),
            detail: String::new(),
        }
    }

    #[test]
    fn moving_a_character_between_fields_changes_the_encoding() {
        let a = rec();
        let b = AuditRecord { actor_name: "a".into(), ip: "bc".into(), ..rec() };
        assert_ne!(a.canonical_bytes(), b.canonical_bytes());
    }

    #[test]
    fn control_characters_are_neutralized() {
        assert_eq!(sanitize("a\r\nb"), "a  b");
    }
}

/// The shortest time an audit record is kept in the live log, in days (网络安全法 §21:
/// logs kept at least six months). A configured retention below it counts as this.
pub const MIN_RETENTION_DAYS: u32 = 180;

/// The instant before which records may be archived at `now_ms` with a retention of
/// `retention_days` (never less than [`MIN_RETENTION_DAYS`]).
pub fn archive_cutoff_ms(now_ms: i64, retention_days: u32) -> i64 {
    now_ms - i64::from(retention_days.max(MIN_RETENTION_DAYS)) * 86_400_000
}

#[cfg(test)]
mod retention_tests {
    use super::*;

    #[test]
    fn a_retention_below_180_days_counts_as_180() {
        assert_eq!(archive_cutoff_ms(1_000 * 86_400_000, 30), 820 * 86_400_000);
    }

    #[test]
    fn a_longer_retention_is_kept() {
        assert_eq!(archive_cutoff_ms(1_000 * 86_400_000, 365), 635 * 86_400_000);
    }
}
