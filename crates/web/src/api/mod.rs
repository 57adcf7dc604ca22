//! Handlers, one module per feature area.
pub mod account;
pub mod audit;
pub mod auth;
pub mod cockpit;
pub mod member;
pub mod org;
pub mod orglife;
pub mod roster;
pub mod system;
