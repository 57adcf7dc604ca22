//! 通知: the bell and the list of one's notifications (workbench and portal), the
//! member's mutes, an org's group robots with their delivery log, and the background
//! worker that posts queued group messages ([`deliver`]).

pub mod api;
pub mod deliver;
pub mod pages;
pub mod routes;
