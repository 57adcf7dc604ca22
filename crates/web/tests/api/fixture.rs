//! The org tree, members and accounts every API test starts from, a real server on a
//! loopback port, and a small HTTP client.
//!
//! ```text
//! C (root 党委) ─ D1 (党委) ─ S1 (党工委) ─ B1 (党支部: 党小组 G1, G2) and B2 (党支部)
//!                           └ B0 (党支部 directly under D1)
//!              └ D2 (党委) ─ B3 (党支部)
//! ```

use chrono::NaiveDate;
use reqwest::Method;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use vanguard_domain::kernel::auth::Role;
use vanguard_domain::member::MemberInput;
use vanguard_domain::org::{OrgInput, OrgKind, Sector};
use vanguard_store::account::{self, NewAccount};
use vanguard_store::member::NewMember;
use vanguard_store::{Actor, Db, Scope};
use vanguard_testkit::TestDb;
use vanguard_web::AppState;

/// The password of every fixture account.
pub const PASSWORD: &str = "Test@2026x";

/// Who calls: no session, or one account per role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Caller {
    Anonymous,
    Member,
    Leader,
    Secretary,
    Street,
    District,
    OrgDept,
    Auditor,
    SysAdmin,
    SecAdmin,
}

impl Caller {
    pub const ALL: [Caller; 10] = [
        Caller::Anonymous,
        Caller::Member,
        Caller::Leader,
        Caller::Secretary,
        Caller::Street,
        Caller::District,
        Caller::OrgDept,
        Caller::Auditor,
        Caller::SysAdmin,
        Caller::SecAdmin,
    ];

    pub fn role(self) -> Option<Role> {
        match self {
            Caller::Anonymous => None,
            Caller::Member => Some(Role::Member),
            Caller::Leader => Some(Role::GroupLeader),
            Caller::Secretary => Some(Role::BranchSecretary),
            Caller::Street | Caller::District => Some(Role::CommitteeAdmin),
            Caller::OrgDept => Some(Role::OrgDeptAdmin),
            Caller::Auditor => Some(Role::Auditor),
            Caller::SysAdmin => Some(Role::SysAdmin),
            Caller::SecAdmin => Some(Role::SecAdmin),
        }
    }

    pub fn username(self) -> &'static str {
        match self {
            Caller::Anonymous => "",
            Caller::Member => "member",
            Caller::Leader => "leader",
            Caller::Secretary => "secretary",
            Caller::Street => "street",
            Caller::District => "district",
            Caller::OrgDept => "orgdept",
            Caller::Auditor => "auditor",
            Caller::SysAdmin => "sysadmin",
            Caller::SecAdmin => "secadmin",
        }
    }
}

/// The orgs of the fixture tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Org {
    C,
    D1,
    D2,
    S1,
    B1,
    B2,
    B0,
    B3,
    G1,
    G2,
}

/// The members of the fixture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum M {
    /// In B1, group G1; the `member` account's record.
    Member,
    /// In B1, group G1; the group leader's record.
    Leader,
    /// In B1; the branch secretary's record.
    Secretary,
    /// In B1, group G2.
    B1,
    B2,
    B0,
    B3,
}

/// A fixture member as created.
#[derive(Debug, Clone)]
pub struct MemberRec {
    pub id: i64,
    pub org_id: i64,
    pub group_id: Option<i64>,
    pub id_number: String,
    pub phone: String,
}

static SERIAL: AtomicU32 = AtomicU32::new(0);

/// A valid 公民身份号码 not used before in this test process (male, born 1960 or later).
pub fn fresh_id_number() -> String {
    let n = SERIAL.fetch_add(1, Ordering::Relaxed);
    let birth = NaiveDate::from_ymd_opt(1960, 1, 1).expect("date") + chrono::Days::new(u64::from(n));
    vanguard_domain::member::idcard::compose("330205", birth, 1)
}

/// A mobile number not used before in this test process.
pub fn fresh_phone() -> String {
    format!("139{:08}", SERIAL.fetch_add(1, Ordering::Relaxed))
}

/// A complete, valid new-member body for `POST /api/v1/members`.
pub fn new_member_body(org_id: i64, id_number: &str) -> Value {
    serde_json::json!({
        "org_id": org_id, "name": "新党员", "id_number": id_number, "ethnicity": "汉族",
        "joined_on": "2020-07-01", "category": "formal", "phone": fresh_phone()
    })
}

pub struct Fixture {
    pub db: Db,
    pub backend: &'static str,
    pub orgs: HashMap<Org, i64>,
    pub members: HashMap<M, MemberRec>,
    pub accounts: HashMap<Caller, i64>,
}

