//! Health, the API document, the rules in force, static assets.

pub mod api;
pub mod routes;
