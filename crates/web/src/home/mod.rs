//! The workbench home and the member portal (党员端).

pub mod pages;
pub mod portal;
pub mod routes;