fn org_input(name: &str, kind: OrgKind) -> OrgInput {
    OrgInput {
        name: Some(name.into()),
        kind: Some(kind.code().into()),
        sector: Some(Sector::Community.code().into()),
        ..OrgInput::default()
    }
}

impl Fixture {
    /// Builds the tree, the members and one account per caller through the store API.
    pub async fn build(t: &TestDb) -> Fixture {
        let db = t.db.clone();
        let mut tx = db.begin().await.expect("begin");
        let root = vanguard_store::org::create_root(&db, &mut tx, "测试市委", OrgKind::Committee, Sector::Government, None)
            .await
            .expect("root");
        tx.commit().await.expect("commit");
        let scope = Scope::system(root.region_id, &root.path, Actor::system("test"));
        let sys = db.scoped(&scope);
        let mut orgs = HashMap::new();
        orgs.insert(Org::C, root.id);
        for (org, parent, name, kind) in [
            (Org::D1, Org::C, "第一区委", OrgKind::Committee),
            (Org::D2, Org::C, "第二区委", OrgKind::Committee),
            (Org::S1, Org::D1, "东街道党工委", OrgKind::WorkCommittee),
            (Org::B0, Org::D1, "区机关第一党支部", OrgKind::Branch),
            (Org::B1, Org::S1, "东一社区党支部", OrgKind::Branch),
            (Org::B2, Org::S1, "东二社区党支部", OrgKind::Branch),
            (Org::G1, Org::B1, "第一党小组", OrgKind::Group),
            (Org::G2, Org::B1, "第二党小组", OrgKind::Group),
            (Org::B3, Org::D2, "西一社区党支部", OrgKind::Branch),
        ] {
            let v = sys
                .orgs()
                .create_org(orgs[&parent], &org_input(name, kind))
                .await
                .unwrap_or_else(|e| panic!("create org {name}: {e}"));
            orgs.insert(org, v.id);
        }
        let mut members = HashMap::new();
        for (m, org, group, name) in [
            (M::Member, Org::B1, Some(Org::G1), "王党员"),
            (M::Leader, Org::B1, Some(Org::G1), "李组长"),
            (M::Secretary, Org::B1, None, "张书记"),
            (M::B1, Org::B1, Some(Org::G2), "赵同志"),
            (M::B2, Org::B2, None, "钱同志"),
            (M::B0, Org::B0, None, "孙同志"),
            (M::B3, Org::B3, None, "周同志"),
        ] {
            let id_number = fresh_id_number();
            let phone = fresh_phone();
            let new = NewMember {
                org_id: orgs[&org],
                group_id: group.map(|g| orgs[&g]),
                fields: MemberInput {
                    name: Some(name.into()),
                    id_number: Some(id_number.clone()),
                    ethnicity: Some("汉族".into()),
                    phone: Some(phone.clone()),
                    joined_on: Some("2010-07-01".into()),
                    category: Some("formal".into()),
                    ..MemberInput::default()
                },
            };
            let v = sys.members().create_member(&new).await.unwrap_or_else(|e| panic!("create member {name}: {e}"));
            members.insert(m, MemberRec { id: v.id, org_id: v.org_id, group_id: v.group_id, id_number, phone });
        }
        // The matrix and the other cases are about what each role may reach, not about
        // logging in: administrators and secretaries use passwords only here; the second factor has its
        // own tests (api/secure.rs), which turn it back on.
        let mut rules = (*db.rules()).clone();
        rules.login.second_factor_for_admins = false;
        rules.login.second_factor_for_secretaries = false;
        db.set_rules(rules);
        let mut fx = Fixture { db, backend: t.backend, orgs, members, accounts: HashMap::new() };
        for caller in Caller::ALL {
            let Some(role) = caller.role() else { continue };
            let (scope_org, member) = match caller {
                Caller::Member => (None, Some(M::Member)),
                Caller::Leader => (Some(Org::G1), Some(M::Leader)),
                Caller::Secretary => (Some(Org::B1), Some(M::Secretary)),
                Caller::Street => (Some(Org::S1), None),
                Caller::District => (Some(Org::D1), None),
                Caller::OrgDept => (Some(Org::C), None),
                _ => (None, None),
            };
            let id = fx.account(caller.username(), role, scope_org, member).await;
            fx.accounts.insert(caller, id);
        }
        fx
    }

    pub fn org(&self, o: Org) -> i64 {
        self.orgs[&o]
    }

    pub fn member(&self, m: M) -> &MemberRec {
        &self.members[&m]
    }

    /// Creates an account with [`PASSWORD`]; returns its id.
    pub async fn account(&self, username: &str, role: Role, scope_org: Option<Org>, member: Option<M>) -> i64 {
        let new = NewAccount {
            username: username.into(),
            display_name: String::new(),
            role,
            scope_org_id: scope_org.map(|o| self.org(o)),
            member_id: member.map(|m| self.member(m).id),
            password: Some(PASSWORD.into()),
        };
        account::create_account(&self.db, &Actor::system("test"), &new)
            .await
            .unwrap_or_else(|e| panic!("create account {username}: {e}"))
            .0
            .id
    }

