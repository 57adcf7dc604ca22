//! 学 (learning): the question bank and its .xlsx import, the daily quiz and exams,
//! points and rankings — JSON API, the member portal's 每日一测 and 我的积分, and the
//! workbench's 题库 and exam results. Content, 微发布, plans, 学时 and search are later
//! siblings here.

pub mod api;
pub mod pages;
pub mod routes;
