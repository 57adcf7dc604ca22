//! Security alerts: what the 安全管理员 and the 审计员 must see without looking for it
//! (等保三级 安全管理中心), today a failed audit-chain verification. Each alert is a
//! stored row, shown on the security and audit pages, and logged as an error.

use crate::platform::paging::{SortKey, capped_page};
use crate::platform::query::Sql;
use crate::{Db, StoreResult};
use serde::Serialize;
use vanguard_domain::kernel::paging::{Page, PageRequest};

/// The daily (or any) verification of the audit chain found a problem.
pub const AUDIT_VERIFY_FAILED: &str = "audit.verify_failed";

/// One alert.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Alert {
    pub id: i64,
    pub at: i64,
    pub kind: String,
    pub detail: String,
}

impl Alert {
    pub fn kind_label(&self) -> &'static str {
        match self.kind.as_str() {
            AUDIT_VERIFY_FAILED => "审计日志校验未通过",
            _ => "安全告警",
        }
    }
}

/// Stores an alert and logs it.
pub async fn raise(db: &Db, kind: &'static str, detail: &str) -> StoreResult<i64> {
    tracing::error!(kind, detail, "安全告警");
    let id = crate::platform::ids::next();
    let now = db.clock().now_ms();
    let mut tx = db.begin().await?;
    crate::exec_tx!(tx, c => sqlx::query("INSERT INTO security_alerts (id, at, kind, detail) VALUES ($1, $2, $3, $4)")
        .bind(id).bind(now).bind(kind).bind(detail).execute(c).await)?;
    tx.commit().await?;
    Ok(id)
}

/// The newest alerts first (at most `limit`, 1–500).
pub async fn recent(db: &Db, limit: i64) -> StoreResult<Vec<Alert>> {
    Ok(
        crate::read!(db, c => sqlx::query_as("SELECT id, at, kind, detail FROM security_alerts ORDER BY at DESC, id DESC LIMIT $1")
        .bind(limit.clamp(1, 500)).fetch_all(c).await)?,
    )
}

/// Newest first.
const ALERT_ORDER: SortKey = SortKey { columns: &["at", "id"], descending: true };

/// The alerts, newest first, one page at a time (keyset on the time and the id; the
/// total counted up to the cap).
pub async fn list(db: &Db, req: &PageRequest) -> StoreResult<Page<Alert>> {
    let filters = Sql::new(" WHERE 1 = 1");
    capped_page(
        db,
        "security_alerts",
        "SELECT id, at, kind, detail FROM security_alerts",
        &filters,
        &ALERT_ORDER,
        req,
        |a: &Alert| vec![a.at.into(), a.id.into()],
    )
    .await
}