    /// A fresh bearer token for `username` (through the store: no rate limit applies).
    pub async fn login_as(&self, username: &str) -> String {
        match account::login(&self.db, username, PASSWORD, "127.0.0.1").await {
            Ok(Ok(ok)) => ok.token,
            other => panic!("login {username}: {other:?}"),
        }
    }

    /// A fresh bearer token for a caller.
    pub async fn login(&self, caller: Caller) -> String {
        self.login_as(caller.username()).await
    }
}

/// A fixture on every backend the testkit offers.
pub async fn fixtures() -> Vec<(TestDb, Fixture)> {
    let mut out = Vec::new();
    for t in vanguard_testkit::backends().await {
        let fx = Fixture::build(&t).await;
        out.push((t, fx));
    }
    out
}

/// One answer, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
    /// The body without the error's correlation id (unique to each request): two answers
    /// that must not be told apart are compared on this.
    pub answer: String,
}

impl Resp {
    pub async fn read(r: reqwest::Response) -> Resp {
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.expect("response body");
        let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let mut without_id = json.clone();
        let removed = without_id.get_mut("error").and_then(Value::as_object_mut).and_then(|e| e.remove("correlation_id"));
        let answer = if removed.is_some() { without_id.to_string() } else { text.clone() };
        Resp { status, headers, text, json, answer }
    }

    /// The stable error code of an error answer.
    pub fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or("")
    }

    /// The codes of the field errors of a 422 answer.
    pub fn field_codes(&self) -> Vec<String> {
        self.json["error"]["fields"]
            .as_array()
            .map(|a| a.iter().filter_map(|f| f["code"].as_str().map(String::from)).collect())
            .unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

/// A server on a loopback port, stopped when dropped.
pub struct Server {
    pub base: String,
    pub client: reqwest::Client,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    /// Serves `state`.
    pub async fn start(state: AppState) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let task = tokio::spawn(async move {
            let _ = vanguard_web::serve(state, listener).await;
        });
        Server {
            base: format!("http://{addr}"),
            // Redirects are answers to check (pages send anonymous callers to the login page).
            client: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http client"),
            task,
        }
    }

    /// Plain-HTTP cookies and a login limiter that tests do not run into.
    pub async fn relaxed(db: &Db) -> Server {
        let mut state = AppState::new(db.clone());
        state.secure_cookies = false;
        state.login_limiter = vanguard_web::limiter::LoginLimiter::new(10_000, 60);
        Server::start(state).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request to build on (extra headers, raw bodies).
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let mut rb = self.client.request(method, self.url(path));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        rb
    }

    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<&Value>) -> Resp {
        let mut rb = self.request(method, path, token);
        if let Some(b) = body {
            rb = rb.json(b);
        }
        Resp::read(rb.send().await.unwrap_or_else(|e| panic!("request {path}: {e}"))).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Resp {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    /// Audit records whose action starts with `action`, newest first, read as the auditor.
    /// (Every page, along the `next` cursors of the list envelope.)
    pub async fn audit(&self, auditor_token: &str, action: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut path = format!("/api/v1/audit?action={action}&limit=200");
        loop {
            let r = self.get(&path, auditor_token).await;
            assert_eq!(r.status, 200, "audit list: {}", r.text);
            out.extend(r.json["items"].as_array().cloned().unwrap_or_default());
            match r.json["next"].as_str() {
                Some(next) => path = format!("/api/v1/audit?action={action}&limit=200&cursor={next}"),
                None => return out,
            }
        }
    }
}

/// Asserts the security headers every response carries (security.md C6).
pub fn assert_security_headers(r: &Resp, what: &str) {
    let csp = r.header("content-security-policy");
    assert!(!csp.is_empty(), "{what}: no Content-Security-Policy");
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{what}: CSP allows unsafe code: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: CSP lacks frame-ancestors 'none': {csp}");
    // A file users uploaded is answered under a sandbox that allows nothing of its own.
    let sandboxed = csp.starts_with("sandbox") && csp.contains("default-src 'none'");
    assert!(sandboxed || csp.contains("default-src 'self'"), "{what}: CSP lacks default-src 'self': {csp}");
    assert_eq!(r.header("x-content-type-options"), "nosniff", "{what}");
    assert!(!r.header("referrer-policy").is_empty(), "{what}: no Referrer-Policy");
    assert_eq!(r.header("x-frame-options"), "DENY", "{what}");
}

/// Whether a text contains Chinese characters (messages are for people, in Chinese).
pub fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}
