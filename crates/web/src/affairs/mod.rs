//! 党员事务 (member affairs). Each affair has its routes, JSON API and pages here:
//!
//! - 党费 (dues): `routes.rs`, `api.rs` (under `/api/v1/dues/…`), `pages.rs` (the branch
//!   secretary's month of bills and a member's dues; the portal's 我的党费) and
//!   `gateway.rs` (the payment-gateway interface and the local simulated gateway).
//! - 流动党员 (`mobile.rs`) and 失联党员 (`lost_contact.rs`): each its JSON API
//!   (`/api/v1/mobile/…`, `/api/v1/lost/…`) and its pages in one file.

pub mod api;
pub mod gateway;
pub mod lost_contact;
pub mod mobile;
pub mod pages;
pub mod routes;
