//! The generated authorization matrix (security.md Z1/Z2): every route of the table ×
//! every caller × every target, each decided by a real request and compared with an
//! oracle written here independently of the code under test.

use crate::fixture::{
    Caller, Fixture, M, Org, PASSWORD, Resp, Server, assert_security_headers, fresh_id_number, new_member_body,
};
use serde_json::{Value, json};
use std::collections::HashMap;
use vanguard_domain::kernel::auth::Permission;
use vanguard_web::routes::RouteSpec;

/// What a request is aimed at, relative to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// The caller's own member record, or its scope org (its branch for a member).
    Own,
    SameBranch,
    SiblingBranch,
    /// In the ancestor district, outside the street.
    Ancestor,
    OtherDistrict,
}

const TARGETS: [Target; 5] = [Target::Own, Target::SameBranch, Target::SiblingBranch, Target::Ancestor, Target::OtherDistrict];

/// What the `{id}` of a route (or its org parameter) names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Aim {
    /// No org-owned object: the role alone decides.
    Untargeted,
    /// `{id}` is an org.
    OrgPath,
    /// `?org_id=` names an org.
    OrgQuery,
    /// The body's `org_id` names a branch.
    BranchBody,
    /// `{id}` is a member.
    MemberPath,
    /// `{id}` is an account (a throw-away one made for the purpose).
    AccountPath,
    /// The caller's own member record, implied (the member portal): out of reach for
    /// callers that have none.
    OwnRecord,
    /// `{id}` names an object that is nobody's (an import batch of another account, or
    /// none): every caller the role admits gets 404.
    NoSuchObject,
    /// `{id}` is a meeting of the target org (see [`OrgLife`]).
    MeetingPath,
    /// `{id}` is a meeting of the target org, reachable also by those on its roll
    /// (sign-in: a member signs in to a meeting of their branch or group).
    MeetingRoll,
    /// `{id}` is an attachment of the target org's meeting.
    AttachmentPath,
    /// `{id}` is a pending correction request of the target org's meeting.
    CorrectionPath,
    /// `{id}` is the yearly plan of the target branch.
    PlanPath,
    /// `{id}` is an open finding (预警/问题) whose subject is the target org.
    FindingPath,
    /// `{id}` is a pending leave request (请假) for a planned meeting of the target branch.
    LeavePath,
}

/// The body of a cell's request; chosen so that allowed writes leave the fixture as it
/// was (or only add to it).
#[derive(Debug, Clone)]
enum Body {
    None,
    Json(Value),
    /// Correct credentials of the probe account.
    Login,
    /// `{"parent_id": <the org itself>}`: refused after authorization.
    MoveOrgOntoItself,
    /// A complete member with a fresh ID number in the target branch.
    NewMember,
    /// The member's current branch and group: nothing changes.
    MoveMemberInPlace,
    /// A fresh account name.
    NewAccount,
    /// An HTML form (URL-encoded), as the pages post.
    Form(Vec<(&'static str, &'static str)>),
    /// The new-member form with a fresh ID number and the target branch.
    NewMemberForm,
    /// The page login form with the probe account's credentials.
    LoginForm,
    /// `parent_id` = the org itself, as a form.
    MoveOrgOntoItselfForm,
    /// A form naming the throw-away account.
    AccountForm(&'static str),
    /// Declining the target leave request without a reason, with its meeting (the page
    /// returns to it): refused after authorization, nothing written.
    DeclineLeaveForm,
}

/// Whose session the request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Caller,
    /// A session made just for this request (logout ends it).
    Fresh,
}

struct Case {
    /// A concrete path for routes with parameters other than `{id}` (`{id}` is still filled).
    path: Option<&'static str>,
    /// The permission the policy gives this route, declared here a second time: the
    /// table must agree, so a changed permission is a deliberate, reviewed change.
    permission: Permission,
    aim: Aim,
    body: Body,
    token: Token,
}

fn case(permission: Permission, aim: Aim, body: Body) -> Case {
    Case { path: None, permission, aim, body, token: Token::Caller }
}

fn form(pairs: &[(&'static str, &'static str)]) -> Body {
    Body::Form(pairs.to_vec())
}

/// Whether a route is a page (HTML; anonymous callers are sent to the login page).
fn is_page(path: &str) -> bool {
    !path.starts_with("/api/") && path != "/healthz"
}

