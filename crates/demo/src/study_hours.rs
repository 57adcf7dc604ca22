//! Loads the demo's 学时: the hours of attended 集中学习, 党课 and 主题党日 from the history
//! as it is loaded ([`credit_attendance`], called by `history`'s sink at the rules' rates),
//! a year of online study per member with variety — keen, steady, behind (a fifth each
//! side of the steady middle) —, this year's study plans filed by most orgs (about one in
//! eight missing), a 预备期 training class and a secretaries' 轮训 with most attending, a
//! few exemptions; then the 学时 engine's check so pace warnings show.

use chrono::{Datelike, Days, NaiveDate};
use vanguard_domain::learning::plan::{StudyPlanInput, StudyPlanSession, StudyPlanTopic, files_plan};
use vanguard_domain::learning::training::TrainingClassInput;
use vanguard_domain::member::Category;
use vanguard_domain::orglife::Attendance;
use vanguard_store::learning::hours::{
    ExemptionInput, HourLineRecord, SOURCE_ONLINE, SOURCE_SESSION, check_region, upsert_lines,
};
use vanguard_store::learning::training::{TrainingAttendanceInput, TrainingEnrolInput, TrainingMark};
use vanguard_store::member::bulk::loaded_members;
use vanguard_store::orglife::bulk::AttendanceRecord;
use vanguard_store::{Actor, Db, Scope, StoreError, StoreResult, Tx};

/// The 学时 lines of loaded attendance: one per member present at a rated session type.
pub async fn credit_attendance(tx: &mut Tx, region_id: i64, rows: &[AttendanceRecord]) -> StoreResult<u64> {
    let rules = vanguard_domain::kernel::rules::RuleSet::default();
    let lines: Vec<HourLineRecord> = rows
        .iter()
        .filter(|a| a.attendance == Attendance::Present)
        .filter_map(|a| {
            let seconds = rules.study_hours.session_seconds(a.meeting_type.code());
            (seconds > 0).then(|| HourLineRecord {
                member_id: a.member_id,
                source_kind: SOURCE_SESSION,
                source_key: a.meeting_id.to_string(),
                on: a.held_on,
                seconds,
                label: format!("{}（{}）", a.meeting_type.label(), vanguard_domain::kernel::time::date_text(a.held_on)),
            })
        })
        .collect();
    let now = chrono::Utc::now().timestamp_millis();
    let mut n = 0;
    for chunk in lines.chunks(5_000) {
        n += upsert_lines(tx, region_id, now, chunk).await?;
    }
    Ok(n)
}

/// A deterministic number in `0..n` from the seed and a key.
fn pick(seed: u64, key: u64, n: u64) -> u64 {
    let mut z = seed ^ key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) % n.max(1)
}

