//! 党员自助 (党员端 self-service) storage: archive corrections a member asks for and an
//! account with write reach over their branch decides (the archive changes through the
//! member write path, so history, audit and hooks run as for any edit); the member's
//! photo (one, encrypted, replaced); and the 党员身份证明 with its verification code,
//! kept only as a keyed hash and confirmed by a public lookup. Rules:
//! `domain::member::{correction, photo, certificate}`.

use super::{CTX_PHONE, MemberRow, Members};
use crate::platform::audit::{self, Event};
use crate::platform::ids;
use crate::{Db, StoreError, StoreResult};
use rand::Rng;
use serde::Serialize;
use vanguard_domain::kernel::time::date_text;
use vanguard_domain::member::certificate::{
    CERTIFICATE_CODE_BYTES, certificate_code, certificate_number, normalize_certificate_code,
};
use vanguard_domain::member::correction::{
    ArchiveCorrectionField, ArchiveCorrectionState, check_correction, correction_display, correction_patch, decide_correction,
};
use vanguard_domain::member::photo::{PhotoInfo, check_photo};
use vanguard_domain::member::{Category, FieldChange};

/// The encryption context of a value asked for in a correction.
const CTX_CORRECTION: &str = "member.correction";
/// The encryption context of a member's photo.
const CTX_PHOTO: &str = "member.photo";
/// The most requests a list shows (the queue of one secretary is short).
const CORRECTIONS_LISTED: i64 = 200;

/// A correction request as listed (the value asked for masked as the archive is).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ArchiveCorrectionView {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub org_id: i64,
    pub field: String,
    #[sqlx(skip)]
    pub field_label: &'static str,
    /// The value asked for, as shown (a phone masked).
    pub value_shown: String,
    /// The archive's value (as shown) when the request was decided.
    pub old_shown: Option<String>,
    pub reason: String,
    pub state: String,
    #[sqlx(skip)]
    pub state_label: &'static str,
    pub note: String,
    pub requested_by_name: String,
    pub requested_at: i64,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
}

macro_rules! correction_select {
    () => {
        "SELECT c.id, c.member_id, mb.name AS member_name, c.org_id, c.field, c.value_shown, c.old_shown, c.reason, c.state, \
         c.note, c.requested_by_name, c.requested_at, c.decided_by_name, c.decided_at \
         FROM member_corrections c JOIN members mb ON mb.region_id = c.region_id AND mb.id = c.member_id "
    };
}

fn correction_field(code: &str) -> StoreResult<ArchiveCorrectionField> {
    crate::platform::error::decode("member_corrections.field", code, ArchiveCorrectionField::from_code)
}

fn correction_state(code: &str) -> StoreResult<ArchiveCorrectionState> {
    crate::platform::error::decode("member_corrections.state", code, ArchiveCorrectionState::from_code)
}

fn labelled(mut rows: Vec<ArchiveCorrectionView>) -> StoreResult<Vec<ArchiveCorrectionView>> {
    for r in &mut rows {
        r.field_label = correction_field(&r.field)?.label();
        r.state_label = correction_state(&r.state)?.label();
    }
    Ok(rows)
}

/// What a correction asks for: the archive's current value of `field` in the stored form.
fn current_value(db: &Db, row: &MemberRow, field: ArchiveCorrectionField) -> StoreResult<String> {
    Ok(match field {
        ArchiveCorrectionField::Phone => match &row.phone_enc {
            Some(p) => db.crypto().decrypt_str(p, CTX_PHONE).ok_or(StoreError::Crypto)?,
            None => String::new(),
        },
        ArchiveCorrectionField::Residence => row.residence.clone(),
        ArchiveCorrectionField::Education => row.education.clone().unwrap_or_default(),
        ArchiveCorrectionField::WorkUnit => row.work_unit.clone(),
    })
}

/// A member's photo as stored, opened.
#[derive(Debug, Clone)]
pub struct MemberPhoto {
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub uploaded_at: i64,
}

