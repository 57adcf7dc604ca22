//! Demo data for Vanguard: [`generate`] generates a realistic 宁波 org tree with its members
//! and a year of organizational life (and of 党费) from a seed, with no I/O; [`load`] and [`history`]
//! write it into a database through the store's bulk functions (no SQL here).
//!
//! Dev and demo only: `vanguard serve --demo`, `vanguard demo`, the tests and the
//! benchmarks use it; nothing on a request path does.

pub mod dues;
pub mod elections;
pub mod generate;
pub mod history;
pub mod learning;
pub mod load;
pub mod mobile_lost;
pub mod transfer;
