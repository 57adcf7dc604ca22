//! Handlers, one module per feature area.
pub mod account;
pub mod audit;
pub mod auth;
pub mod member;
pub mod org;
pub mod system;
