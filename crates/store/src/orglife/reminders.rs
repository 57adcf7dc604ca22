//! What other features read about upcoming meetings: the planned meetings of a day with
//! the members on their roll (the notifications' day-before reminder).

use crate::{Db, StoreResult};

/// A planned meeting and who is expected.
#[derive(Debug, Clone)]
pub struct PlannedMeeting {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub meeting_type: String,
    pub topic: String,
    pub place: String,
    pub planned_at: i64,
    /// Members on the roll (observers excluded).
    pub roll: Vec<i64>,
}

/// The meetings of a region planned within `[from_ms, to_ms)`, not cancelled.
pub async fn planned_between(db: &Db, region_id: i64, from_ms: i64, to_ms: i64) -> StoreResult<Vec<PlannedMeeting>> {
    let rows: Vec<(i64, i64, String, String, String, String, i64)> = crate::read!(db, c => sqlx::query_as(
        "SELECT m.id, m.org_id, o.name, m.meeting_type, m.topic, m.place, m.planned_at FROM meetings m \
         JOIN orgs o ON o.region_id = m.region_id AND o.id = m.org_id \
         WHERE m.region_id = $1 AND m.status = 'planned' AND m.planned_at >= $2 AND m.planned_at < $3 ORDER BY m.planned_at, m.id")
        .bind(region_id).bind(from_ms).bind(to_ms).fetch_all(c).await)?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, org_id, org_name, meeting_type, topic, place, planned_at) in rows {
        let roll: Vec<i64> = crate::read!(db, c => sqlx::query_scalar(
            "SELECT member_id FROM meeting_attendance WHERE region_id = $1 AND meeting_id = $2 AND attendance <> 'observer' ORDER BY member_id")
            .bind(region_id).bind(id).fetch_all(c).await)?;
        out.push(PlannedMeeting { id, org_id, org_name, meeting_type, topic, place, planned_at, roll });
    }
    Ok(out)
}
