//! 党员事务 (member affairs). Each affair has its routes, JSON API and pages here:
//!
//! - 党费 (dues): `routes.rs`, `api.rs` (under `/api/v1/dues/…`), `pages.rs` (the branch
//!   secretary's month of bills and a member's dues; the portal's 我的党费) and
//!   `gateway.rs` (the payment-gateway interface and the local simulated gateway).
//! - 换届选举 (elections): `election_routes.rs`, `election_api.rs` (`/api/v1/elections/…`),
//!   `election_pages.rs` (`/orgs/{id}/elections`).
//! - 发展党员 (recruitment): `recruit_routes.rs`, `recruit_api.rs` (under
//!   `/api/v1/recruit/…`), `recruit_pages.rs` (a branch's applicants, a file's 25 steps,
//!   the parent's 待我审批, the portal's 我的入党进度).
//! - 组织关系接转 (transfers): `transfer_routes.rs`, `transfer_api.rs` (`/api/v1/transfers/…`),
//!   `transfer_pages.rs` (`/transfers`, the letter, `/members/{id}/transfer`, `/m/transfer`).
//! - 流动党员 (`mobile.rs`) and 失联党员 (`lost_contact.rs`): each its JSON API
//!   (`/api/v1/mobile/…`, `/api/v1/lost/…`) and its pages in one file.

pub mod api;
pub mod election_api;
pub mod election_pages;
pub mod election_routes;
pub mod gateway;
pub mod lost_contact;
pub mod mobile;
pub mod pages;
pub mod recruit_api;
pub mod recruit_pages;
pub mod recruit_routes;
pub mod routes;
pub mod transfer_api;
pub mod transfer_pages;
pub mod transfer_routes;
