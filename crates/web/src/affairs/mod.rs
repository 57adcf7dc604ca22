//! 党员事务 (member affairs). Each affair has its routes, JSON API and pages here:
//!
//! - 党费 (dues): `routes.rs`, `api.rs` (under `/api/v1/dues/…`), `pages.rs` (the branch
//!   secretary's month of bills and a member's dues; the portal's 我的党费) and
//!   `gateway.rs` (the payment-gateway interface and the local simulated gateway).
//! - 组织关系接转 (transfers): `transfer_routes.rs`, `transfer_api.rs` (`/api/v1/transfers/…`),
//!   `transfer_pages.rs` (`/transfers`, the letter, `/members/{id}/transfer`, `/m/transfer`).

pub mod api;
pub mod gateway;
pub mod pages;
pub mod routes;
pub mod transfer_api;
pub mod transfer_pages;
pub mod transfer_routes;