/// A 党员身份证明 as printed (the code only on the day it is issued: it is not kept).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberCertificate {
    pub id: i64,
    pub number: String,
    /// The verification code, shown once on the printed certificate.
    pub code: String,
    pub member_name: String,
    pub id_number_masked: String,
    pub org_name: String,
    pub joined_on: String,
    pub status_label: String,
    pub issued_on: String,
}

/// What the public verification page shows of a certificate.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CertificateCheck {
    pub member_name: String,
    pub org_name: String,
    /// 正式党员 / 预备党员 as of the day of issue.
    pub status_label: String,
    pub issued_on: String,
    /// Not revoked (no newer certificate, the member still on the roll).
    pub valid: bool,
}

impl Members<'_> {
    fn own_member_id(&self) -> StoreResult<i64> {
        self.scope.member_id.ok_or_else(|| {
            StoreError::conflict("selfservice.no_member", "您的账户未关联党员档案，请用本人的党员账户登录，或联系所在党支部")
        })
    }

    /// The caller's own request to correct a field of their archive. Audited; the
    /// branch's secretaries are told it waits for them.
    pub async fn request_correction(&self, field: &str, value: &str, reason: &str) -> StoreResult<ArchiveCorrectionView> {
        let member_id = self.own_member_id()?;
        let field = ArchiveCorrectionField::from_code(field).ok_or_else(|| {
            let options: Vec<String> =
                ArchiveCorrectionField::ALL.iter().map(|f| format!("{}（{}）", f.code(), f.label())).collect();
            StoreError::invalid("field", "correction.field", format!("可申请更正的项目为：{}", options.join("、")))
        })?;
        let row = self.member_row(member_id).await?;
        if row.archived {
            return Err(StoreError::conflict("member.archived", "您的档案已在历史库中，不能再申请更正"));
        }
        let current = current_value(self.db, &row, field)?;
        let value = check_correction(field, value, reason, &current)?;
        let mut tx = self.db.begin().await?;
        let open: i64 = crate::on_tx!(tx, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM member_corrections WHERE region_id = $1 AND member_id = $2 AND field = $3 AND state = 'pending'")
            .bind(row.region_id).bind(member_id).bind(field.code()).fetch_one(c).await)?;
        if open > 0 {
            return Err(StoreError::conflict(
                "correction.pending",
                format!("您更正{}的申请正在等待审批，请等审批后再提出新的申请", field.label()),
            ));
        }
        let id = ids::next();
        let now = self.db.clock().now_ms();
        let shown = correction_display(field, &value);
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO member_corrections (region_id, id, member_id, org_id, org_path, field, value_enc, value_shown, reason, state, note, \
             requested_by, requested_by_name, requested_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', '', $10, $11, $12)")
            .bind(row.region_id).bind(id).bind(member_id).bind(row.org_id).bind(&row.org_path).bind(field.code())
            .bind(self.db.crypto().encrypt_str(&value, CTX_CORRECTION)).bind(&shown).bind(reason.trim())
            .bind(self.scope.actor.account_id).bind(&row.name).bind(now)
            .execute(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("member.correction.request", format!("member:{member_id}")).detail(format!("{} → {shown}", field.label())),
        )
        .await?;
        crate::notify::approval_waiting(
            &mut tx,
            self.db,
            row.region_id,
            crate::notify::Audience::OrgManagers(row.org_id),
            &format!("member-correction:{id}"),
            "档案更正申请",
            &format!("{}：{}", row.name, field.label()),
            "/member-corrections",
        )
        .await?;
        tx.commit().await?;
        self.correction(id).await
    }

    async fn correction(&self, id: i64) -> StoreResult<ArchiveCorrectionView> {
        let rows: Vec<ArchiveCorrectionView> = crate::read!(self.db, c => sqlx::query_as(concat!(correction_select!(),
            "WHERE c.region_id = $1 AND c.id = $2"))
            .bind(self.scope.region_id).bind(id).fetch_all(c).await)?;
        labelled(rows)?.into_iter().next().ok_or(StoreError::NotFound)
    }

    /// The caller's own requests, newest first.
    pub async fn my_corrections(&self) -> StoreResult<Vec<ArchiveCorrectionView>> {
        let Some(member_id) = self.scope.member_id else { return Ok(Vec::new()) };
        let rows: Vec<ArchiveCorrectionView> = crate::read!(self.db, c => sqlx::query_as(concat!(correction_select!(),
            "WHERE c.region_id = $1 AND c.member_id = $2 ORDER BY c.requested_at DESC, c.id DESC LIMIT $3"))
            .bind(self.scope.region_id).bind(member_id).bind(CORRECTIONS_LISTED).fetch_all(c).await)?;
        labelled(rows)
    }

    /// The requests of a member within reach, newest first (the archive page).
    pub async fn member_corrections(&self, member_id: i64) -> StoreResult<Vec<ArchiveCorrectionView>> {
        let row = self.member_row(member_id).await?;
        let rows: Vec<ArchiveCorrectionView> = crate::read!(self.db, c => sqlx::query_as(concat!(correction_select!(),
            "WHERE c.region_id = $1 AND c.member_id = $2 ORDER BY c.requested_at DESC, c.id DESC LIMIT $3"))
            .bind(row.region_id).bind(member_id).bind(CORRECTIONS_LISTED).fetch_all(c).await)?;
        labelled(rows)
    }

    /// The requests waiting for the caller (待我审批): pending, of members within the
    /// writable subtree, not the caller's own; oldest first.
    pub async fn pending_corrections(&self) -> StoreResult<Vec<ArchiveCorrectionView>> {
        let Some(root) = self.scope.writable_root().map(str::to_string) else { return Ok(Vec::new()) };
        let hi = vanguard_domain::org::path::upper(&root);
        let rows: Vec<ArchiveCorrectionView> = crate::read!(self.db, c => sqlx::query_as(concat!(correction_select!(),
            "WHERE c.region_id = $1 AND c.state = 'pending' AND c.org_path >= $2 AND c.org_path < $3 AND c.requested_by <> $4 \
             ORDER BY c.requested_at, c.id LIMIT $5"))
            .bind(self.scope.region_id).bind(&root).bind(&hi).bind(self.scope.actor.account_id).bind(CORRECTIONS_LISTED)
            .fetch_all(c).await)?;
        labelled(rows)
    }

    /// How many requests wait for the caller (see [`Self::pending_corrections`]).
    pub async fn pending_correction_count(&self) -> StoreResult<i64> {
        let Some(root) = self.scope.writable_root().map(str::to_string) else { return Ok(0) };
        let hi = vanguard_domain::org::path::upper(&root);
        Ok(crate::read!(self.db, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM member_corrections WHERE region_id = $1 AND state = 'pending' AND org_path >= $2 AND org_path < $3 \
             AND requested_by <> $4")
            .bind(self.scope.region_id).bind(&root).bind(&hi).bind(self.scope.actor.account_id).fetch_one(c).await)?)
    }

    /// Approves (the archive changes through [`Self::update_member_in`], and the history
    /// names who asked and who approved) or declines with a reason a request of a member
    /// within the writable subtree. Never the member's own. Audited.
    pub async fn decide_correction(&self, id: i64, approve: bool, note: &str) -> StoreResult<ArchiveCorrectionView> {
        let mut tx = self.db.begin().await?;
        type Found = (i64, String, Vec<u8>, String, i64, String, i64);
        let found: Option<Found> = crate::on_tx!(tx, c => sqlx::query_as(
            "SELECT member_id, field, value_enc, state, requested_by, requested_by_name, requested_at FROM member_corrections \
             WHERE region_id = $1 AND id = $2")
            .bind(self.scope.region_id).bind(id).fetch_optional(c).await)?;
        let (member_id, field, value_enc, state, requested_by, requested_by_name, requested_at) =
            found.ok_or(StoreError::NotFound)?;
        // Reach: the member must be within the writable subtree (else: not found).
        let row = self.member_for_write(&mut tx, member_id).await?;
        let field = correction_field(&field)?;
        let state = correction_state(&state)?;
        let own = requested_by == self.scope.actor.account_id || self.scope.member_id == Some(member_id);
        let next = decide_correction(state, own, approve, note).map_err(|inv| match inv.errors.first() {
            Some(e) if e.code.starts_with("correction.") => StoreError::Conflict { code: e.code, message: e.message.clone() },
            _ => StoreError::Invalid(inv),
        })?;
        let value = self.db.crypto().decrypt_str(&value_enc, CTX_CORRECTION).ok_or(StoreError::Crypto)?;
        let old_shown = correction_display(field, &current_value(self.db, &row, field)?);
        if next == ArchiveCorrectionState::Approved {
            self.update_member_in(&mut tx, member_id, &correction_patch(field, &value), None).await?;
            let asked_on = vanguard_domain::kernel::time::china_date(requested_at);
            self.write_history(
                &mut tx,
                member_id,
                &[FieldChange {
                    field: "correction",
                    old: String::new(),
                    new: format!(
                        "{}：{}申请（{}），{}批准",
                        field.label(),
                        requested_by_name,
                        date_text(asked_on),
                        self.scope.actor.name
                    ),
                }],
            )
            .await?;
        }
        let now = self.db.clock().now_ms();
        crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE member_corrections SET state = $1, note = $2, old_shown = $3, decided_by = $4, decided_by_name = $5, decided_at = $6 \
             WHERE region_id = $7 AND id = $8")
            .bind(next.code()).bind(note.trim()).bind(&old_shown).bind(self.scope.actor.account_id).bind(&self.scope.actor.name)
            .bind(now).bind(row.region_id).bind(id).execute(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok(
                if approve { "member.correction.approve" } else { "member.correction.reject" },
                format!("member:{member_id}"),
            )
            .detail(format!(
                "{}：{old_shown} → {}{}",
                field.label(),
                correction_display(field, &value),
                if note.trim().is_empty() { String::new() } else { format!("；{}", note.trim()) }
            )),
        )
        .await?;
        tx.commit().await?;
        self.correction(id).await
    }

    /// Stores the caller's own photo, replacing the one before. Checked by its bytes
    /// (JPEG or PNG, bounded size and sides). Audited.
    pub async fn set_my_photo(&self, bytes: &[u8]) -> StoreResult<PhotoInfo> {
        let member_id = self.own_member_id()?;
        let info = check_photo(bytes)?;
        let row = self.member_row(member_id).await?;
        let now = self.db.clock().now_ms();
        let sealed = self.db.crypto().encrypt_bytes(bytes, CTX_PHOTO);
        let mut tx = self.db.begin().await?;
        crate::exec_tx!(tx, c => sqlx::query("DELETE FROM member_photos WHERE region_id = $1 AND member_id = $2")
            .bind(row.region_id).bind(member_id).execute(c).await)?;
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO member_photos (region_id, member_id, content_type, width, height, size, photo_enc, uploaded_by, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(row.region_id).bind(member_id).bind(info.kind.code()).bind(i64::from(info.width)).bind(i64::from(info.height))
            .bind(bytes.len() as i64).bind(&sealed).bind(self.scope.actor.account_id).bind(now).execute(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("member.photo", format!("member:{member_id}")).detail(format!(
                "{} {}×{}，{} KB",
                info.kind.label(),
                info.width,
                info.height,
                bytes.len().div_ceil(1024)
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(info)
    }

    /// The photo of a member within reach (one's own included), if any.
    pub async fn member_photo(&self, member_id: i64) -> StoreResult<Option<MemberPhoto>> {
        let row = self.member_row(member_id).await?;
        let found: Option<(String, Vec<u8>, i64)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT content_type, photo_enc, uploaded_at FROM member_photos WHERE region_id = $1 AND member_id = $2")
            .bind(row.region_id).bind(member_id).fetch_optional(c).await)?;
        match found {
            None => Ok(None),
            Some((content_type, sealed, uploaded_at)) => {
                let bytes = self.db.crypto().decrypt_bytes(&sealed, CTX_PHOTO).ok_or(StoreError::Crypto)?;
                Ok(Some(MemberPhoto { content_type, bytes, uploaded_at }))
            }
        }
    }

    /// Issues the caller's own 党员身份证明: what the archive says today, a number, and a
    /// random 100-bit verification code kept only as its keyed hash. Earlier certificates
    /// of the member are revoked. Audited.
    pub async fn issue_my_certificate(&self) -> StoreResult<MemberCertificate> {
        let member_id = self.own_member_id()?;
        let row = self.member_row(member_id).await?;
        if row.archived {
            return Err(StoreError::conflict("member.archived", "您的档案已在历史库中，不能开具党员身份证明"));
        }
        let category = crate::platform::error::decode("members.category", &row.category, Category::from_code)?;
        let today = self.db.clock().today();
        let mut random = [0u8; CERTIFICATE_CODE_BYTES];
        rand::rng().fill_bytes(&mut random);
        let code = certificate_code(&random);
        let code_hash = self.db.crypto().lookup_hash(&code);
        let id = ids::next();
        let now = self.db.clock().now_ms();
        let mut tx = self.db.begin().await?;
        let issued: i64 = crate::on_tx!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM member_certificates WHERE region_id = $1")
            .bind(row.region_id).fetch_one(c).await)?;
        let number = certificate_number(chrono::Datelike::year(&today), row.region_id, issued + 1);
        crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE member_certificates SET revoked_at = $1 WHERE region_id = $2 AND member_id = $3 AND revoked_at IS NULL")
            .bind(now).bind(row.region_id).bind(member_id).execute(c).await)?;
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO member_certificates (region_id, id, member_id, org_id, number, code_hash, member_name, id_number_masked, org_name, \
             joined_on, status_label, issued_on, issued_by, issued_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)")
            .bind(row.region_id).bind(id).bind(member_id).bind(row.org_id).bind(&number).bind(&code_hash).bind(&row.name)
            .bind(&row.id_number_masked).bind(&row.org_name).bind(&row.joined_on).bind(category.label()).bind(date_text(today))
            .bind(self.scope.actor.account_id).bind(now).execute(c).await)?;
        crate::exec_tx!(tx, c => sqlx::query("INSERT INTO certificate_codes (code_hash, region_id, certificate_id) VALUES ($1, $2, $3)")
            .bind(&code_hash).bind(row.region_id).bind(id).execute(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("member.certificate", format!("member:{member_id}")).detail(number.clone()),
        )
        .await?;
        tx.commit().await?;
        Ok(MemberCertificate {
            id,
            number,
            code,
            member_name: row.name,
            id_number_masked: row.id_number_masked,
            org_name: row.org_name,
            joined_on: row.joined_on,
            status_label: category.label().to_string(),
            issued_on: date_text(today),
        })
    }
}

/// The public check of a verification code (no login): the certificate it belongs to, or
/// `None` for a code nobody was issued (or one that cannot be a code).
pub async fn verify_certificate(db: &Db, code: &str) -> StoreResult<Option<CertificateCheck>> {
    let Some(code) = normalize_certificate_code(code) else { return Ok(None) };
    let hash = db.crypto().lookup_hash(&code);
    let found: Option<(i64, i64)> = crate::read!(db, c => sqlx::query_as(
        "SELECT region_id, certificate_id FROM certificate_codes WHERE code_hash = $1")
        .bind(&hash).fetch_optional(c).await)?;
    let Some((region_id, id)) = found else { return Ok(None) };
    let check: Option<CertificateCheck> = crate::read!(db, c => sqlx::query_as(
        "SELECT mc.member_name, mc.org_name, mc.status_label, mc.issued_on, (mc.revoked_at IS NULL AND NOT m.archived) AS valid \
         FROM member_certificates mc JOIN members m ON m.region_id = mc.region_id AND m.id = mc.member_id \
         WHERE mc.region_id = $1 AND mc.id = $2")
        .bind(region_id).bind(id).fetch_optional(c).await)?;
    Ok(check)
}
