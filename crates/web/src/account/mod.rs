//! Account administration (系统管理员).

pub mod api;
pub mod pages;
pub mod routes;
