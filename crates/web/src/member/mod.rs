//! 党员: the roster, archives, history, the history archive (历史库), reveal, and the roster's Excel round trip (import and export).

pub mod api;
pub mod import_api;
pub mod import_pages;
pub mod pages;
pub mod routes;
