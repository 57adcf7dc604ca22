//! The member's side of a completed 组织关系接转: the one published move a transfer uses
//! (`affairs::transfer`). Within a region it is [`Members::move_in`]; across regions (the
//! district roots are regions, design.md §1: a member cannot change `region_id` in place)
//! the member is archived in the old region as 组织关系转出 and re-created in the new one
//! with the same archive fields, the nation-wide ID-number claim handed over, and a
//! history line on both records. Both regions' changes are published, so dues, the rules
//! engine and points follow.

use super::{Members, bulk, unseal};
use crate::platform::audit::{self, Event};
use crate::platform::ids;
use crate::{StoreError, StoreResult, Tx};
use chrono::NaiveDate;
use vanguard_domain::kernel::time::date_text;
use vanguard_domain::member::{Category, FieldChange, LeaveReason};

/// Where a transferred member is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relocated {
    pub region_id: i64,
    pub member_id: i64,
}

impl Members<'_> {
    /// Moves member `id` (within this handle's writable reach) to branch `org_id` within
    /// `to`'s writable reach, on `on`, inside the transfer's transaction. `note` names the
    /// letter for the history.
    pub(crate) async fn relocate(
        &self,
        tx: &mut Tx,
        id: i64,
        to: &Members<'_>,
        org_id: i64,
        on: NaiveDate,
        note: &str,
    ) -> StoreResult<Relocated> {
        if to.scope.region_id == self.scope.region_id {
            self.move_in(tx, id, org_id, None).await?;
            return Ok(Relocated { region_id: self.scope.region_id, member_id: id });
        }
        let row = self.member_for_write(tx, id).await?;
        if row.archived {
            return Err(StoreError::conflict("member.archived", "该党员已在历史库中"));
        }
        let fields = unseal(self.db, &row)?;
        let (org, member_path) = to.placement(tx, org_id, None).await?;
        let new_id = ids::next();
        let now = self.db.clock().now_ms();
        let crypto = self.db.crypto();
        let record =
            bulk::NewMemberRecord { id: new_id, org_id: org.id, group_id: None, org_path: member_path, fields: fields.clone() };
        bulk::insert_members(tx, crypto, org.region_id, now, std::slice::from_ref(&record)).await?;
        let hash = crypto.lookup_hash(fields.id_number.as_str());
        crate::exec_tx!(tx, c => sqlx::query("UPDATE member_identities SET region_id = $1, member_id = $2 WHERE id_number_hash = $3")
            .bind(org.region_id).bind(new_id).bind(&hash).execute(c).await)?;
        crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE members SET archived = TRUE, left_reason = $1, left_on = $2, left_note = $3, version = version + 1, updated_at = $4 WHERE region_id = $5 AND id = $6")
            .bind(LeaveReason::TransferredOut.code()).bind(date_text(on)).bind(format!("{note}，转入{}", org.name)).bind(now)
            .bind(row.region_id).bind(id).execute(c).await)?;
        crate::exec_tx!(tx, c => sqlx::query("UPDATE orgs SET secretary_member_id = NULL WHERE region_id = $1 AND secretary_member_id = $2")
            .bind(row.region_id).bind(id).execute(c).await)?;
        let formal = i64::from(fields.category == Category::Formal);
        self.adjust_counters(tx, row.org_id, -1, -formal).await?;
        to.adjust_counters(tx, org.id, 1, formal).await?;
        let out =
            FieldChange {
                field: "archived", old: "在册".into(), new: format!("组织关系转出（{note}）至{}（{on}）", org.name)
            };
        self.write_history(tx, id, &[out]).await?;
        let came = FieldChange {
            field: "archive",
            old: String::new(),
            new: format!("组织关系转入（{note}），自{}（{on}）", row.org_name),
        };
        to.write_history(tx, new_id, &[came]).await?;
        audit::append(
            tx,
            self.db,
            &self.scope.actor,
            Event::ok("member.move", format!("member:{id}"))
                .detail(format!("{} → {}（新编号 {new_id}）", row.org_name, org.name)),
        )
        .await?;
        self.publish(tx, row.region_id, &[row.org_id], id).await?;
        to.publish(tx, org.region_id, &[org.id], new_id).await?;
        Ok(Relocated { region_id: org.region_id, member_id: new_id })
    }
}
