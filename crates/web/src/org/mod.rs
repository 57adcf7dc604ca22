//! 党组织: the tree, its pages and edits, the tree navigator.

pub mod api;
pub mod pages;
pub mod routes;
pub mod tree;