/// The matrix's case for each route; `None` for a route the matrix does not know, which
/// fails the test (see [`assert_every_route_has_a_case`]).
fn case_of(spec: &RouteSpec) -> Option<Case> {
    use Aim::*;
    use Permission::*;
    Some(match (spec.method.as_str(), spec.path) {
        ("GET", "/healthz") => case(Public, Untargeted, Body::None),
        ("GET", "/api/openapi.json") => case(Public, Untargeted, Body::None),
        ("POST", "/api/v1/auth/login") => case(Public, Untargeted, Body::Login),
        ("POST", "/api/v1/auth/logout") => Case { token: Token::Fresh, ..case(SelfService, Untargeted, Body::None) },
        ("GET", "/api/v1/auth/me") => case(SelfService, Untargeted, Body::None),
        ("POST", "/api/v1/auth/password") => {
            case(SelfService, Untargeted, Body::Json(json!({"old_password": "Wrong@2026x", "new_password": "Other@2026y"})))
        }
        ("GET", "/api/v1/rules") => case(SelfService, Untargeted, Body::None),
        // The second factor: nothing pending or enrolled here, so 409/422 once authorized.
        ("POST", "/api/v1/auth/totp") => case(SelfService, Untargeted, Body::Json(json!({"code": "000000"}))),
        ("POST", "/api/v1/auth/totp/enrol") => case(SelfService, Untargeted, Body::None),
        ("POST", "/api/v1/auth/totp/confirm") => case(SelfService, Untargeted, Body::Json(json!({"code": "000000"}))),
        ("GET", "/totp") => case(SelfService, Untargeted, Body::None),
        ("POST", "/totp") => case(SelfService, Untargeted, form(&[("action", "verify"), ("code", "000000")])),
        ("GET", "/api/v1/orgs") => case(OrgRead, Untargeted, Body::None),
        ("GET", "/api/v1/orgs/{id}") => case(OrgRead, OrgPath, Body::None),
        ("GET", "/api/v1/orgs/{id}/children") => case(OrgRead, OrgPath, Body::None),
        // Incomplete: 422 once authorized, nothing created.
        ("POST", "/api/v1/orgs/{id}/children") => case(OrgWrite, OrgPath, Body::Json(json!({}))),
        ("PATCH", "/api/v1/orgs/{id}") => case(OrgWrite, OrgPath, Body::Json(json!({}))),
        ("POST", "/api/v1/orgs/{id}/move") => case(OrgWrite, OrgPath, Body::MoveOrgOntoItself),
        // Every target still has members (or is the caller's own scope root): 409.
        ("POST", "/api/v1/orgs/{id}/dissolve") => case(OrgWrite, OrgPath, Body::Json(json!({}))),
        ("GET", "/api/v1/members") => case(MemberRead, OrgQuery, Body::None),
        ("POST", "/api/v1/members") => case(MemberWrite, BranchBody, Body::NewMember),
        ("GET", "/api/v1/members/{id}") => case(MemberRead, MemberPath, Body::None),
        ("PATCH", "/api/v1/members/{id}") => case(MemberWrite, MemberPath, Body::Json(json!({}))),
        ("GET", "/api/v1/members/{id}/history") => case(MemberRead, MemberPath, Body::None),
        ("POST", "/api/v1/members/{id}/move") => case(MemberWrite, MemberPath, Body::MoveMemberInPlace),
        // An unknown reason: 422 once the member is found within reach.
        ("POST", "/api/v1/members/{id}/archive") => {
            case(MemberWrite, MemberPath, Body::Json(json!({"reason": "无此原因", "left_on": "2020-01-01"})))
        }
        // Not archived: 409 once the member is found within writable reach.
        ("POST", "/api/v1/members/{id}/restore") => case(MemberWrite, MemberPath, Body::Json(json!({"note": "核对"}))),
        ("POST", "/api/v1/members/{id}/reveal") => case(MemberReveal, MemberPath, Body::Json(json!({"field": "phone"}))),
        ("GET", "/api/v1/accounts") => case(AccountAdmin, Untargeted, Body::None),
        ("POST", "/api/v1/accounts") => case(AccountAdmin, Untargeted, Body::NewAccount),
        ("GET", "/api/v1/accounts/{id}") => case(AccountAdmin, AccountPath, Body::None),
        ("GET", "/api/v1/accounts/orgs") => case(AccountAdmin, Untargeted, Body::None),
        // No number: refused after authorization (nothing looked up, nothing audited).
        ("POST", "/api/v1/accounts/member-lookup") => case(AccountAdmin, Untargeted, Body::Json(json!({"id_number": ""}))),
        ("POST", "/api/v1/accounts/{id}/reset-password") => case(AccountAdmin, AccountPath, Body::None),
        ("POST", "/api/v1/accounts/{id}/unlock") => case(AccountAdmin, AccountPath, Body::None),
        ("POST", "/api/v1/accounts/{id}/disable") => case(AccountAdmin, AccountPath, Body::None),
        ("POST", "/api/v1/accounts/{id}/enable") => case(AccountAdmin, AccountPath, Body::None),
        // A secretary without a branch: 422 once authorized.
        ("PUT", "/api/v1/accounts/{id}/role") => case(AccountAdmin, AccountPath, Body::Json(json!({"role": "branch_secretary"}))),
        // 驾驶舱 and findings: reads over the target org's subtree.
        ("GET", "/api/v1/cockpit/orgs/{id}") => case(OrgRead, OrgPath, Body::None),
        ("GET", "/api/v1/cockpit/orgs/{id}/tree") => case(OrgRead, OrgPath, Body::None),
        ("GET", "/api/v1/cockpit/orgs/{id}/trend") => case(OrgRead, OrgPath, Body::None),
        ("GET", "/api/v1/cockpit/orgs/{id}/branches") => case(OrgRead, OrgPath, Body::None),
        ("GET", "/api/v1/cockpit/orgs/{id}/members") => case(MemberRead, OrgPath, Body::None),
        ("GET", "/api/v1/cockpit/orgs/{id}/export.xlsx") => case(OrgRead, OrgPath, Body::None),
        ("GET", "/api/v1/findings") => case(MemberRead, OrgQuery, Body::None),
        ("GET", "/api/v1/findings/todo") => case(MemberRead, OrgQuery, Body::None),
        // 花名册导入与导出: the export is a roster view (its org filter names the target).
        ("GET", "/api/v1/members/export.xlsx") => case(MemberRead, OrgQuery, Body::None),
        ("GET", "/api/v1/imports/members/template.xlsx") => case(MemberWrite, Untargeted, Body::None),
        // No file: 400 once authorized, nothing stored.
        ("POST", "/api/v1/imports/members") => case(MemberWrite, Untargeted, Body::None),
        ("GET", "/api/v1/imports/{id}") => case(MemberWrite, NoSuchObject, Body::None),
        ("GET", "/api/v1/imports/{id}/rows") => case(MemberWrite, NoSuchObject, Body::None),
        ("POST", "/api/v1/imports/{id}/commit") => case(MemberWrite, NoSuchObject, Body::None),
        ("POST", "/api/v1/imports/{id}/discard") => case(MemberWrite, NoSuchObject, Body::None),
        // 党费: the secretary's side needs 维护党员 (members' money is personal data); the
        // report is an aggregate any reader of the org sees. Writes are refused after the
        // reach check (a month beyond the quarter, an empty base, no months, no key).
        ("GET", "/api/v1/dues/orgs/{id}/bills") => case(MemberWrite, OrgPath, Body::None),
        ("POST", "/api/v1/dues/orgs/{id}/bills") => case(MemberWrite, OrgPath, Body::Json(json!({"month": "2999-01"}))),
        ("GET", "/api/v1/dues/orgs/{id}/report") => case(OrgRead, OrgPath, Body::None),
        ("GET", "/api/v1/dues/orgs/{id}/report.xlsx") => case(OrgRead, OrgPath, Body::None),
        ("GET", "/api/v1/dues/members/{id}") => case(MemberWrite, MemberPath, Body::None),
        ("PUT", "/api/v1/dues/members/{id}/base") => case(MemberWrite, MemberPath, Body::Json(json!({}))),
        ("POST", "/api/v1/dues/members/{id}/payments") => case(MemberWrite, MemberPath, Body::Json(json!({"months": []}))),
        ("POST", "/api/v1/dues/entries/{id}/reverse") => case(MemberWrite, NoSuchObject, Body::Json(json!({"reason": "误登记"}))),
        ("GET", "/api/v1/dues/me") => case(MemberRead, OwnRecord, Body::None),
        ("POST", "/api/v1/dues/members/{id}/reliefs") => case(MemberWrite, MemberPath, Body::Json(json!({}))),
        ("POST", "/api/v1/dues/me/reliefs") => case(MemberRead, OwnRecord, Body::Json(json!({}))),
        ("GET", "/api/v1/dues/reliefs") => case(MemberWrite, Untargeted, Body::None),
        ("POST", "/api/v1/dues/reliefs/{id}/decide") => case(MemberWrite, NoSuchObject, Body::Json(json!({"approve": true}))),
        ("POST", "/members/{id}/dues/relief") => case(MemberWrite, MemberPath, form(&[])),
        ("POST", "/dues/reliefs/{id}") => case(MemberWrite, NoSuchObject, form(&[("decision", "approve")])),
        ("POST", "/api/v1/dues/me/orders") => case(MemberRead, OwnRecord, Body::Json(json!({}))),
        ("GET", "/orgs/{id}/dues") => case(MemberWrite, OrgPath, Body::None),
        ("POST", "/orgs/{id}/dues") => case(MemberWrite, OrgPath, form(&[("month", "2999-01")])),
        ("GET", "/members/{id}/dues") => case(MemberWrite, MemberPath, Body::None),
        ("POST", "/members/{id}/dues/base") => case(MemberWrite, MemberPath, form(&[])),
        ("POST", "/members/{id}/dues/pay") => case(MemberWrite, MemberPath, form(&[])),
        ("POST", "/dues/entries/{id}/reverse") => case(MemberWrite, NoSuchObject, form(&[("reason", "误登记")])),
        ("GET", "/m/dues") => case(MemberRead, OwnRecord, Body::None),
        // 换届选举: an org's record is read by its readers; requests, votes and approvals
        // need 维护党员 over the org (the 上级's steps are refused for the org itself).
        ("GET", "/api/v1/elections/orgs/{id}") => case(OrgRead, OrgPath, Body::None),
        ("POST", "/api/v1/elections/orgs/{id}") => case(MemberWrite, OrgPath, Body::Json(json!({}))),
        ("GET", "/api/v1/elections") => case(MemberWrite, Untargeted, Body::None),
        ("GET", "/api/v1/elections/{id}") => case(OrgRead, NoSuchObject, Body::None),
        ("POST", "/api/v1/elections/{id}/approve") => case(MemberWrite, NoSuchObject, Body::Json(json!({"approve": true}))),
        ("POST", "/api/v1/elections/{id}/vote") => case(MemberWrite, NoSuchObject, Body::Json(json!({}))),
        ("POST", "/api/v1/elections/{id}/secretary") => case(MemberWrite, NoSuchObject, Body::Json(json!({"approve": true}))),
        ("GET", "/orgs/{id}/elections") => case(OrgRead, OrgPath, Body::None),
        ("POST", "/orgs/{id}/elections") => case(MemberWrite, OrgPath, form(&[])),
        ("POST", "/elections/{id}/vote") => case(MemberWrite, NoSuchObject, form(&[])),
        ("POST", "/elections/{id}/decide") => case(MemberWrite, NoSuchObject, form(&[("decision", "approve")])),
        ("POST", "/m/dues") => case(MemberRead, OwnRecord, form(&[])),
        ("GET", "/api/v1/mobile/orgs/{id}" | "/orgs/{id}/mobile") => case(MemberWrite, OrgPath, Body::None),
        ("POST", "/api/v1/mobile/members/{id}") => case(MemberWrite, MemberPath, Body::Json(json!({}))),
        ("POST", "/api/v1/mobile/{id}/end") => case(MemberWrite, NoSuchObject, Body::Json(json!({"on": "2026-01-01"}))),
        ("GET", "/api/v1/mobile/e-branches") => case(MemberWrite, Untargeted, Body::None),
        ("GET", "/api/v1/mobile/meetings/{id}" | "/meetings/{id}/mobile") => case(OrgWrite, MeetingPath, Body::None),
        ("PUT", "/api/v1/mobile/meetings/{id}") => case(OrgWrite, MeetingPath, Body::Json(json!({"marks": []}))),
        ("GET", "/api/v1/mobile/me" | "/m/mobile") => case(MemberRead, OwnRecord, Body::None),
        ("GET", "/members/{id}/mobile" | "/members/{id}/lost") => case(MemberWrite, MemberPath, Body::None),
        ("POST", "/members/{id}/mobile" | "/members/{id}/lost") => case(MemberWrite, MemberPath, form(&[])),
        ("POST", "/mobile/{id}/end") => case(MemberWrite, NoSuchObject, form(&[("on", "2026-01-01")])),
        ("POST", "/meetings/{id}/mobile") => case(OrgWrite, MeetingPath, form(&[])),
        ("GET", "/api/v1/lost/orgs/{id}" | "/orgs/{id}/lost") => case(MemberWrite, OrgPath, Body::None),
        ("POST", "/api/v1/lost/members/{id}") => case(MemberWrite, MemberPath, Body::Json(json!({}))),
        ("GET", "/api/v1/lost/{id}" | "/lost/{id}") => case(MemberWrite, NoSuchObject, Body::None),
        ("POST", "/api/v1/lost/{id}/steps") => case(MemberWrite, NoSuchObject, Body::Json(json!({"step": "search"}))),
        ("POST", "/lost/{id}") => case(MemberWrite, NoSuchObject, form(&[("step", "search")])),
        ("GET", "/api/v1/lost/awaiting") => case(MemberWrite, Untargeted, Body::None),
        ("POST", "/m/dues/relief") => case(MemberRead, OwnRecord, form(&[])),
        ("GET", "/m/dues/orders/{id}") => case(MemberRead, NoSuchObject, Body::None),
        // 组织关系接转: lists and queues by reach; a transfer or member nobody reaches is not found.
        ("GET", "/api/v1/transfers") => case(MemberWrite, Untargeted, Body::None),
        ("GET", "/api/v1/transfers/awaiting") => case(MemberWrite, Untargeted, Body::None),
        ("GET", "/api/v1/transfers/me") => case(MemberRead, OwnRecord, Body::None),
        ("GET", "/api/v1/transfers/{id}") => case(MemberWrite, NoSuchObject, Body::None),
        ("POST", "/api/v1/transfers") => case(
            MemberWrite,
            NoSuchObject,
            Body::Json(json!({"member_id": 1, "to_external": "市外某党委", "reason": "工作调动"})),
        ),
        ("POST", "/api/v1/transfers/{id}/decide") => case(MemberWrite, NoSuchObject, Body::Json(json!({"action": "approve"}))),
        ("GET", "/transfers") => case(MemberWrite, Untargeted, Body::None),
        ("GET", "/transfers/pick-org") => case(MemberWrite, Untargeted, Body::None),
        ("GET", "/transfers/{id}") => case(MemberWrite, NoSuchObject, Body::None),
        ("POST", "/transfers/{id}") => case(MemberWrite, NoSuchObject, form(&[("action", "approve")])),
        ("GET", "/members/{id}/transfer") => case(MemberWrite, MemberPath, Body::None),
        // No receiving org and no reason: refused after the reach check, nothing written.
        ("POST", "/members/{id}/transfer") => case(MemberWrite, MemberPath, form(&[])),
        ("GET", "/m/transfer") => case(MemberRead, OwnRecord, Body::None),
        ("POST", "/m/dues/orders/{id}") => case(MemberRead, NoSuchObject, form(&[("action", "pay")])),
        // 通知: one's own (no target; another's id is not found); an org's group robots need
        // 维护党组织 over it. Writes are refused after the reach check or change nothing.
        ("GET", "/api/v1/notifications" | "/api/v1/notifications/unread" | "/api/v1/notifications/settings") => {
            case(SelfService, Untargeted, Body::None)
        }
        ("POST", "/api/v1/notifications/{id}/read") => case(SelfService, NoSuchObject, Body::None),
        ("POST", "/api/v1/notifications/read-all") => case(SelfService, Untargeted, Body::None),
        ("PUT", "/api/v1/notifications/settings") => {
            case(SelfService, Untargeted, Body::Json(json!({"muted": ["approval_waiting"]})))
        }
        ("GET", "/api/v1/orgs/{id}/webhooks") => case(OrgWrite, OrgPath, Body::None),
        ("POST", "/api/v1/orgs/{id}/webhooks") => case(OrgWrite, OrgPath, Body::Json(json!({}))),
        ("PUT", "/api/v1/webhooks/{id}") => case(OrgWrite, NoSuchObject, Body::Json(json!({}))),
        ("POST", "/api/v1/webhooks/{id}/test") => case(OrgWrite, NoSuchObject, Body::None),
        ("GET", "/api/v1/webhooks/{id}/deliveries") => case(OrgWrite, NoSuchObject, Body::None),
        ("GET", "/notifications" | "/m/notifications") => case(SelfService, Untargeted, Body::None),
        ("POST", "/notifications/{id}") => case(SelfService, NoSuchObject, form(&[])),
        ("POST", "/notifications/read-all") => case(SelfService, Untargeted, form(&[])),
        ("POST", "/m/notifications/settings") => case(
            SelfService,
            Untargeted,
            form(&[("receive", "meeting_reminder"), ("receive", "signup_confirmed"), ("receive", "required_content")]),
        ),
        ("GET", "/orgs/{id}/webhooks") => case(OrgWrite, OrgPath, Body::None),
        ("POST", "/orgs/{id}/webhooks") => case(OrgWrite, OrgPath, form(&[])),
        ("POST", "/webhooks/{id}") => case(OrgWrite, NoSuchObject, form(&[("action", "test")])),
        ("GET", "/api/v1/recruit/orgs/{id}/files") => case(MemberWrite, OrgPath, Body::None),
        ("POST", "/api/v1/recruit/orgs/{id}/files") => case(MemberWrite, OrgPath, Body::Json(json!({}))),
        ("GET", "/api/v1/recruit/files/{id}") => case(MemberWrite, NoSuchObject, Body::None),
        ("POST", "/api/v1/recruit/files/{id}/steps") => case(MemberWrite, NoSuchObject, Body::Json(json!({"no": 2}))),
        ("GET", "/api/v1/recruit/queue") => case(MemberWrite, Untargeted, Body::None),
        ("POST", "/api/v1/recruit/outcomes/{id}/decide") => case(MemberWrite, NoSuchObject, Body::Json(json!({"approve": true}))),
        ("GET", "/api/v1/recruit/me") => case(MemberRead, OwnRecord, Body::None),
        ("GET", "/orgs/{id}/recruit") => case(MemberWrite, OrgPath, Body::None),
        ("POST", "/orgs/{id}/recruit") => case(MemberWrite, OrgPath, form(&[])),
        ("GET", "/recruit/queue") => case(MemberWrite, Untargeted, Body::None),
        ("GET", "/recruit/{id}") => case(MemberWrite, NoSuchObject, Body::None),
        ("POST", "/recruit/{id}/step") => case(MemberWrite, NoSuchObject, form(&[("no", "2")])),
        ("POST", "/recruit/outcomes/{id}") => case(MemberWrite, NoSuchObject, form(&[("approve", "true")])),
        ("GET", "/m/recruit") => case(MemberRead, OwnRecord, Body::None),
        ("GET", "/api/v1/audit") => case(AuditRead, Untargeted, Body::None),
        ("GET", "/api/v1/audit/verify") => case(AuditRead, Untargeted, Body::None),
        // Pages. Form posts carry URL-encoded bodies, as browsers send them.
        ("GET", "/assets/{file}") => Case { path: Some("/assets/app.css"), ..case(Public, Untargeted, Body::None) },
        ("GET", "/login") => case(Public, Untargeted, Body::None),
        ("POST", "/login") => case(Public, Untargeted, Body::LoginForm),
        ("POST", "/logout") => Case { token: Token::Fresh, ..case(SelfService, Untargeted, form(&[])) },
        ("GET", "/password") => case(SelfService, Untargeted, Body::None),
        ("POST", "/password") => {
            case(SelfService, Untargeted, form(&[("old_password", "Wrong@2026x"), ("new_password", "Other@2026y")]))
        }
        ("GET", "/") => case(SelfService, Untargeted, Body::None),
        ("GET", "/tree/search") => case(OrgRead, Untargeted, Body::None),
        ("GET", "/tree/pick") => {
            Case { path: Some("/tree/pick?for=branch&name=org_id&pick_q=支部"), ..case(OrgRead, Untargeted, Body::None) }
        }
        ("GET", "/tree/{id}") => case(OrgRead, OrgPath, Body::None),
        ("GET", "/orgs/{id}") => case(OrgRead, OrgPath, Body::None),
        ("GET", "/orgs/{id}/edit") => case(OrgWrite, OrgPath, Body::None),
        // An empty name: the form comes back with the error (422) once authorized.
        ("POST", "/orgs/{id}/edit") => case(OrgWrite, OrgPath, form(&[("name", "")])),
        ("GET", "/orgs/{id}/new") => case(OrgWrite, OrgPath, Body::None),
        ("POST", "/orgs/{id}/new") => case(OrgWrite, OrgPath, form(&[("name", ""), ("kind", "branch")])),
        ("GET", "/orgs/{id}/move") => case(OrgWrite, OrgPath, Body::None),
        ("POST", "/orgs/{id}/move") => case(OrgWrite, OrgPath, Body::MoveOrgOntoItselfForm),
        ("POST", "/orgs/{id}/dissolve") => case(OrgWrite, OrgPath, form(&[])),
        ("GET", "/members") => case(MemberRead, OrgQuery, Body::None),
        ("GET", "/members/new") => case(MemberWrite, OrgQuery, Body::None),
        ("POST", "/members/new") => case(MemberWrite, BranchBody, Body::NewMemberForm),
        ("GET", "/members/{id}") => case(MemberRead, MemberPath, Body::None),
        ("GET", "/members/{id}/edit") => case(MemberWrite, MemberPath, Body::None),
        // Nothing changed: the member page again.
        ("POST", "/members/{id}/edit") => case(MemberWrite, MemberPath, form(&[("residence_unchanged", "1")])),
        ("GET", "/members/{id}/archive") => case(MemberWrite, MemberPath, Body::None),
        ("POST", "/members/{id}/archive") => {
            case(MemberWrite, MemberPath, form(&[("reason", "无此原因"), ("left_on", "2020-01-01")]))
        }
        ("GET", "/members/{id}/restore") => case(MemberWrite, MemberPath, Body::None),
        ("POST", "/members/{id}/restore") => case(MemberWrite, MemberPath, form(&[("note", "核对")])),
        ("POST", "/members/{id}/reveal") => case(MemberReveal, MemberPath, form(&[("field", "phone")])),
        ("GET", "/imports/members") => case(MemberWrite, Untargeted, Body::None),
        // No file: the upload page again with the reason.
        ("POST", "/imports/members") => case(MemberWrite, Untargeted, form(&[])),
        ("GET", "/imports/{id}") => case(MemberWrite, NoSuchObject, Body::None),
        ("POST", "/imports/{id}/commit") => case(MemberWrite, NoSuchObject, form(&[])),
        ("POST", "/imports/{id}/discard") => case(MemberWrite, NoSuchObject, form(&[])),
        ("GET", "/accounts") => case(AccountAdmin, Untargeted, Body::None),
        ("GET", "/accounts/pick-org") => case(AccountAdmin, Untargeted, Body::None),
        // No role chosen: the form comes back with the reason.
        ("POST", "/accounts") => case(AccountAdmin, Untargeted, form(&[("username", "made_by_page"), ("role", "")])),
        ("POST", "/accounts/role") => case(AccountAdmin, Untargeted, Body::AccountForm("branch_secretary")),
        ("POST", "/accounts/{id}/{action}") => {
            Case { path: Some("/accounts/{id}/unlock"), ..case(AccountAdmin, AccountPath, form(&[])) }
        }
        ("GET", "/audit") => case(AuditRead, Untargeted, Body::None),
        ("GET", "/api/v1/audit/alerts") => case(AuditRead, Untargeted, Body::None),
        // 安全管理: role-grant approval (no such request: 404 once authorized) and alerts.
        ("GET", "/api/v1/role-requests") => case(SecurityAdmin, Untargeted, Body::None),
        ("POST", "/api/v1/role-requests/{id}/approve") => case(SecurityAdmin, NoSuchObject, Body::None),
        ("POST", "/api/v1/role-requests/{id}/reject") => case(SecurityAdmin, NoSuchObject, Body::None),
        ("GET", "/api/v1/security/alerts") => case(SecurityAdmin, Untargeted, Body::None),
        ("GET", "/security") => case(SecurityAdmin, Untargeted, Body::None),
        ("GET", "/security/alerts") => case(SecurityAdmin, Untargeted, Body::None),
        ("POST", "/security/requests/{id}/{action}") => {
            Case { path: Some("/security/requests/{id}/reject"), ..case(SecurityAdmin, NoSuchObject, form(&[])) }
        }
        ("GET", "/orgs/{id}/meetings") => case(OrgRead, OrgPath, Body::None),
        // No type: the page comes back with the reason (422) once authorized.
        ("POST", "/orgs/{id}/meetings") => case(OrgWrite, OrgPath, form(&[("meeting_type", "")])),
        ("GET", "/meetings/{id}") => case(OrgRead, MeetingPath, Body::None),
        // No line changed: nothing is written.
        ("POST", "/meetings/{id}/attendance") => case(OrgWrite, MeetingPath, form(&[("a_0", "present")])),
        ("GET", "/meetings/{id}/attendance") => case(OrgWrite, MeetingPath, Body::None),
        ("GET", "/orgs/{id}/meetings/new") => case(OrgWrite, OrgPath, Body::None),
        ("GET", "/orgs/{id}/ledger") => case(OrgRead, OrgPath, Body::None),
        ("GET", "/meetings/{id}/edit") => case(OrgWrite, MeetingPath, Body::None),
        // Nothing changed: nothing is written.
        ("POST", "/meetings/{id}/edit") => case(OrgWrite, MeetingPath, form(&[])),
        // No reason: 422 once authorized.
        ("POST", "/meetings/{id}/correction") => case(OrgWrite, MeetingPath, form(&[("reason", "")])),
        ("GET", "/meetings/{id}/print") => case(OrgRead, MeetingPath, Body::None),
        // Not open: 409 once authorized.
        ("POST", "/meetings/{id}/signin/close") => case(OrgWrite, MeetingPath, form(&[])),
        ("POST", "/meetings/{id}/signin/open") => case(OrgWrite, MeetingPath, form(&[])),
        // No file: the page comes back with the reason once authorized.
        ("POST", "/meetings/{id}/attachments") => case(OrgWrite, MeetingPath, form(&[])),
        ("POST", "/meetings/{id}/decisions") => case(OrgWrite, MeetingPath, form(&[("title", "表决"), ("votes_for", "1")])),
        // The confirm page names the meeting: those on its roll or within reach only.
        ("GET", "/s/{id}/{token}") => Case { path: Some("/s/{id}/0"), ..case(SelfService, MeetingRoll, Body::None) },
        ("POST", "/s/{id}/{token}") => Case { path: Some("/s/{id}/0"), ..case(SelfService, MeetingRoll, form(&[])) },
        ("GET", "/orgs/{id}/plan") => case(OrgRead, OrgPath, Body::None),
        ("POST", "/orgs/{id}/plan") => case(OrgWrite, OrgPath, form(&[("year", "2026"), ("date_1", "坏日期")])),
        ("POST", "/plans/{id}/action") => case(OrgWrite, PlanPath, form(&[("action", "无此操作")])),
        ("GET", "/orgs/{id}/plans") => case(OrgRead, OrgPath, Body::None),
        ("GET", "/m/plan") => case(MemberRead, OwnRecord, Body::None),
        ("GET", "/cockpit/{id}") => case(OrgRead, OrgPath, Body::None),
        ("GET", "/cockpit/{id}/branches") => {
            Case { path: Some("/cockpit/{id}/branches?rule=orglife.theme_day"), ..case(OrgRead, OrgPath, Body::None) }
        }
        ("GET", "/findings") => case(MemberRead, OrgQuery, Body::None),
        ("GET", "/m") => case(SelfService, Untargeted, Body::None),
        ("GET", "/m/profile") => case(MemberRead, OwnRecord, Body::None),
        ("GET", "/m/branch") => case(MemberRead, OwnRecord, Body::None),
        ("GET", "/m/scan") => case(SelfService, Untargeted, Body::None),
        ("GET", "/m/meetings/{id}") => case(MemberRead, MeetingRoll, Body::None),
        // The fixture's meetings were held: asking leave is refused (409) once reached.
        ("POST", "/m/meetings/{id}/leave") => case(MemberRead, MeetingRoll, form(&[("reason", "出差")])),
        ("POST", "/api/v1/meetings/{id}/leave") => case(MemberRead, MeetingRoll, Body::Json(json!({"reason": "出差"}))),
        ("GET", "/api/v1/meetings/{id}/leave") => case(OrgRead, MeetingPath, Body::None),
        // Declining without a reason: 422 once the request is found within reach.
        ("POST", "/api/v1/leave/{id}/decide") => case(OrgWrite, LeavePath, Body::Json(json!({"approve": false}))),
        ("POST", "/leave/{id}") => case(OrgWrite, LeavePath, Body::DeclineLeaveForm),
        ("GET", "/api/v1/findings/{id}") => case(MemberRead, FindingPath, Body::None),
        // Accepting a finding nobody has answered: 409 once found within reach, for its own
        // org and for a parent alike.
        ("POST", "/api/v1/findings/{id}/rectify") => case(OrgWrite, FindingPath, Body::Json(json!({"action": "accept"}))),
        ("GET", "/findings/{id}") => case(MemberRead, FindingPath, Body::None),
        ("POST", "/findings/{id}") => case(OrgWrite, FindingPath, form(&[("action", "accept")])),
        // 组织生活. The fixture's meetings were held 60 days ago: past the correction
        // window, so record edits answer 409 and the fixture stays as it is.
        ("GET", "/api/v1/orgs/{id}/meetings") => case(OrgRead, OrgPath, Body::None),
        // No meeting type: 422 once authorized, nothing created.
        ("POST", "/api/v1/orgs/{id}/meetings") => case(OrgWrite, OrgPath, Body::Json(json!({}))),
        ("GET", "/api/v1/orgs/{id}/plan") => case(OrgRead, OrgPath, Body::None),
        // A malformed date: 422 once authorized.
        ("PUT", "/api/v1/orgs/{id}/plan") => case(OrgWrite, OrgPath, Body::Json(json!({"items": [{"date": "无"}]}))),
        ("GET", "/api/v1/orgs/{id}/plans") => case(OrgRead, OrgPath, Body::None),
        ("GET", "/api/v1/meetings/{id}") => case(OrgRead, MeetingPath, Body::None),
        // An empty patch changes nothing.
        ("PATCH", "/api/v1/meetings/{id}") => case(OrgWrite, MeetingPath, Body::Json(json!({}))),
        // Held meetings cannot be cancelled: 409.
        ("POST", "/api/v1/meetings/{id}/cancel") => case(OrgWrite, MeetingPath, Body::None),
        ("PUT", "/api/v1/meetings/{id}/roll") => case(OrgWrite, MeetingPath, Body::Json(json!({"member_ids": []}))),
        ("POST", "/api/v1/meetings/{id}/attendance") => case(OrgWrite, MeetingPath, Body::Json(json!({"marks": []}))),
        ("POST", "/api/v1/meetings/{id}/decisions") => {
            case(OrgWrite, MeetingPath, Body::Json(json!({"title": "表决", "votes_for": 1})))
        }
        ("POST", "/api/v1/meetings/{id}/signin/open") => case(OrgWrite, MeetingPath, Body::Json(json!({}))),
        ("POST", "/api/v1/meetings/{id}/signin/close") => case(OrgWrite, MeetingPath, Body::None),
        ("GET", "/api/v1/meetings/{id}/signin/qr.svg") => case(OrgWrite, MeetingPath, Body::None),
        ("GET", "/api/v1/meetings/{id}/signin/count") => case(OrgRead, MeetingPath, Body::None),
        ("POST", "/api/v1/meetings/{id}/signin") => case(SelfService, MeetingRoll, Body::Json(json!({"token": "0"}))),
        // No file: 400 once the meeting is found.
        ("POST", "/api/v1/meetings/{id}/attachments") => case(OrgWrite, MeetingPath, Body::None),
        // Adds a pending request.
        ("POST", "/api/v1/meetings/{id}/corrections") => {
            case(OrgWrite, MeetingPath, Body::Json(json!({"reason": "记录有误", "changes": {"place": "更正后的地点"}})))
        }
        ("GET", "/api/v1/attachments/{id}") => case(OrgRead, AttachmentPath, Body::None),
        ("POST", "/api/v1/attachments/{id}/delete") => case(OrgWrite, AttachmentPath, Body::None),
        ("GET", "/api/v1/corrections") => case(OrgRead, Untargeted, Body::None),
        // The first parent approves; everyone else gets 409.
        ("POST", "/api/v1/corrections/{id}/approve") => case(OrgWrite, CorrectionPath, Body::None),
        ("POST", "/api/v1/corrections/{id}/reject") => case(OrgWrite, CorrectionPath, Body::Json(json!({"note": "不同意"}))),
        ("GET", "/api/v1/plans/{id}") => case(OrgRead, PlanPath, Body::None),
        // The draft has no items: 422 for the branch, 409 for a parent.
        ("POST", "/api/v1/plans/{id}/submit") => case(OrgWrite, PlanPath, Body::None),
        ("POST", "/api/v1/plans/{id}/acknowledge") => case(OrgWrite, PlanPath, Body::None),
        ("POST", "/api/v1/plans/{id}/return") => case(OrgWrite, PlanPath, Body::Json(json!({"reason": "请补充"}))),
        ("POST", "/api/v1/plans/{id}/publish") => case(OrgWrite, PlanPath, Body::None),
        ("GET", "/api/v1/members/{id}/attendance") => case(MemberRead, MemberPath, Body::None),
        // A caller without a member record gets an empty portal (`member: false`).
        ("GET", "/api/v1/me/orglife") => case(MemberRead, Untargeted, Body::None),
        ("GET", "/api/v1/orglife/todo") => case(OrgRead, Untargeted, Body::None),
        // 学: the bank and exams by reach; a member's own quizzes, points and ranks.
        ("GET", "/api/v1/learning/questions") => case(LearningAdmin, OrgQuery, Body::None),
        // Complete but invalid (no stem, no source): 422 once the org is reached.
        ("POST", "/api/v1/orgs/{id}/questions") => case(LearningAdmin, OrgPath, Body::Json(bad_question())),
        ("PUT", "/api/v1/learning/questions/{id}") => case(LearningAdmin, NoSuchObject, Body::Json(bad_question())),
        ("POST", "/api/v1/learning/questions/{id}/active") => {
            case(LearningAdmin, NoSuchObject, Body::Json(json!({"active": false})))
        }
        ("GET", "/api/v1/learning/template.xlsx") => case(LearningAdmin, Untargeted, Body::None),
        ("POST", "/api/v1/orgs/{id}/questions/import") => case(LearningAdmin, OrgPath, Body::None),
        ("POST", "/api/v1/orgs/{id}/exams") => {
            case(LearningAdmin, OrgPath, Body::Json(json!({"title": "", "kind": "special", "question_ids": []})))
        }
        ("GET", "/api/v1/learning/exams") => case(LearningAdmin, Untargeted, Body::None),
        ("GET", "/api/v1/learning/exams/{id}/results") => case(LearningAdmin, NoSuchObject, Body::None),
        ("GET", "/api/v1/learning/exams/{id}/stats") => case(LearningAdmin, NoSuchObject, Body::None),
        ("GET", "/api/v1/learning/stats/daily") => case(LearningAdmin, Untargeted, Body::None),
        // The fixture's banks are empty: 409 for a member once reached.
        ("POST", "/api/v1/learning/daily") => case(Learn, OwnRecord, Body::None),
        ("POST", "/api/v1/learning/exams/{id}/start") => case(Learn, NoSuchObject, Body::None),
        ("GET", "/api/v1/learning/attempts/{id}") => case(Learn, NoSuchObject, Body::None),
        ("POST", "/api/v1/learning/attempts/{id}/submit") => case(Learn, NoSuchObject, Body::Json(json!({"answers": []}))),
        ("GET", "/api/v1/learning/attempts/{id}/result") => case(Learn, NoSuchObject, Body::None),
        ("GET", "/api/v1/learning/me/points") => case(Learn, OwnRecord, Body::None),
        ("GET", "/api/v1/learning/me/ranks") => case(Learn, OwnRecord, Body::None),
        ("GET", "/api/v1/learning/me/exams") => case(Learn, OwnRecord, Body::None),
        ("GET", "/api/v1/learning/me/wrong") => case(Learn, OwnRecord, Body::None),
        ("GET", "/api/v1/learning/rankings/{id}") => case(Learn, OrgPath, Body::None),
        ("GET", "/m/learning") => case(Learn, OwnRecord, Body::None),
        ("POST", "/m/learning/daily") => case(Learn, OwnRecord, form(&[])),
        ("POST", "/m/learning/exams/{id}") => case(Learn, NoSuchObject, form(&[])),
        ("GET", "/m/learning/attempts/{id}") => case(Learn, NoSuchObject, Body::None),
        ("POST", "/m/learning/attempts/{id}") => case(Learn, NoSuchObject, form(&[])),
        ("GET", "/m/points") => case(Learn, OwnRecord, Body::None),
        ("GET", "/m/learning/wrong") => case(Learn, OwnRecord, Body::None),
        ("GET", "/orgs/{id}/learning") => case(LearningAdmin, OrgPath, Body::None),
        ("POST", "/orgs/{id}/learning/import") => case(LearningAdmin, OrgPath, form(&[])),
        ("GET", "/learning/exams/{id}") => case(LearningAdmin, NoSuchObject, Body::None),
        _ => return None,
    })
}

