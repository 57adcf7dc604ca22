//! The audit log (审计员 only).

pub mod api;
pub mod pages;
pub mod routes;
