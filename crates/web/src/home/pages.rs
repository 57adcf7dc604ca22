//! The home page: the caller's scope and what needs their attention.

use crate::AppState;
use crate::extract::Ctx;
use crate::shell::{PageResult, Shell, render, see_other};
use askama::Template;
use axum::extract::State;
use vanguard_domain::kernel::auth::{Permission, Reach, Role};
use vanguard_domain::kernel::finding::Severity;
use vanguard_domain::org::{BranchCounts, check_branch_structure};
use vanguard_store::member::MemberFilter;
use vanguard_store::org::OrgView;

/// One org that needs attention, and why.
pub struct Attention {
    pub org_id: i64,
    pub org_name: String,
    pub severity: &'static str,
    pub message: String,
}

#[derive(Template)]
#[template(path = "home/home.html")]
struct HomePage {
    shell: Shell,
    scope: Option<OrgView>,
    lost: u64,
    flow_out: u64,
    probationary: u64,
    structure: Vec<Attention>,
    structure_total: usize,
    terms: Vec<Attention>,
    terms_total: usize,
    locked_accounts: Vec<String>,
    recent_failures: usize,
    is_sysadmin: bool,
    is_auditor: bool,
    /// 待办: open findings of the subtree, most severe first.
    todos: Vec<vanguard_store::cockpit::FindingView>,
    todo_total: u64,
    /// 待办 of organizational life: plans due or awaiting, unrecorded meetings.
    life: Option<vanguard_store::orglife::OrgLifeTodo>,
    /// A branch's own to-do: this month's 主题党日 not yet recorded (org id, month).
    theme_day_due: Option<(i64, u32)>,
    /// Leave requests waiting for the caller's decision.
    leave_pending: i64,
}

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let role = ctx.0.scope.role;
    if role == Role::Member {
        return Ok(see_other("/m"));
    }
    let shell = Shell::new(&state, &ctx, "home").await;
    let mut page = HomePage {
        shell,
        scope: None,
        lost: 0,
        flow_out: 0,
        probationary: 0,
        structure: Vec::new(),
        structure_total: 0,
        terms: Vec::new(),
        terms_total: 0,
        locked_accounts: Vec::new(),
        recent_failures: 0,
        is_sysadmin: role == Role::SysAdmin,
        is_auditor: role == Role::Auditor,
        todos: Vec::new(),
        todo_total: 0,
        life: None,
        theme_day_due: None,
        leave_pending: 0,
    };
    if matches!(ctx.0.scope.reach, Reach::Subtree { .. }) && role.grants(Permission::MemberRead) {
        let scoped = ctx.scoped(&state.db);
        page.scope = scoped.orgs().roots().await?.into_iter().next();
        let count = |f: MemberFilter| {
            let scoped = ctx.scoped(&state.db);
            async move { scoped.members().count_members(&f).await }
        };
        page.lost = count(MemberFilter { lost: Some(true), ..Default::default() }).await?;
        page.flow_out = count(MemberFilter { flow: "out".into(), ..Default::default() }).await?;
        page.probationary = count(MemberFilter { category: "probationary".into(), ..Default::default() }).await?;
        let rules = state.db.rules();
        let today = state.db.clock().today();
        for o in scoped.orgs().active_orgs().await? {
            let f = o.fields();
            if f.kind.is_branch() {
                let counts = BranchCounts { members: o.direct_members as u32, formal: o.direct_formal as u32 };
                for finding in check_branch_structure(f.kind, counts, o.has_committee, &rules.org, &rules.severity) {
                    if finding.severity >= Severity::Warning {
                        page.structure.push(Attention {
                            org_id: o.id,
                            org_name: o.name.clone(),
                            severity: if finding.severity >= Severity::Alert { "bad" } else { "warn" },
                            message: finding.message,
                        });
                    }
                }
            }
            if let Some(end) = f.term_ends_on() {
                if end < today {
                    page.terms.push(Attention {
                        org_id: o.id,
                        org_name: o.name.clone(),
                        severity: "bad",
                        message: format!("任期已于 {end} 届满，应及时换届"),
                    });
                } else if end <= today.checked_add_months(chrono::Months::new(6)).unwrap_or(today) {
                    page.terms.push(Attention {
                        org_id: o.id,
                        org_name: o.name.clone(),
                        severity: "warn",
                        message: format!("任期将于 {end} 届满，请做好换届准备"),
                    });
                }
            }
        }
        let todos = scoped.cockpit().todos(None, Some(10)).await?;
        page.todo_total = todos.total.unwrap_or(0);
        page.todos = todos.items;
        page.life = scoped.orglife().orglife_todo().await.ok();
        page.leave_pending = scoped.orglife().pending_leave_count().await?;
        // A branch that may record: has this month's 主题党日 been held?
        if let Some(org) = page.scope.as_ref().filter(|o| {
            vanguard_domain::org::OrgKind::from_code(&o.kind).is_some_and(|k| k.is_branch()) && role.grants(Permission::OrgWrite)
        }) {
            use chrono::Datelike;
            let filter = vanguard_store::orglife::MeetingFilter {
                year: Some(today.year()),
                month: Some(today.month()),
                meeting_type: vanguard_domain::orglife::MeetingType::ThemeDay.code().into(),
                status: "held".into(),
            };
            let held =
                scoped.orglife().list_meetings(org.id, &filter, &vanguard_domain::kernel::paging::PageRequest::first(1)).await?;
            if held.items.is_empty() {
                page.theme_day_due = Some((org.id, today.month()));
            }
        }
        page.structure_total = page.structure.len();
        page.structure.truncate(15);
        page.terms.sort_by_key(|a| if a.severity == "bad" { 0 } else { 1 });
        page.terms_total = page.terms.len();
        page.terms.truncate(15);
    }
    if role == Role::SysAdmin {
        let now = state.db.clock().now_ms();
        let locked = vanguard_store::account::AccountFilter { locked_at: Some(now) };
        let first = vanguard_domain::kernel::paging::PageRequest::first(vanguard_domain::kernel::paging::MAX_LIMIT);
        page.locked_accounts = vanguard_store::account::list_accounts(&state.db, &locked, &first)
            .await?
            .items
            .into_iter()
            .map(|a| a.username)
            .collect();
    }
    if role == Role::Auditor {
        let since = state.db.clock().now_ms() - 24 * 3_600_000;
        let f = |result: &str| vanguard_store::platform::audit::AuditFilter {
            result: result.into(),
            from_ms: Some(since),
            ..Default::default()
        };
        // Only the totals are wanted: one row per read, the count capped as every list's.
        let one = vanguard_domain::kernel::paging::PageRequest::first(1);
        let total = |p: vanguard_domain::kernel::paging::Page<_>| p.total.unwrap_or(0) as usize;
        page.recent_failures = total(vanguard_store::platform::audit::list(&state.db, &f("failed"), &one).await?)
            + total(vanguard_store::platform::audit::list(&state.db, &f("denied"), &one).await?);
    }
    Ok(render(&page))
}
