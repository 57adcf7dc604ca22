//! The one mechanism that confines every read and write of org-owned data to the
//! caller's subtree.
//!
//! A [`Scope`] says who acts and how far they reach. Org-owned data is reachable only
//! through [`Scoped`] (`db.scoped(&scope)`), whose methods put the reach into the SQL
//! itself, as bound parameters of a path range: an object outside it is not found.
//! A `Scope` is made from a logged-in account ([`crate::account`]) or, for the CLI and
//! jobs, by [`Scope::system`] — never from request input.

use crate::Db;
use vanguard_domain::kernel::auth::{Reach, Role};

/// Who performs an action, for the audit log and history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub account_id: i64,
    pub name: String,
    pub ip: String,
}

impl Actor {
    pub fn system(name: &str) -> Self {
        Actor { account_id: 0, name: name.to_string(), ip: "local".into() }
    }
}

/// The caller's identity, role and reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub actor: Actor,
    pub role: Role,
    /// The region (top-level org) the reach lies in.
    pub region_id: i64,
    pub reach: Reach,
    /// The caller's own member record, if the account is bound to one.
    pub member_id: Option<i64>,
    /// The scope org (the root of the reach), if any.
    pub scope_org_id: Option<i64>,
}

impl Scope {
    /// Full reach over one region, for the CLI, demo generation and background jobs.
    pub fn system(region_id: i64, root_path: &str, actor: Actor) -> Scope {
        Scope {
            actor,
            role: Role::OrgDeptAdmin,
            region_id,
            reach: Reach::Subtree { root_path: root_path.to_string() },
            member_id: None,
            scope_org_id: Some(region_id),
        }
    }

    /// The bound path range `[lo, hi)` of orgs in reach.
    pub(crate) fn org_range(&self) -> (String, String) {
        match &self.reach {
            Reach::Nothing => (String::new(), String::new()),
            // Only the branch itself: every descendant path continues with a digit, which
            // sorts after '!'.
            Reach::OwnRecord { branch_path, .. } => (branch_path.clone(), format!("{branch_path}!")),
            Reach::Subtree { root_path } => (root_path.clone(), vanguard_domain::org::path::upper(root_path)),
        }
    }

    /// The bound member filter: path range `[lo, hi)` or the member's own id.
    pub(crate) fn member_binds(&self) -> (String, String, i64) {
        match &self.reach {
            Reach::Nothing => (String::new(), String::new(), -1),
            Reach::OwnRecord { member_id, .. } => (String::new(), String::new(), *member_id),
            Reach::Subtree { root_path } => (root_path.clone(), vanguard_domain::org::path::upper(root_path), -1),
        }
    }

    /// The subtree root path when the scope may write.
    pub(crate) fn writable_root(&self) -> Option<&str> {
        match &self.reach {
            Reach::Subtree { root_path } => Some(root_path),
            _ => None,
        }
    }
}

/// Org-owned data as seen through a scope. See the module docs.
pub struct Scoped<'a> {
    pub(crate) db: &'a Db,
    pub(crate) scope: &'a Scope,
}

impl Db {
    pub fn scoped<'a>(&'a self, scope: &'a Scope) -> Scoped<'a> {
        Scoped { db: self, scope }
    }
}

impl Scoped<'_> {
    pub fn scope(&self) -> &Scope {
        self.scope
    }
}

/// Declares a feature's handle on scoped data: `scoped.<accessor>()` gives the feature's
/// reads and writes, each confined by the same [`Scope`]. A feature's methods live on its
/// own handle (in its own folder), never on [`Scoped`] itself.
macro_rules! feature_handle {
    ($(#[$meta:meta])* $name:ident, $accessor:ident) => {
        $(#[$meta])*
        pub struct $name<'a> {
            pub(crate) db: &'a $crate::Db,
            pub(crate) scope: &'a $crate::Scope,
        }

        impl<'a> $crate::Scoped<'a> {
            $(#[$meta])*
            pub fn $accessor(&self) -> $name<'a> {
                $name { db: self.db, scope: self.scope }
            }
        }

        impl<'a> $name<'a> {
            /// The same scope, for reading another feature's published functions.
            #[allow(dead_code)]
            pub(crate) fn scoped(&self) -> $crate::Scoped<'a> {
                $crate::Scoped { db: self.db, scope: self.scope }
            }
        }
    };
}
pub(crate) use feature_handle;
