//! Versioned rule sets: each change is a new row; the highest version in force is used.

use crate::{Db, StoreResult, Tx};
use vanguard_domain::kernel::rules::RuleSet;
use vanguard_domain::kernel::time::date_text;

#[derive(sqlx::FromRow)]
struct RuleRow {
    body: String,
}

/// Loads the newest rule set, writing the regulation defaults as version 1 on first run.
pub async fn load_or_init(db: &Db) -> StoreResult<RuleSet> {
    let row: Option<RuleRow> = crate::read!(db, c => sqlx::query_as("SELECT body FROM rule_sets ORDER BY version DESC LIMIT 1").fetch_optional(c).await)?;
    if let Some(r) = row {
        return serde_json::from_str(&r.body).map_err(|e| crate::StoreError::Other(format!("规则配置无法解析：{e}")));
    }
    let defaults = RuleSet::default();
    let mut tx = db.begin().await?;
    save(&mut tx, &defaults, db.clock().now_ms()).await?;
    tx.commit().await?;
    Ok(defaults)
}

/// Stores a new version of the rules.
pub async fn save(tx: &mut Tx, rules: &RuleSet, now_ms: i64) -> StoreResult<()> {
    let body = serde_json::to_string(rules).map_err(|e| crate::StoreError::Other(e.to_string()))?;
    let version = i64::from(rules.version);
    let from = date_text(rules.effective_from);
    crate::exec_tx!(tx, c => sqlx::query("INSERT INTO rule_sets (version, effective_from, body, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (version) DO NOTHING")
        .bind(version).bind(&from).bind(&body).bind(now_ms).execute(c).await)?;
    Ok(())
}