/// A question complete in form but invalid (no stem, no source, too few options).
fn bad_question() -> Value {
    json!({"kind": "single", "stem": "", "options": [], "key": {"choices": [0]}, "source": ""})
}

/// Fails, listing them, when routes of the table have no case here (a new route needs a
/// declared policy in `routes::table()` and a case in this matrix before it can land), or
/// when the table's permission of a route is not the one declared here.
pub fn assert_every_route_has_a_case() {
    let missing: Vec<String> = vanguard_web::routes::table()
        .iter()
        .filter(|s| case_of(s).is_none())
        .map(|s| format!("  {} {}", s.method, s.path))
        .collect();
    assert!(
        missing.is_empty(),
        "{} route(s) have no case in the authorization matrix (crates/web/tests/api/matrix.rs, fn case_of); \
         add one per route (what its {{id}} names and a body that leaves the fixture intact):\n{}",
        missing.len(),
        missing.join("\n")
    );
    let differing: Vec<String> = vanguard_web::routes::table()
        .iter()
        .filter_map(|s| case_of(s).filter(|c| c.permission != s.permission).map(|c| (s, c)))
        .map(|(s, c)| {
            format!("  {} {}: {:?} in routes::table(), {:?} in the matrix", s.method, s.path, s.permission, c.permission)
        })
        .collect();
    assert!(differing.is_empty(), "route permissions differ from the declared policy:\n{}", differing.join("\n"));
}

