//! Application-generated ids: 41 bits of milliseconds since 2024-01-01, 4 bits of node
//! and 8 bits of sequence — 53 bits, so they survive a round trip through JavaScript
//! numbers. No database sequence is involved (hot sequences do not distribute).

use std::sync::Mutex;

const EPOCH_MS: i64 = 1_704_067_200_000; // 2024-01-01T00:00:00Z
const SEQ_BITS: u32 = 8;
const NODE_BITS: u32 = 4;

struct State {
    last_ms: i64,
    seq: i64,
}

static STATE: Mutex<State> = Mutex::new(State { last_ms: 0, seq: 0 });
static NODE: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

/// Sets this process's node number (0–15) when several servers share one database.
pub fn set_node(node: u8) {
    NODE.store(i64::from(node & 0x0f), std::sync::atomic::Ordering::Relaxed);
}

/// A new id, strictly greater than every id this process issued before. When more than
/// 256 ids are needed in one millisecond, the clock is borrowed from the future rather
/// than waited for, so bulk loads never stall.
pub fn next() -> i64 {
    let now = chrono::Utc::now().timestamp_millis() - EPOCH_MS;
    let mut s = STATE.lock().unwrap_or_else(|p| p.into_inner());
    if now > s.last_ms {
        s.last_ms = now;
        s.seq = 0;
    } else {
        s.seq += 1;
        if s.seq >= 1 << SEQ_BITS {
            s.last_ms += 1;
            s.seq = 0;
        }
    }
    let node = NODE.load(std::sync::atomic::Ordering::Relaxed);
    (s.last_ms << (SEQ_BITS + NODE_BITS)) | (node << SEQ_BITS) | s.seq
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_increase_and_fit_in_53_bits() {
        let mut last = 0;
        for _ in 0..100_000 {
            let id = super::next();
            assert!(id > last);
            assert!(id < 1 << 53);
            last = id;
        }
    }
}
