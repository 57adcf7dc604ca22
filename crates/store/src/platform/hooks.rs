//! Change hooks: how features react to each other's writes without calling into each
//! other's storage.
//!
//! A feature that writes shared facts (a member's branch or category, an org's
//! structure) publishes a [`Change`] inside its writing transaction; every feature that
//! derives something from those facts (the rules engine's findings today; learning
//! targets, dues and the 锋领指数 later) subscribes with a function that brings its own
//! rows up to date in the same transaction — so a failed write leaves neither the change
//! nor anything derived from it. The subscribers are listed once, in
//! [`crate::SUBSCRIBERS`]; adding a feature adds a line there and touches no other
//! feature.

use crate::{Db, StoreResult, Tx};
use std::future::Future;
use std::pin::Pin;

/// What changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Members were created, edited, moved, archived or restored. `branches` lists every
    /// branch whose membership or counts the write touched (before and after a move).
    MembersWritten { region_id: i64, branches: Vec<i64>, members: Vec<i64> },
    /// Orgs were created, edited, moved or dissolved: their own facts changed.
    OrgsWritten { region_id: i64, orgs: Vec<i64> },
    /// A 支部党员大会 recorded a decision about a person (接收预备党员, 转正, 延长预备期,
    /// 取消预备党员资格): `subject_kind` and `subject_id` name what and whom, `held_on`
    /// is the meeting's day. Whoever keeps that person's file follows the same vote.
    PersonDecided {
        region_id: i64,
        org_id: i64,
        decision_id: i64,
        held_on: chrono::NaiveDate,
        subject_kind: String,
        subject_id: i64,
        months: Option<u32>,
        passed: bool,
        /// The account that recorded the vote (the proposer, for the parent's approval).
        by: i64,
    },
    /// A 党费 write started or ended members' run of unpaid months of 党章第九条's length
    /// (or touched a member with that article's finding open): the article's finding
    /// follows. `branch` is the members' branch.
    DuesStanding { region_id: i64, branch: i64, members: Vec<i64> },
    /// A meeting's attendance was recorded or changed (created, marked, corrected, signed
    /// in, its day or type changed, cancelled): `present` is everyone now marked 出席 (empty
    /// when the meeting is not held or was cancelled). Subscribers key what they derive by
    /// the meeting, so a re-save rewrites rather than adds (学时).
    AttendanceRecorded {
        region_id: i64,
        meeting_id: i64,
        /// The meeting type's code (`party_lecture`, `theme_day` …).
        kind: String,
        held_on: Option<chrono::NaiveDate>,
        present: Vec<i64>,
    },
    /// Time a member spent studying a content item online (heartbeats accepted by the reader,
    /// capped at the item's study time): 学时 follow.
    StudySeconds { region_id: i64, member_id: i64, item_id: i64, on: chrono::NaiveDate, seconds: u32 },
}

/// A subscriber's future.
pub type HookFuture<'a> = Pin<Box<dyn Future<Output = StoreResult<()>> + Send + 'a>>;

/// A feature's reaction to a change, run inside the writing transaction.
pub type Subscriber = for<'a> fn(&'a mut Tx, &'a Db, &'a Change) -> HookFuture<'a>;

/// Publishes a change to every subscriber, in order, inside `tx`.
pub async fn publish(tx: &mut Tx, db: &Db, change: Change) -> StoreResult<()> {
    for subscriber in crate::SUBSCRIBERS {
        subscriber(tx, db, &change).await?;
    }
    Ok(())
}