/// Loads the online study, plans, training and exemptions of `region_id`; returns the
/// number of online lines written.
pub async fn generate(db: &Db, region_id: i64, seed: u64) -> StoreResult<u64> {
    let root = vanguard_store::org::regions(db).await?.into_iter().find(|r| r.id == region_id).ok_or(StoreError::NotFound)?;
    let system = Scope::system(region_id, &root.path, Actor::system("demo"));
    let scoped = db.scoped(&system);
    let h = scoped.study_hours();
    let today = db.clock().today();
    let year = today.year();
    let start = NaiveDate::from_ymd_opt(year, 1, 1).ok_or(StoreError::NotFound)?;
    let members = loaded_members(db, region_id, &root.path, &vanguard_domain::org::path::upper(&root.path)).await?;

    // Online study, week by week up to yesterday: keen members about 1.5 h a week, steady
    // ones about 25 minutes, those behind a few minutes now and then.
    let mut lines = Vec::new();
    for m in &members {
        let profile = pick(seed, m.id as u64, 10);
        let weekly_minutes = match profile {
            0 | 1 => 90,
            2..=7 => 25,
            _ => 4,
        };
        let mut day = start + Days::new(pick(seed, m.id as u64 + 1, 7));
        while day < today {
            let minutes = weekly_minutes / 2 + pick(seed, m.id as u64 ^ day.ordinal() as u64, weekly_minutes.max(1));
            if minutes > 0 {
                let item = 1 + pick(seed, m.id as u64 + day.ordinal() as u64, 300);
                lines.push(HourLineRecord {
                    member_id: m.id,
                    source_kind: SOURCE_ONLINE,
                    source_key: format!("{item}:{}", vanguard_domain::kernel::time::date_text(day)),
                    on: day,
                    seconds: minutes as i64 * 60,
                    label: format!("网上学习（内容{item}）"),
                });
            }
            day = day + Days::new(7);
        }
    }
    let mut tx = db.begin().await?;
    let mut written = 0;
    for chunk in lines.chunks(5_000) {
        written += upsert_lines(&mut tx, region_id, db.clock().now_ms(), chunk).await?;
    }
    tx.commit().await?;

    // Plans: most orgs filed theirs in the first quarter; about one in eight did not.
    let orgs = scoped.orgs().active_orgs().await?;
    for o in orgs.iter().filter(|o| files_plan(o.kind)) {
        if pick(seed, o.id as u64, 8) == 0 {
            continue;
        }
        let plan = StudyPlanInput {
            year,
            topics: vec![
                StudyPlanTopic { period: "Q1".into(), topic: "学习《中国共产党章程》".into() },
                StudyPlanTopic { period: "Q2".into(), topic: "学习党内法规".into() },
                StudyPlanTopic { period: "Q3".into(), topic: "学习系列讲话精神".into() },
                StudyPlanTopic { period: "Q4".into(), topic: "学习先进典型事迹".into() },
            ],
            required: "《中国共产党章程》\n《中国共产党支部工作条例（试行）》".into(),
            sessions: (1..=12)
                .filter_map(|m| NaiveDate::from_ymd_opt(year, m, 15))
                .map(|d| StudyPlanSession { on: vanguard_domain::kernel::time::date_text(d), topic: "支部集中学习".into() })
                .collect(),
        };
        h.file_plan(o.id, &plan).await?;
    }

    // Training: the 预备期 class (2 days, full-time) for probationary members, most
    // attending; the secretaries' 轮训 (half a day), most attending.
    let probationary: Vec<i64> = members.iter().filter(|m| m.category == Category::Probationary).map(|m| m.id).collect();
    let secretaries: Vec<i64> = orgs.iter().filter_map(|o| o.secretary_member_id).collect();
    let classes = [
        ("预备党员预备期集中培训班", "probation", true, 0.0, 4u32, probationary),
        ("领头雁·支部书记年度轮训班", "rotation", false, 4.0, 5u32, secretaries),
    ];
    for (title, kind, full_time, hours, month, enrolees) in classes {
        if enrolees.is_empty() {
            continue;
        }
        let starts = NaiveDate::from_ymd_opt(year, month, 10).ok_or(StoreError::NotFound)?;
        if starts >= today {
            continue;
        }
        let ends = if full_time { starts + Days::new(1) } else { starts };
        let input = TrainingClassInput {
            title: title.into(),
            kind: kind.into(),
            starts_on: vanguard_domain::kernel::time::date_text(starts),
            ends_on: vanguard_domain::kernel::time::date_text(ends),
            full_time,
            hours,
            place: "区委党校".into(),
        };
        let c = h.create_class(root.id, &input).await?;
        for chunk in enrolees.chunks(400) {
            h.enrol(c.class.id, &TrainingEnrolInput { member_ids: chunk.to_vec() }).await?;
            let marks = chunk
                .iter()
                .map(|m| TrainingMark { member_id: *m, attended: pick(seed, *m as u64 + 7, 6) != 0, days_attended: 0 })
                .collect();
            h.record_training(c.class.id, &TrainingAttendanceInput { marks }).await?;
        }
    }

    // A few exemptions: long illness and abroad.
    for (i, m) in members.iter().filter(|m| pick(seed, m.id as u64 + 99, 60) == 0).take(12).enumerate() {
        let input = ExemptionInput {
            reason: if i % 3 == 0 { "abroad" } else { "illness" }.into(),
            from: vanguard_domain::kernel::time::date_text(start),
            until: None,
            note: if i % 3 == 0 { "出国（境）学习" } else { "长期病休" }.into(),
        };
        h.set_exemption(m.id, &input).await?;
    }
    let run = check_region(db, region_id, today).await?;
    tracing::info!(online_lines = written, findings_opened = run.changes.opened, "demo study hours loaded");
    Ok(written)
}
