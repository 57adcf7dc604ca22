//! 组织生活: meetings and their records, attendance, sign-in, decisions, attachments, corrections, the yearly plans.

pub mod api;
pub mod pages;
pub mod record_pages;
pub mod routes;
