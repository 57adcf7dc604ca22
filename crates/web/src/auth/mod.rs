//! Login, logout, the current account and the password change (API and pages).

pub mod api;
pub mod pages;
pub mod routes;
