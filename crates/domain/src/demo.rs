//! Demo data (filled in next).
