//! 扫码签到: the recorder opens sign-in for a meeting, which makes a random token valid
//! until an expiry (default 2 hours); the QR code shown at the meeting carries the URL
//! `/s/{meeting}/{token}`. A member on the roll who scans it while it is valid signs in
//! once; a second scan is answered “已签到”.

use super::meeting::{MeetingRow, MeetingSummary, ensure_directly_editable, fetch_meeting_tx, finish_meeting};
use super::{OrgLife, china_time_text, same_bytes};
use crate::platform::audit::{self, Event};
use crate::{StoreError, StoreResult, orglife::check};
use serde::Serialize;
use vanguard_domain::orglife::Attendance;
use vanguard_domain::orglife::record::{ScanEffect, scan_effect};

/// How long sign-in stays open unless the recorder says otherwise, in minutes.
pub const SIGNIN_DEFAULT_MINUTES: u32 = 120;
/// The shortest and longest sign-in the recorder may choose, in minutes.
pub const SIGNIN_MINUTES_RANGE: (u32, u32) = (5, 24 * 60);

/// An open sign-in, for the recorder to show.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SigninTicket {
    pub meeting_id: i64,
    pub token: String,
    /// `/s/{meeting}/{token}`: prefix it with the site's address for the QR code.
    pub path: String,
    pub expires_at: i64,
    pub expires_at_text: String,
}

/// The live count of a meeting's sign-in.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SigninCount {
    pub meeting_id: i64,
    pub signed_in: i64,
    pub expected: i64,
    pub open: bool,
    pub expires_at: Option<i64>,
}

/// The answer to a member's sign-in.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SigninOutcome {
    pub meeting_id: i64,
    pub title: String,
    /// Signed in before: nothing changed.
    pub already: bool,
    pub signed_at: Option<i64>,
    /// What to tell the member, in Chinese.
    pub message: String,
}

/// The sign-in page's path for a meeting and token.
pub fn signin_path(meeting_id: i64, token: &str) -> String {
    format!("/s/{meeting_id}/{token}")
}

/// An SVG image of the QR code of `text` (a sign-in URL).
pub fn qr_svg(text: &str) -> StoreResult<String> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| StoreError::Other(format!("无法生成二维码：{e}")))?;
    Ok(code.render::<svg::Color>().min_dimensions(240, 240).quiet_zone(true).build())
}

fn ticket(row: &MeetingRow) -> Option<SigninTicket> {
    let secret = row.signin_secret.as_ref()?;
    let expires_at = row.signin_expires_at?;
    let token = String::from_utf8_lossy(secret).to_string();
    Some(SigninTicket {
        meeting_id: row.id,
        path: signin_path(row.id, &token),
        token,
        expires_at,
        expires_at_text: china_time_text(expires_at),
    })
}

fn not_open() -> StoreError {
    StoreError::conflict("signin.not_open", "本次会议未开启扫码签到，或签到已结束")
}

