//! 驾驶舱 and 预警/问题清单.

pub mod api;
pub mod pages;
pub mod routes;