// ---- The oracle, written from the policy, not from the code -------------------------

/// Members each caller reaches (hand-written).
fn reaches_member(caller: Caller, t: Target) -> bool {
    use Target::*;
    match caller {
        Caller::Member | Caller::Leader => t == Own,
        Caller::Secretary => matches!(t, Own | SameBranch),
        Caller::Street => matches!(t, SameBranch | SiblingBranch),
        Caller::District => matches!(t, SameBranch | SiblingBranch | Ancestor),
        Caller::OrgDept => true,
        Caller::Anonymous | Caller::Auditor | Caller::SysAdmin | Caller::SecAdmin => false,
    }
}

/// Orgs each caller reaches (hand-written).
fn reaches_org(caller: Caller, o: Org) -> bool {
    use Org::*;
    match caller {
        Caller::Member => o == B1,
        Caller::Leader => o == G1,
        Caller::Secretary => o == B1,
        Caller::Street => matches!(o, S1 | B1 | B2),
        Caller::District => matches!(o, D1 | S1 | B1 | B2 | B0),
        Caller::OrgDept => true,
        Caller::Anonymous | Caller::Auditor | Caller::SysAdmin | Caller::SecAdmin => false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// 401: no session on a non-public route.
    Unauthenticated,
    /// 403: the role does not grant the route's permission.
    Forbidden,
    /// 404: the target is outside the caller's reach.
    Hidden,
    /// The target is outside reach and named in the body (`org_id` of a new member): 422
    /// with the one field error `org.not_found`, the same answer as for an org that does
    /// not exist (the store's contract, crates/store/tests/store.rs).
    HiddenReference,
    /// The route's answer to an authorized caller: exactly the status
    /// [`allowed_status`] declares, and a body about the target (see [`about_target`]).
    Allowed,
}

/// The exact status an authorized request answers (hand-written from each route's
/// contract and the request the matrix sends): a GET answers 200; each write is listed.
fn allowed_status(method: &str, path: &str, caller: Caller, target: Option<Org>) -> u16 {
    let scope_root = target.is_some() && target == own_org(caller);
    let branch = matches!(target, Some(Org::B0 | Org::B1 | Org::B2 | Org::B3));
    match (method, path) {
        // A member's home is the portal.
        ("GET", "/") if caller == Caller::Member => 303,
        // The fixture's meetings have no sign-in open.
        ("GET", "/api/v1/meetings/{id}/signin/qr.svg") => 409,
        ("GET", _) => 200,
        ("POST", "/api/v1/auth/login") => 200,
        ("POST", "/api/v1/auth/logout") => 204,
        // The wrong old password.
        ("POST", "/api/v1/auth/password" | "/password") => 422,
        ("POST", "/login" | "/logout") => 303,
        // Incomplete or invalid bodies: refused after authorization, nothing written.
        ("POST", "/api/v1/orgs/{id}/children" | "/api/v1/orgs/{id}/meetings" | "/api/v1/members/{id}/archive") => 422,
        ("PUT", "/api/v1/orgs/{id}/plan" | "/api/v1/accounts/{id}/role") => 422,
        ("POST", "/orgs/{id}/edit" | "/orgs/{id}/new" | "/orgs/{id}/move" | "/orgs/{id}/meetings" | "/orgs/{id}/plan") => 422,
        ("POST", "/members/{id}/archive" | "/accounts/role" | "/s/{id}/{token}") => 422,
        ("POST", "/meetings/{id}/attachments" | "/meetings/{id}/decisions") => 422,
        // A leave request declined without a reason; a finding accepted before it was answered
        // (the page shows the form again with the reason).
        ("POST", "/api/v1/leave/{id}/decide" | "/leave/{id}" | "/findings/{id}") => 422,
        ("POST", "/api/v1/findings/{id}/rectify") => 409,
        // An empty one-screen attendance form changes nothing and returns to the meeting.
        ("POST", "/meetings/{id}/attendance" | "/meetings/{id}/edit") => 303,
        // No reason given (restore, correction, leave) or no sign-in open to close.
        ("POST", "/members/{id}/restore" | "/meetings/{id}/correction" | "/m/meetings/{id}/leave") => 422,
        ("POST", "/meetings/{id}/signin/close") => 422,
        // Every target member is on the roll; only a member asks leave, for a planned meeting.
        ("POST", "/api/v1/members/{id}/restore" | "/api/v1/meetings/{id}/leave") => 409,
        // The fixture's sessions owe no second factor; a wrong code does not confirm one.
        ("POST", "/api/v1/auth/totp" | "/totp") => 409,
        ("POST", "/api/v1/auth/totp/confirm") => 422,
        ("POST", "/api/v1/auth/totp/enrol") => 200,
        ("POST", "/meetings/{id}/signin/open") => 422,
        ("POST", "/accounts" | "/api/v1/accounts/member-lookup") => 422,
        // 学: invalid questions and exams; no file; an empty bank to draw the daily quiz from.
        ("POST", "/api/v1/orgs/{id}/questions" | "/api/v1/orgs/{id}/exams") => 422,
        ("POST", "/api/v1/orgs/{id}/questions/import" | "/orgs/{id}/learning/import") => 400,
        ("POST", "/api/v1/learning/daily" | "/m/learning/daily") => 409,
        ("PATCH", "/api/v1/orgs/{id}" | "/api/v1/members/{id}" | "/api/v1/meetings/{id}") => 200,
        ("POST", "/api/v1/members/{id}/move" | "/api/v1/members/{id}/reveal" | "/members/{id}/reveal") => 200,
        ("POST", "/api/v1/meetings/{id}/attendance") => 200,
        ("POST", "/members/{id}/edit" | "/accounts/{id}/{action}") => 303,
        // A member needs a branch: a committee (the caller's own) is none.
        ("POST", "/api/v1/members") => {
            if branch {
                201
            } else {
                422
            }
        }
        ("POST", "/members/new") => {
            if branch {
                303
            } else {
                422
            }
        }
        ("POST", "/api/v1/meetings/{id}/corrections") => 201,
        // Nobody moves their own scope root; elsewhere an org cannot move under itself.
        ("POST", "/api/v1/orgs/{id}/move") => {
            if scope_root {
                409
            } else {
                422
            }
        }
        // Every target has members, or is the caller's scope root.
        ("POST", "/api/v1/orgs/{id}/dissolve" | "/orgs/{id}/dissolve") => 409,
        // Held 60 days ago: past the correction window, or not open, or not a member.
        ("POST", "/api/v1/meetings/{id}/cancel" | "/api/v1/meetings/{id}/decisions" | "/api/v1/meetings/{id}/signin/open") => 409,
        ("POST", "/api/v1/meetings/{id}/signin/close" | "/api/v1/meetings/{id}/signin" | "/api/v1/attachments/{id}/delete") => {
            409
        }
        ("PUT", "/api/v1/meetings/{id}/roll") => 409,
        ("POST", "/api/v1/meetings/{id}/attachments" | "/api/v1/imports/members" | "/imports/members") => 400,
        // The first parent to reach a correction approves it; everyone after finds it decided.
        ("POST", "/api/v1/corrections/{id}/approve") => {
            if Some(caller) == target.and_then(first_approver) {
                200
            } else {
                409
            }
        }
        ("POST", "/api/v1/corrections/{id}/reject") => 409,
        // The draft has no items: the branch may not submit it; nobody else acts on a draft.
        ("POST", "/api/v1/plans/{id}/submit") => {
            if scope_root {
                422
            } else {
                409
            }
        }
        ("POST", "/api/v1/plans/{id}/acknowledge" | "/api/v1/plans/{id}/return" | "/api/v1/plans/{id}/publish") => 409,
        ("POST", "/plans/{id}/action") => 400,
        // 党费: refused after the reach check, nothing written.
        ("POST", "/api/v1/dues/orgs/{id}/bills" | "/api/v1/dues/members/{id}/payments" | "/api/v1/dues/me/orders") => 422,
        ("POST", "/api/v1/dues/members/{id}/reliefs" | "/api/v1/dues/me/reliefs" | "/members/{id}/dues/relief") => 422,
        ("PUT", "/api/v1/dues/members/{id}/base") => 422,
        // 换届: an empty request (no date, seats or reason), refused after the reach check.
        ("POST", "/api/v1/elections/orgs/{id}" | "/orgs/{id}/elections") => 422,
        // 流动党员 and 失联党员: empty forms refused after the reach check; the fixture's
        // meetings are not an e支部's, so no mobile attendance can be recorded at them.
        ("POST", "/api/v1/mobile/members/{id}" | "/api/v1/lost/members/{id}") => 422,
        ("POST", "/members/{id}/mobile" | "/members/{id}/lost" | "/meetings/{id}/mobile") => 422,
        ("PUT", "/api/v1/mobile/meetings/{id}") => 409,
        ("POST", "/orgs/{id}/dues" | "/members/{id}/dues/base" | "/members/{id}/dues/pay" | "/m/dues" | "/m/dues/relief") => 422,
        // 通知: an essential kind cannot be muted; a robot without its fields is refused.
        ("POST", "/api/v1/notifications/read-all") => 200,
        ("PUT", "/api/v1/notifications/settings") => 422,
        ("POST", "/api/v1/orgs/{id}/webhooks" | "/orgs/{id}/webhooks") => 422,
        ("POST", "/notifications/read-all" | "/m/notifications/settings") => 303,
        // 发展党员: an applicant without name or ID number, refused after the reach check.
        ("POST", "/api/v1/recruit/orgs/{id}/files" | "/orgs/{id}/recruit") => 422,
        ("POST", "/members/{id}/transfer") => 422,
        ("POST", "/api/v1/accounts") => 201,
        ("POST", "/api/v1/accounts/{id}/reset-password" | "/api/v1/accounts/{id}/unlock") => 200,
        ("POST", "/api/v1/accounts/{id}/disable" | "/api/v1/accounts/{id}/enable") => 200,
        _ => panic!(
            "{method} {path}: declare its status for authorized callers in allowed_status (crates/web/tests/api/matrix.rs)"
        ),
    }
}

/// The caller who approves the fixture's correction of `o`: the first, in the order the
/// matrix runs callers, with write access reaching `o` below its own scope root.
fn first_approver(o: Org) -> Option<Caller> {
    Caller::ALL.into_iter().find(|&c| granted(c, Permission::OrgWrite) && reaches_org(c, o) && own_org(c) != Some(o))
}

/// Routes whose allowed answer about a target may be empty (no rows for it), each with
/// why; any other allowed answer must name its target (see [`about_target`]).
const MAY_BE_EMPTY: &[(&str, &str, &str)] = &[
    ("GET", "/api/v1/orgs/{id}/children", "a branch or a group has no child orgs"),
    ("GET", "/tree/{id}", "a branch or a group has no child orgs (the fragment still names its parent)"),
    ("GET", "/api/v1/orgs/{id}/plan", "only a branch has a yearly plan: `null` for a committee or a group"),
    ("GET", "/api/v1/meetings/{id}/leave", "the fixture's leave requests are on other (planned) meetings"),
    ("GET", "/api/v1/cockpit/orgs/{id}/branches", "a group has no branches below it; a subtree may have no late branch"),
    ("GET", "/api/v1/cockpit/orgs/{id}/members", "the members needing attention: none in some subtrees"),
    ("GET", "/api/v1/members/{id}/attendance", "a member of no group or branch meeting has no attendance"),
    ("GET", "/api/v1/dues/orgs/{id}/bills", "the fixture sets no member's dues base, so no month has bills"),
    ("GET", "/api/v1/elections/orgs/{id}", "the fixture's orgs have held no election yet"),
    ("GET", "/api/v1/learning/questions", "the fixture's orgs have empty question banks"),
    ("GET", "/api/v1/orgs/{id}/webhooks", "the fixture's orgs have no group robots"),
    ("GET", "/api/v1/recruit/orgs/{id}/files", "the fixture has no 发展党员 files"),
    ("GET", "/api/v1/recruit/me", "the fixture's members have no 发展党员 file: `null`"),
    ("GET", "/api/v1/mobile/orgs/{id}", "the fixture registers no member as away"),
    ("GET", "/api/v1/mobile/meetings/{id}", "the fixture's meetings are not an e支部's: no mobile roll"),
    ("GET", "/api/v1/mobile/me", "the fixture's members hold no 流动党员活动证"),
    ("GET", "/api/v1/lost/orgs/{id}", "the fixture records no member as lost"),
];

/// Routes whose rows belong to the target but do not repeat its id (a member's history,
/// the members or findings of an org's subtree): every item's `field` must be among the
/// target's rows read from the database (`sql`, with `{id}` the target's id), and a page
/// of no items counts only for a route of [`MAY_BE_EMPTY`].
const ROWS_OF_TARGET: &[(&str, &str, &str, &str)] = &[
    ("GET", "/api/v1/members/{id}/history", "id", "SELECT id FROM member_history WHERE member_id = {id}"),
    (
        "GET",
        "/api/v1/members/{id}/attendance",
        "meeting_id",
        "SELECT meeting_id AS id FROM meeting_attendance WHERE member_id = {id}",
    ),
    (
        "GET",
        "/api/v1/members",
        "id",
        "SELECT id FROM members WHERE org_path LIKE (SELECT path FROM orgs WHERE id = {id}) || '%' OR group_id = {id}",
    ),
    (
        "GET",
        "/api/v1/cockpit/orgs/{id}/members",
        "id",
        "SELECT id FROM members WHERE org_path LIKE (SELECT path FROM orgs WHERE id = {id}) || '%' OR group_id = {id}",
    ),
    (
        "GET",
        "/api/v1/findings",
        "id",
        "SELECT id FROM findings WHERE org_path LIKE (SELECT path FROM orgs WHERE id = {id}) || '%'",
    ),
    (
        "GET",
        "/api/v1/findings/todo",
        "id",
        "SELECT id FROM findings WHERE org_path LIKE (SELECT path FROM orgs WHERE id = {id}) || '%'",
    ),
    (
        "GET",
        "/api/v1/cockpit/orgs/{id}/branches",
        "id",
        "SELECT id FROM orgs WHERE path LIKE (SELECT path FROM orgs WHERE id = {id}) || '%'",
    ),
];

/// Whether an answer of 2xx is about its target: it names the target itself — its id (as
/// an `id`/`…_id` field of the JSON, or anywhere in an HTML page: ids are 15-digit
/// numbers no other text has), its name, or (a member) its own revealed value. Names of
/// its branch or subtree do not count. An empty answer counts only for a route of
/// [`MAY_BE_EMPTY`]. Binary downloads (xlsx, the stored attachment) are checked by their
/// type instead.
fn about_target(r: &Resp, id: i64, names: &[String], may_be_empty: bool) -> bool {
    let ct = r.header("content-type");
    if ct.contains("spreadsheetml") || ct.starts_with("image/") {
        return !r.text.is_empty();
    }
    if names.iter().any(|m| !m.is_empty() && r.text.contains(m.as_str())) {
        return true;
    }
    if json_names_id(&r.json, id) || (r.json.is_null() && html_names_id(&r.text, id)) {
        return true;
    }
    may_be_empty && is_empty(r)
}

/// `[]`, `null`, or a page without items.
fn is_empty(r: &Resp) -> bool {
    let compact: String = r.text.chars().filter(|c| !c.is_whitespace()).collect();
    matches!(compact.as_str(), "[]" | "null") || r.json["items"].as_array().is_some_and(Vec::is_empty)
}

/// Whether every item of a page is one of `rows` by its `field` (and there is one, unless
/// the route may answer empty).
fn rows_of_target(r: &Resp, field: &str, rows: &[i64], may_be_empty: bool) -> bool {
    match r.json["items"].as_array() {
        Some(items) if items.is_empty() => may_be_empty,
        Some(items) => items.iter().all(|i| i[field].as_i64().is_some_and(|v| rows.contains(&v))),
        None => false,
    }
}

/// [`about_target`] refuses what the matrix once let through: an empty answer of a route
/// not declared [`MAY_BE_EMPTY`], and an answer naming only the target's branch.
pub fn assert_about_target_is_strict() {
    let resp = |text: &str, ct: &str| {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("content-type", ct.parse().expect("content type"));
        Resp {
            status: 200,
            headers,
            text: text.to_string(),
            json: serde_json::from_str(text).unwrap_or(Value::Null),
            answer: text.to_string(),
        }
    };
    let (target, branch) = (377_854_780_727_296_i64, 377_854_780_710_912_i64);
    let json = "application/json";
    for empty in ["[]", "null", r#"{"items":[],"total":0}"#] {
        assert!(!about_target(&resp(empty, json), target, &[], false), "{empty}");
        assert!(about_target(&resp(empty, json), target, &[], true), "{empty}");
    }
    assert!(!about_target(&resp("<ul></ul>", "text/html"), target, &[], false));
    let of_branch = format!(r#"{{"items":[{{"id":1,"org_id":{branch},"org_name":"东一社区党支部"}}]}}"#);
    assert!(!about_target(&resp(&of_branch, json), target, &["张三".into()], false));
    let of_target = format!(r#"{{"items":[{{"id":1,"member_id":{target}}}]}}"#);
    assert!(about_target(&resp(&of_target, json), target, &[], false));
    assert!(about_target(&resp(&format!(r#"<h1 data-meeting="{target}">"#), "text/html"), target, &[], false));
    assert!(!about_target(&resp(&format!("<a href=\"/orgs/{target}9\">"), "text/html"), target, &[], false));
    assert!(!rows_of_target(&resp(r#"{"items":[{"id":5}]}"#, json), "id", &[4], false));
    assert!(rows_of_target(&resp(r#"{"items":[{"id":4}]}"#, json), "id", &[4], false));
    assert!(!rows_of_target(&resp(r#"{"items":[]}"#, json), "id", &[4], false));
}

/// Whether a JSON value has an `id` or `…_id` field equal to `id`, at any depth.
fn json_names_id(v: &Value, id: i64) -> bool {
    match v {
        Value::Object(o) => o.iter().any(|(k, x)| {
            ((k == "id" || k.ends_with("_id")) && (x.as_i64() == Some(id) || x.as_str() == Some(&id.to_string())))
                || json_names_id(x, id)
        }),
        Value::Array(a) => a.iter().any(|x| json_names_id(x, id)),
        _ => false,
    }
}

/// Whether an HTML page holds `id` as a whole number (a link `/…/{id}`, a form's value,
/// a `data-…` attribute of what the page is about).
fn html_names_id(text: &str, id: i64) -> bool {
    let id = id.to_string();
    text.match_indices(id.as_str()).any(|(at, _)| {
        !text[at + id.len()..].starts_with(|c: char| c.is_ascii_digit()) && !text[..at].ends_with(|c: char| c.is_ascii_digit())
    })
}

/// The role model as the policy states it (hand-written; `Role::grants` must agree, see
/// [`assert_role_model_is_the_declared_one`]). The match has no wildcard, so a new
/// permission does not compile until its grants are declared here.
fn granted(caller: Caller, permission: Permission) -> bool {
    use Caller::*;
    match permission {
        Permission::Public => true,
        Permission::SelfService => caller != Anonymous,
        Permission::OrgRead | Permission::MemberRead | Permission::Learn => {
            matches!(caller, Member | Leader | Secretary | Street | District | OrgDept)
        }
        Permission::OrgWrite | Permission::MemberWrite | Permission::MemberReveal | Permission::LearningAdmin => {
            matches!(caller, Secretary | Street | District | OrgDept)
        }
        Permission::AccountAdmin => caller == SysAdmin,
        Permission::AuditRead => caller == Auditor,
        Permission::SecurityAdmin => caller == SecAdmin,
    }
}

/// `Role::grants` (what the middleware checks) is the role model declared above.
pub fn assert_role_model_is_the_declared_one() {
    for caller in Caller::ALL {
        let Some(role) = caller.role() else { continue };
        for &p in Permission::ALL {
            assert_eq!(
                role.grants(p),
                granted(caller, p),
                "Role::{role:?}.grants({p:?}) differs from the declared role model in the matrix test"
            );
        }
    }
}

fn oracle(caller: Caller, permission: Permission, reachable: Option<bool>) -> Expect {
    if caller.role().is_none() {
        return if permission == Permission::Public { Expect::Allowed } else { Expect::Unauthenticated };
    }
    if !granted(caller, permission) {
        Expect::Forbidden
    } else if reachable == Some(false) {
        Expect::Hidden
    } else {
        Expect::Allowed
    }
}

fn hidden_reference(r: &Resp) -> bool {
    r.status == 422 && r.field_codes() == ["org.not_found"]
}

fn holds(expect: Expect, r: &Resp, path: &str, allowed: u16) -> bool {
    if expect == Expect::Allowed {
        return r.status == allowed;
    }
    if is_page(path) {
        let to_login = (r.status == 303 || r.status == 302) && r.header("location").starts_with("/login");
        return match expect {
            Expect::Unauthenticated => to_login,
            Expect::Forbidden => r.status == 403,
            Expect::Hidden => r.status == 404,
            Expect::HiddenReference => r.status == 422,
            // Logging out ends at the login page; anywhere else that means the session was refused.
            Expect::Allowed => !matches!(r.status, 401 | 403 | 404) && r.status < 500 && (!to_login || path == "/logout"),
        };
    }
    match expect {
        Expect::Unauthenticated => r.status == 401 && r.code() == "auth.required",
        Expect::Forbidden => r.status == 403 && r.code() == "auth.forbidden",
        Expect::Hidden => r.status == 404 && r.code() == "not_found",
        Expect::HiddenReference => hidden_reference(r),
        Expect::Allowed => !matches!(r.status, 401 | 403 | 404) && r.status < 500 && !hidden_reference(r),
    }
}

// ---- Targets -----------------------------------------------------------------------

/// The caller's own org: its scope org, or its branch for a member.
fn own_org(caller: Caller) -> Option<Org> {
    match caller {
        Caller::Member | Caller::Secretary => Some(Org::B1),
        Caller::Leader => Some(Org::G1),
        Caller::Street => Some(Org::S1),
        Caller::District => Some(Org::D1),
        Caller::OrgDept => Some(Org::C),
        Caller::Anonymous | Caller::Auditor | Caller::SysAdmin | Caller::SecAdmin => None,
    }
}

fn own_member(caller: Caller) -> Option<M> {
    match caller {
        Caller::Member => Some(M::Member),
        Caller::Leader => Some(M::Leader),
        Caller::Secretary => Some(M::Secretary),
        _ => None,
    }
}

fn org_target(caller: Caller, t: Target) -> Option<Org> {
    match t {
        Target::Own => own_org(caller),
        Target::SameBranch => Some(Org::B1),
        Target::SiblingBranch => Some(Org::B2),
        Target::Ancestor => Some(Org::D1),
        Target::OtherDistrict => Some(Org::D2),
    }
}

/// Branches for creating members: the ancestor district's own branch, the other
/// district's branch.
fn branch_target(caller: Caller, t: Target) -> Option<Org> {
    match t {
        Target::Ancestor => Some(Org::B0),
        Target::OtherDistrict => Some(Org::B3),
        _ => org_target(caller, t),
    }
}

/// Whether the caller's own member record is on the roll of the fixture meeting of `o`
/// (hand-written: a branch meeting expects the whole branch, a group meeting the group).
fn on_roll(caller: Caller, o: Org) -> bool {
    matches!(
        (caller, o),
        (Caller::Member | Caller::Leader | Caller::Secretary, Org::B1) | (Caller::Member | Caller::Leader, Org::G1)
    )
}

/// One meeting (held 60 days ago, with an attachment and a pending correction request)
/// and one open finding per org of the fixture, and a draft plan and a member's pending
/// leave request for a planned meeting per branch, made through the store (the findings
/// as the rules engine writes them).
pub struct OrgLife {
    meetings: HashMap<Org, i64>,
    attachments: HashMap<Org, i64>,
    corrections: HashMap<Org, i64>,
    plans: HashMap<Org, i64>,
    findings: HashMap<Org, i64>,
    /// The leave request and its meeting.
    leaves: HashMap<Org, (i64, i64)>,
    dir: std::path::PathBuf,
}

impl Drop for OrgLife {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn orglife_objects(fx: &Fixture) -> OrgLife {
    use vanguard_store::orglife::{MeetingInput, MeetingPatch};
    use vanguard_store::{Actor, Scope};
    let db = &fx.db;
    let dir = std::env::temp_dir().join(format!("vanguard-matrix-{}-{}", std::process::id(), fx.backend));
    db.set_attachments_dir(dir.clone());
    let regions = vanguard_store::org::regions(db).await.expect("regions");
    let root = regions.into_iter().find(|r| r.id == fx.org(Org::C)).expect("root");
    let sys_scope = Scope::system(root.region_id, &root.path, Actor::system("matrix"));
    let sys = db.scoped(&sys_scope);
    let held_at = db.clock().now_ms() - 60 * 24 * 3600 * 1000;
    let mut life = OrgLife {
        meetings: HashMap::new(),
        attachments: HashMap::new(),
        corrections: HashMap::new(),
        plans: HashMap::new(),
        findings: HashMap::new(),
        leaves: HashMap::new(),
        dir,
    };
    for o in [Org::C, Org::D1, Org::D2, Org::S1, Org::B0, Org::B1, Org::B2, Org::B3, Org::G1] {
        let meeting_type = match o {
            Org::C | Org::D1 | Org::D2 | Org::S1 => "study_seminar",
            Org::G1 => "group_meeting",
            _ => "theme_day",
        };
        let input = MeetingInput {
            meeting_type: meeting_type.into(),
            held_at: Some(held_at),
            place: "会议室".into(),
            host: "主持人".into(),
            recorder: "记录人".into(),
            ..Default::default()
        };
        let m = sys.orglife().create_meeting(fx.org(o), &input).await.unwrap_or_else(|e| panic!("meeting of {o:?}: {e}"));
        let m = m.meeting.summary.id;
        let png = b"\x89PNG\r\n\x1a\n matrix".to_vec();
        let a = sys.orglife().add_attachment(m, "会场.png", &png).await.unwrap_or_else(|e| panic!("attachment of {o:?}: {e}"));
        let patch = MeetingPatch { place: Some("更正后的地点".into()), ..Default::default() };
        let c =
            sys.orglife().request_correction(m, "记录有误", &patch).await.unwrap_or_else(|e| panic!("correction of {o:?}: {e}"));
        life.meetings.insert(o, m);
        life.attachments.insert(o, a.id);
        life.corrections.insert(o, c.id);
        if matches!(o, Org::B0 | Org::B1 | Org::B2 | Org::B3) {
            // Drafted by the branch itself (a scope rooted at the branch, not its parent).
            let branch = sys.orgs().org(fx.org(o)).await.expect("branch");
            let own = Scope::system(root.region_id, &branch.path, Actor::system("matrix"));
            let year = chrono::Datelike::year(&db.clock().today());
            let plan = db.scoped(&own).orglife().save_plan(branch.id, year, &[], None).await;
            life.plans.insert(o, plan.unwrap_or_else(|e| panic!("plan of {o:?}: {e}")).id);
            // A member of the branch asks leave for its next planned meeting.
            let planned = MeetingInput {
                meeting_type: "theme_day".into(),
                planned_at: Some(db.clock().now_ms() + 10 * 24 * 3600 * 1000),
                ..Default::default()
            };
            let next = sys.orglife().create_meeting(branch.id, &planned).await;
            let next = next.unwrap_or_else(|e| panic!("planned meeting of {o:?}: {e}")).meeting.summary.id;
            let who = match o {
                Org::B0 => M::B0,
                Org::B1 => M::B1,
                Org::B2 => M::B2,
                _ => M::B3,
            };
            let member_id = fx.member(who).id;
            let member = Scope {
                actor: Actor::system("matrix member"),
                role: vanguard_domain::kernel::auth::Role::Member,
                region_id: root.region_id,
                reach: vanguard_domain::kernel::auth::Reach::OwnRecord { member_id, branch_path: branch.path.clone() },
                member_id: Some(member_id),
                scope_org_id: None,
            };
            let leave = db.scoped(&member).orglife().request_leave(next, "外地出差").await;
            life.leaves.insert(o, (leave.unwrap_or_else(|e| panic!("leave in {o:?}: {e}")).id, next));
        }
        // An open finding about the org: the rules engine's own when it has written one (the
        // planned meeting refreshed the branch), else one written as the engine writes it.
        let row = sys.orgs().org(fx.org(o)).await.expect("org");
        #[derive(sqlx::FromRow)]
        struct Open {
            id: i64,
        }
        let sql = format!(
            "SELECT id FROM findings WHERE subject_kind = 'org' AND subject_id = {} AND resolved_at IS NULL ORDER BY id LIMIT 1",
            row.id
        );
        let open: Vec<Open> = vanguard_testkit::raw_fetch_all(db, &sql).await.expect("findings");
        let id = match open.first() {
            Some(f) => f.id,
            None => {
                let id = vanguard_store::platform::ids::next();
                let now = db.clock().now_ms();
                let sql = format!(
                    "INSERT INTO findings (region_id, id, rule_code, rule_version, subject_kind, subject_id, org_id, org_path, \
                     period_key, severity, evidence, first_seen_at, last_seen_at, resolved_at) VALUES ({}, {id}, \
                     'orglife.theme_day', 1, 'org', {}, {}, '{}', '1999-12', 'finding', '1999年12月未开展主题党日', {now}, {now}, NULL)",
                    row.region_id, row.id, row.id, row.path
                );
                vanguard_testkit::raw_execute(db, &sql).await.unwrap_or_else(|e| panic!("finding of {o:?}: {e}"));
                id
            }
        };
        life.findings.insert(o, id);
    }
    life
}

fn member_target(caller: Caller, t: Target) -> Option<M> {
    match t {
        Target::Own => own_member(caller),
        Target::SameBranch => Some(M::B1),
        Target::SiblingBranch => Some(M::B2),
        Target::Ancestor => Some(M::B0),
        Target::OtherDistrict => Some(M::B3),
    }
}

// ---- Running the matrix ------------------------------------------------------------

struct Matrix<'a> {
    fx: &'a Fixture,
    server: &'a Server,
    tokens: HashMap<Caller, String>,
    throwaway: i64,
    serial: u32,
    life: OrgLife,
    /// Org and member names by id, to recognise an answer about its target.
    known: Known,
}

/// The names of the fixture's orgs and members by id, read outside the server.
struct Known {
    /// `(id, name, is a member)` of every org and member (the two are numbered apart).
    rows: Vec<(i64, String, bool)>,
}

impl Known {
    async fn read(fx: &Fixture) -> Known {
        #[derive(sqlx::FromRow)]
        struct Named {
            id: i64,
            name: String,
            member: i64,
        }
        let sql = "SELECT id, name, CAST(0 AS BIGINT) AS member FROM orgs UNION ALL SELECT id, name, CAST(1 AS BIGINT) AS member FROM members";
        let rows: Vec<Named> = vanguard_testkit::raw_fetch_all(&fx.db, sql).await.expect("names");
        Known { rows: rows.into_iter().map(|n| (n.id, n.name, n.member == 1)).collect() }
    }

    /// The name of org `id`, or of member `id`.
    fn name(&self, id: i64, member: bool) -> Option<&str> {
        self.rows.iter().find(|(i, _, m)| *i == id && *m == member).map(|(_, n, _)| n.as_str())
    }
}

/// The org a targeted cell is about (the member's own org is not needed: member routes'
/// statuses do not depend on it).
fn cell_org(aim: Aim, caller: Caller, target: Option<Target>) -> Option<Org> {
    let t = target?;
    match aim {
        Aim::BranchBody | Aim::PlanPath | Aim::LeavePath => branch_target(caller, t),
        Aim::MemberPath => None,
        _ => org_target(caller, t),
    }
}

impl Matrix<'_> {
    /// One cell: the request, and what the oracle expects of it. `None` when the
    /// target does not exist for this caller (no own record).
    async fn cell(
        &mut self,
        spec: &RouteSpec,
        c: &Case,
        caller: Caller,
        target: Option<Target>,
    ) -> Option<(Expect, Resp, String, Option<i64>)> {
        let fx = self.fx;
        let (id, reachable, query, label) = match (c.aim, target) {
            (Aim::Untargeted, _) => (None, None, String::new(), "-".to_string()),
            (Aim::AccountPath, _) => (Some(self.throwaway), None, String::new(), "throw-away account".to_string()),
            (Aim::OwnRecord, _) => (None, Some(own_member(caller).is_some()), String::new(), "own record".to_string()),
            (Aim::NoSuchObject, _) => (Some(1), Some(false), String::new(), "nobody's object".to_string()),
            (Aim::OrgPath | Aim::OrgQuery, Some(t)) => {
                let o = org_target(caller, t)?;
                let q = if c.aim == Aim::OrgQuery { format!("?org_id={}", fx.org(o)) } else { String::new() };
                (Some(fx.org(o)), Some(reaches_org(caller, o)), q, format!("{t:?}={o:?}"))
            }
            (Aim::BranchBody, Some(t)) => {
                let o = branch_target(caller, t)?;
                (Some(fx.org(o)), Some(reaches_org(caller, o)), String::new(), format!("{t:?}={o:?}"))
            }
            (Aim::MemberPath, Some(t)) => {
                let m = member_target(caller, t)?;
                (Some(fx.member(m).id), Some(reaches_member(caller, t)), String::new(), format!("{t:?}={m:?}"))
            }
            (Aim::MeetingPath | Aim::MeetingRoll | Aim::AttachmentPath | Aim::CorrectionPath, Some(t)) => {
                let o = org_target(caller, t)?;
                let objects = match c.aim {
                    Aim::AttachmentPath => &self.life.attachments,
                    Aim::CorrectionPath => &self.life.corrections,
                    _ => &self.life.meetings,
                };
                let reachable = reaches_org(caller, o) || (c.aim == Aim::MeetingRoll && on_roll(caller, o));
                (Some(*objects.get(&o)?), Some(reachable), String::new(), format!("{t:?}={o:?}"))
            }
            (Aim::PlanPath, Some(t)) => {
                let o = branch_target(caller, t)?;
                (Some(*self.life.plans.get(&o)?), Some(reaches_org(caller, o)), String::new(), format!("{t:?}={o:?}"))
            }
            (Aim::FindingPath, Some(t)) => {
                let o = org_target(caller, t)?;
                (Some(*self.life.findings.get(&o)?), Some(reaches_org(caller, o)), String::new(), format!("{t:?}={o:?}"))
            }
            (Aim::LeavePath, Some(t)) => {
                let o = branch_target(caller, t)?;
                (Some(self.life.leaves.get(&o)?.0), Some(reaches_org(caller, o)), String::new(), format!("{t:?}={o:?}"))
            }
            (_, None) => unreachable!("targeted routes are run per target"),
        };
        let template = c.path.unwrap_or(spec.path);
        let path = match id {
            Some(id) if template.contains("{id}") => template.replace("{id}", &id.to_string()),
            _ => template.to_string(),
        } + &query;
        let mut form_body: Option<Vec<(String, String)>> = None;
        let pairs = |v: &[(&str, String)]| v.iter().map(|(k, x)| (k.to_string(), x.clone())).collect::<Vec<_>>();
        match &c.body {
            Body::Form(p) => form_body = Some(p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
            Body::LoginForm => form_body = Some(pairs(&[("login", "probe".into()), ("password", PASSWORD.into())])),
            Body::MoveOrgOntoItselfForm => form_body = Some(pairs(&[("parent_id", id.unwrap_or(0).to_string())])),
            Body::DeclineLeaveForm => {
                let meeting = self.life.leaves.values().find(|(l, _)| Some(*l) == id).map(|(_, m)| *m).unwrap_or(0);
                form_body = Some(pairs(&[("decision", "reject".into()), ("meeting_id", meeting.to_string())]))
            }
            Body::AccountForm(role) => {
                form_body = Some(pairs(&[("account_id", self.throwaway.to_string()), ("role", role.to_string())]))
            }
            Body::NewMemberForm => {
                let v = new_member_body(id.expect("branch"), &fresh_id_number());
                let mut p: Vec<(String, String)> = v
                    .as_object()
                    .map(|o| {
                        o.iter()
                            .map(|(k, x)| (k.clone(), x.as_str().map(String::from).unwrap_or_else(|| x.to_string())))
                            .collect()
                    })
                    .unwrap_or_default();
                p.retain(|(_, x)| x != "null");
                form_body = Some(p);
            }
            _ => {}
        }
        let body = match &c.body {
            Body::None
            | Body::Form(_)
            | Body::LoginForm
            | Body::MoveOrgOntoItselfForm
            | Body::AccountForm(_)
            | Body::DeclineLeaveForm
            | Body::NewMemberForm => None,
            Body::Json(v) => Some(v.clone()),
            Body::Login => Some(json!({"login": "probe", "password": PASSWORD})),
            Body::MoveOrgOntoItself => Some(json!({"parent_id": id})),
            Body::NewMember => Some(new_member_body(id.expect("branch"), &fresh_id_number())),
            Body::MoveMemberInPlace => {
                let m = fx.members.values().find(|m| Some(m.id) == id).expect("member");
                Some(json!({"org_id": m.org_id, "group_id": m.group_id}))
            }
            Body::NewAccount => {
                self.serial += 1;
                Some(json!({"username": format!("made{}", self.serial), "role": "auditor", "password": PASSWORD}))
            }
        };
        let token = match (caller, c.token) {
            (Caller::Anonymous, _) => None,
            (_, Token::Caller) => Some(self.tokens[&caller].clone()),
            (_, Token::Fresh) => Some(fx.login(caller).await),
        };
        let r = match form_body {
            Some(f) => {
                let rb = self.server.request(spec.method.clone(), &path, token.as_deref()).form(&f);
                Resp::read(rb.send().await.unwrap_or_else(|e| panic!("request {path}: {e}"))).await
            }
            None => self.server.call(spec.method.clone(), &path, token.as_deref(), body.as_ref()).await,
        };
        let expect = match oracle(caller, c.permission, reachable) {
            Expect::Hidden if c.aim == Aim::BranchBody => Expect::HiddenReference,
            e => e,
        };
        Some((expect, r, label, id))
    }
}

pub async fn run(fx: &Fixture, server: &Server) -> usize {
    let mut tokens = HashMap::new();
    for caller in Caller::ALL {
        if caller != Caller::Anonymous {
            tokens.insert(caller, fx.login(caller).await);
        }
    }
    fx.account("probe", vanguard_domain::kernel::auth::Role::Auditor, None, None).await;
    let throwaway = fx.account("throwaway", vanguard_domain::kernel::auth::Role::Auditor, None, None).await;
    let life = orglife_objects(fx).await;
    let known = Known::read(fx).await;
    let mut mx = Matrix { fx, server, tokens, throwaway, serial: 0, life, known };

    assert_every_route_has_a_case();
    assert_role_model_is_the_declared_one();
    let table = vanguard_web::routes::table();
    let mut failures = Vec::new();
    let mut cells = 0usize;
    for spec in &table {
        let c = case_of(spec).expect("checked above");
        let mut route_cells = 0;
        for caller in Caller::ALL {
            let targets: Vec<Option<Target>> = match c.aim {
                Aim::Untargeted | Aim::AccountPath | Aim::OwnRecord | Aim::NoSuchObject => vec![None],
                _ => TARGETS.iter().copied().map(Some).collect(),
            };
            for target in targets {
                let Some((expect, r, label, id)) = mx.cell(spec, &c, caller, target).await else { continue };
                route_cells += 1;
                let what = format!("{} {} as {caller:?} on {label}", spec.method, spec.path);
                assert_security_headers(&r, &what);
                let target_org = cell_org(c.aim, caller, target);
                let allowed = if expect == Expect::Allowed {
                    allowed_status(spec.method.as_str(), spec.path, caller, target_org)
                } else {
                    0
                };
                if !holds(expect, &r, spec.path, allowed) {
                    failures.push(format!(
                        "{what}: expected {expect:?}, got {} {}",
                        r.status,
                        r.text.chars().take(300).collect::<String>()
                    ));
                } else if expect == Expect::Allowed
                    && (200..300).contains(&r.status)
                    && let Some(id) = id.filter(|_| !matches!(c.aim, Aim::AccountPath | Aim::NoSuchObject))
                {
                    // The target's own name: an org's or a member's (and a member's phone,
                    // which the reveal answers); other objects are named by their id.
                    let mut names: Vec<String> = Vec::new();
                    if matches!(c.aim, Aim::OrgPath | Aim::OrgQuery | Aim::BranchBody | Aim::MemberPath) {
                        names.extend(mx.known.name(id, c.aim == Aim::MemberPath).map(String::from));
                    }
                    if let Some(m) = fx.members.values().find(|m| m.id == id).filter(|_| c.aim == Aim::MemberPath) {
                        names.push(m.phone.clone());
                    }
                    let may_be_empty = MAY_BE_EMPTY.iter().any(|(m, p, _)| *m == spec.method.as_str() && *p == spec.path);
                    let rows_rule = ROWS_OF_TARGET.iter().find(|(m, p, _, _)| *m == spec.method.as_str() && *p == spec.path);
                    let about = match rows_rule {
                        Some((_, _, field, sql)) => {
                            #[derive(sqlx::FromRow)]
                            struct Row {
                                id: i64,
                            }
                            let sql = sql.replace("{id}", &id.to_string());
                            let rows: Vec<Row> = vanguard_testkit::raw_fetch_all(&fx.db, &sql).await.expect("the target's rows");
                            let rows: Vec<i64> = rows.into_iter().map(|r| r.id).collect();
                            rows_of_target(&r, field, &rows, may_be_empty)
                        }
                        None => about_target(&r, id, &names, may_be_empty),
                    };
                    if !about {
                        failures.push(format!(
                            "{what}: answered {} but the body is not about the target {id}: {}",
                            r.status,
                            r.text.chars().take(200).collect::<String>()
                        ));
                    }
                }
            }
        }
        assert!(route_cells > 0, "{} {} was not checked by the matrix", spec.method, spec.path);
        cells += route_cells;
    }
    assert!(
        failures.is_empty(),
        "[{}] {} of {cells} authorization cells differ from the policy:\n{}",
        fx.backend,
        failures.len(),
        failures.join("\n")
    );
    println!(
        "[{}] authorization matrix: {cells} cells checked ({} routes × {} callers × targets)",
        fx.backend,
        table.len(),
        Caller::ALL.len()
    );
    cells
}