impl OrgLife<'_> {
    /// Opens sign-in (or renews it with a new code) for `minutes` (default
    /// [`SIGNIN_DEFAULT_MINUTES`]).
    pub async fn open_signin(&self, id: i64, minutes: Option<u32>) -> StoreResult<SigninTicket> {
        let mut tx = self.db.begin().await?;
        let row = self.meeting_for_write(&mut tx, id).await?;
        ensure_directly_editable(self.db, &row)?;
        let (lo, hi) = SIGNIN_MINUTES_RANGE;
        let minutes = minutes.unwrap_or(SIGNIN_DEFAULT_MINUTES);
        if !(lo..=hi).contains(&minutes) {
            return Err(StoreError::invalid("minutes", "signin.minutes", format!("签到有效时长应为{lo}至{hi}分钟")));
        }
        let token = hex::encode(rand::random::<[u8; 16]>());
        let now = self.db.clock().now_ms();
        let expires = now + i64::from(minutes) * 60_000;
        crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE meetings SET signin_secret = $1, signin_expires_at = $2, version = version + 1, updated_at = $3 WHERE region_id = $4 AND id = $5")
            .bind(token.as_bytes().to_vec()).bind(expires).bind(now).bind(row.region_id).bind(id).execute(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("meeting.signin_open", format!("meeting:{id}")).detail(format!("有效至{}", china_time_text(expires))),
        )
        .await?;
        let row = fetch_meeting_tx(&mut tx, row.region_id, id).await?;
        tx.commit().await?;
        ticket(&row).ok_or_else(not_open)
    }

    /// The open sign-in of a meeting, to show its code again.
    pub async fn signin_ticket(&self, id: i64) -> StoreResult<SigninTicket> {
        let row = self.meeting_row(id).await?;
        if !self.may_run_meetings() || self.scope.writable_root().is_none_or(|root| !row.org_path.starts_with(root)) {
            return Err(StoreError::Forbidden);
        }
        if !row.signin_open(self.db.clock().now_ms()) {
            return Err(not_open());
        }
        ticket(&row).ok_or_else(not_open)
    }

    /// The QR code (SVG) of the open sign-in; `base_url` is the site's address
    /// (`https://host`), which the code's URL starts with.
    pub async fn signin_qr_svg(&self, id: i64, base_url: &str) -> StoreResult<String> {
        let t = self.signin_ticket(id).await?;
        qr_svg(&format!("{}{}", base_url.trim_end_matches('/'), t.path))
    }

    /// How many on the roll have signed in by QR code, and how many are on it: the live
    /// count the QR page polls.
    pub async fn signin_count(&self, id: i64) -> StoreResult<SigninCount> {
        let row = self.meeting_row(id).await?;
        let (signed, expected): (i64, i64) = crate::read!(self.db, c => sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN signed_at IS NOT NULL THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN attendance <> 'observer' THEN 1 ELSE 0 END), 0) \
             FROM meeting_attendance WHERE region_id = $1 AND meeting_id = $2")
            .bind(row.region_id).bind(id).fetch_one(c).await)?;
        let now = self.db.clock().now_ms();
        Ok(SigninCount {
            meeting_id: id,
            signed_in: signed,
            expected,
            open: row.signin_open(now),
            expires_at: row.signin_expires_at,
        })
    }

    /// The meeting a scanned code is for, to name it on the confirm page: within the
    /// caller's reach or with the caller on its roll (otherwise not found).
    pub async fn signin_meeting(&self, id: i64) -> StoreResult<MeetingSummary> {
        let (lo, hi) = self.meeting_range();
        let member_id = self.scope.member_id.unwrap_or(-1);
        let row: Option<MeetingRow> = crate::read!(self.db, c => sqlx::query_as(concat!("SELECT ", meeting_cols!(), meeting_from!(),
            " WHERE m.region_id = $1 AND m.id = $2 AND ((m.org_path >= $3 AND m.org_path < $4) OR EXISTS (SELECT 1 FROM meeting_attendance a ",
            "WHERE a.region_id = m.region_id AND a.meeting_id = m.id AND a.member_id = $5))"))
            .bind(self.scope.region_id).bind(id).bind(&lo).bind(&hi).bind(member_id).fetch_optional(c).await)?;
        Ok(row.ok_or(StoreError::NotFound)?.summary(self.db.clock().now_ms()))
    }

    /// Ends sign-in now.
    pub async fn close_signin(&self, id: i64) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        let row = self.meeting_for_write(&mut tx, id).await?;
        let now = self.db.clock().now_ms();
        if !row.signin_open(now) {
            return Err(not_open());
        }
        crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE meetings SET signin_expires_at = $1, version = version + 1, updated_at = $1 WHERE region_id = $2 AND id = $3")
            .bind(now).bind(row.region_id).bind(id).execute(c).await)?;
        audit::append(&mut tx, self.db, &self.scope.actor, Event::ok("meeting.signin_close", format!("meeting:{id}"))).await?;
        tx.commit().await
    }

    /// Signs the caller's own member record in. The meeting must be within the caller's
    /// reach or have the caller on its roll (otherwise it is not found). Someone already
    /// signed in (or marked present) is answered with `already`, whatever code they
    /// scanned; otherwise the code must be the current one and unexpired, and the caller
    /// on the roll.
    pub async fn sign_in(&self, id: i64, token: &str) -> StoreResult<SigninOutcome> {
        let (lo, hi) = self.meeting_range();
        let member_id = self.scope.member_id;
        let mut tx = self.db.begin().await?;
        let row: Option<MeetingRow> = crate::on_tx!(tx, c => sqlx::query_as(concat!("SELECT ", meeting_cols!(), meeting_from!(),
            " WHERE m.region_id = $1 AND m.id = $2 AND ((m.org_path >= $3 AND m.org_path < $4) OR EXISTS (SELECT 1 FROM meeting_attendance a ",
            "WHERE a.region_id = m.region_id AND a.meeting_id = m.id AND a.member_id = $5))"))
            .bind(self.scope.region_id).bind(id).bind(&lo).bind(&hi).bind(member_id.unwrap_or(-1)).fetch_optional(c).await)?;
        let row = row.ok_or(StoreError::NotFound)?;
        let Some(member_id) = member_id else {
            return Err(StoreError::conflict(
                "signin.no_member",
                "您的账户未关联党员档案，无法签到；请用本人的党员账户登录后扫码",
            ));
        };
        if row.is_cancelled() {
            return Err(StoreError::conflict("signin.cancelled", "该会议已取消，无需签到"));
        }
        let title = row.title();
        let mine: Option<(String, Option<i64>)> = crate::on_tx!(tx, c => sqlx::query_as(
            "SELECT attendance, signed_at FROM meeting_attendance WHERE region_id = $1 AND meeting_id = $2 AND member_id = $3")
            .bind(row.region_id).bind(id).bind(member_id).fetch_optional(c).await)?;
        if let Some((attendance, signed_at)) = &mine
            && (signed_at.is_some() || attendance == Attendance::Present.code())
        {
            let message = match signed_at {
                Some(t) => format!("您已于{}签到，无需重复签到", china_time_text(*t)),
                None => "记录人已为您登记出席，无需重复签到".to_string(),
            };
            return Ok(SigninOutcome { meeting_id: id, title, already: true, signed_at: *signed_at, message });
        }
        let Some(secret) = &row.signin_secret else { return Err(not_open()) };
        if !same_bytes(secret, token.trim().as_bytes()) {
            return Err(StoreError::conflict("signin.invalid", "签到二维码无效或已更新，请扫描会场当前显示的二维码"));
        }
        let now = self.db.clock().now_ms();
        let expires = row.signin_expires_at.unwrap_or(0);
        if now >= expires {
            return Err(StoreError::conflict(
                "signin.expired",
                format!("签到已于{}截止，请联系会议记录人登记出席", china_time_text(expires)),
            ));
        }
        let Some((attendance, _)) = mine else {
            return Err(StoreError::conflict(
                "signin.not_on_roll",
                "您不在本次会议的应到人员名单中，无法签到；如需列席，请联系会议记录人登记",
            ));
        };
        // The recorder's 请假/缺席 wins over a scan: the scan's time is kept beside it, so
        // the record shows the conflict for the recorder to settle.
        let (new, kept) = match scan_effect(&attendance) {
            ScanEffect::Mark(a) => (a, None),
            ScanEffect::KeepRecorderMark(a) => (a, Some(a)),
        };
        crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE meeting_attendance SET attendance = $1, reason = CASE WHEN $6 THEN reason ELSE '' END, signed_at = $2 \
             WHERE region_id = $3 AND meeting_id = $4 AND member_id = $5")
            .bind(new.code()).bind(now).bind(row.region_id).bind(id).bind(member_id).bind(kept.is_some()).execute(c).await)?;
        finish_meeting(&mut tx, row.region_id, id, now).await?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("meeting.signin", format!("meeting:{id}")).detail(match kept {
                Some(a) => format!("member:{member_id}（记录人已登记为{}，保留登记）", a.label()),
                None => format!("member:{member_id}"),
            }),
        )
        .await?;
        check::refresh_after_meeting(&mut tx, self.db, row.region_id, row.org_id, &[member_id]).await?;
        super::meeting::publish_attendance(&mut tx, self.db, row.region_id, id).await?;
        tx.commit().await?;
        Ok(SigninOutcome {
            meeting_id: id,
            title,
            already: false,
            signed_at: Some(now),
            message: match kept {
                Some(a) => format!(
                    "已记录您的扫码时间（{}）；会议记录人已将您登记为{}，如有出入请联系记录人更正",
                    china_time_text(now),
                    a.label()
                ),
                None => format!("签到成功（{}）", china_time_text(now)),
            },
        })
    }
}
