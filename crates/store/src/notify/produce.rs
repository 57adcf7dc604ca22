//! The scheduled producers, run by the daily check for each region: the day-before
//! meeting reminder and the overdue 问题. Each notification carries a dedupe key, so a
//! re-run of the same day (a catch-up, a second server) sends nothing twice.

use super::{Audience, Enqueued, Notification, enqueue};
use crate::{Db, StoreResult};
use chrono::NaiveDate;
use vanguard_domain::kernel::finding::Severity;
use vanguard_domain::kernel::time::{china_midnight_ms, china_time_text};
use vanguard_domain::notify::{finding_overdue, meeting_reminder};
use vanguard_domain::orglife::MeetingType;

/// What one run produced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Produced {
    pub meetings: u64,
    pub findings: u64,
    pub in_app: u64,
    pub outbox: u64,
}

impl Produced {
    fn add(&mut self, e: Enqueued) {
        self.in_app += e.in_app;
        self.outbox += e.outbox;
    }
}

/// Reminders of the meetings planned `reminder_days_before` days after `today`, and the
/// 问题 open longer than `finding_overdue_days`, for one region.
pub async fn run_region(db: &Db, region_id: i64, today: NaiveDate) -> StoreResult<Produced> {
    let rules = db.rules();
    let mut out = Produced::default();
    let day = today + chrono::Days::new(u64::from(rules.notify.reminder_days_before));
    let (from, to) = (china_midnight_ms(day), china_midnight_ms(day + chrono::Days::new(1)));
    for m in crate::orglife::reminders::planned_between(db, region_id, from, to).await? {
        let title = if m.topic.trim().is_empty() {
            MeetingType::from_code(&m.meeting_type).map_or_else(|| m.meeting_type.clone(), |t| t.label().to_string())
        } else {
            m.topic.clone()
        };
        let message = meeting_reminder(m.id, &m.org_name, &title, &china_time_text(m.planned_at), &m.place);
        let notice = Notification {
            region_id,
            audiences: m.roll.iter().map(|id| Audience::Member(*id)).collect(),
            group_org_id: Some(m.org_id),
            message,
        };
        let mut tx = db.begin().await?;
        let e = enqueue(&mut tx, db, &notice).await?;
        tx.commit().await?;
        out.meetings += 1;
        out.add(e);
    }
    let days = i64::from(rules.notify.finding_overdue_days);
    let now = db.clock().now_ms();
    let before = now - days * 86_400_000;
    for f in crate::platform::findings::open_before(db, region_id, Severity::Finding, before, 1_000).await? {
        let title = vanguard_domain::orglife::check::rule_title(&rules, &f.rule_code);
        let open_days = (now - f.first_seen_at) / 86_400_000;
        let notice = Notification {
            region_id,
            audiences: vec![Audience::OrgManagers(f.org_id)],
            group_org_id: Some(f.org_id),
            message: finding_overdue(f.id, &f.org_name, &title, open_days),
        };
        let mut tx = db.begin().await?;
        let e = enqueue(&mut tx, db, &notice).await?;
        tx.commit().await?;
        out.findings += 1;
        out.add(e);
    }
    Ok(out)
}
