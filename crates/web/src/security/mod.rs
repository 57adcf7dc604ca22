//! Security administration (安全管理员, 三员分立): approving or rejecting the role grants
//! the 系统管理员 files, and the security alerts (also shown to the 审计员).

pub mod api;
pub mod pages;
pub mod routes;
