//! 学 storage: the question bank, the daily quiz, exams and attempts, points, totals and
//! rankings — each case on every backend.

use super::{Tree, member, subtree_scope, system, tree};
use vanguard_domain::kernel::auth::{Reach, Role};
use vanguard_domain::learning::{AnswerKey, ExamSetup, KeepPolicy, QuestionDraft, QuestionKind, QuizKind, RankPeriod, Response};
use vanguard_store::platform::audit::AuditFilter;
use vanguard_store::{Db, Scope, StoreError};
use vanguard_testkit::{RawConn, backends};

const MINUTE: i64 = 60_000;

/// Branch A: 甲一, 甲二, 甲三; branch B: 乙一 (both under 甲街道).
struct Fx {
    tr: Tree,
    a: Vec<i64>,
    b: i64,
    branch_a_path: String,
    branch_b_path: String,
}

async fn fx(db: &Db) -> Fx {
    let tr = tree(db).await;
    let sys = system(&tr.root);
    let s = db.scoped(&sys);
    let mut a = Vec::new();
    for (i, name) in ["甲一", "甲二", "甲三"].iter().enumerate() {
        a.push(s.members().create_member(&member(name, 300 + i as u16, tr.branch_a)).await.unwrap().id);
    }
    let b = s.members().create_member(&member("乙一", 310, tr.branch_b)).await.unwrap().id;
    let branch_a_path = s.orgs().org(tr.branch_a).await.unwrap().path;
    let branch_b_path = s.orgs().org(tr.branch_b).await.unwrap().path;
    Fx { tr, a, b, branch_a_path, branch_b_path }
}

impl Fx {
    fn member(&self, id: i64, branch_path: &str) -> Scope {
        Scope {
            actor: vanguard_store::Actor { account_id: 500 + id % 100, name: "党员".into(), ip: "127.0.0.1".into() },
            role: Role::Member,
            region_id: self.tr.root.region_id,
            reach: Reach::OwnRecord { member_id: id, branch_path: branch_path.to_string() },
            member_id: Some(id),
            scope_org_id: None,
        }
    }
    fn a(&self, i: usize) -> Scope {
        self.member(self.a[i], &self.branch_a_path)
    }
    fn b(&self) -> Scope {
        self.member(self.b, &self.branch_b_path)
    }
    fn secretary_a(&self) -> Scope {
        subtree_scope(&self.tr.root, &self.branch_a_path, Role::BranchSecretary)
    }
}

fn single(n: usize) -> QuestionDraft {
    QuestionDraft {
        kind: QuestionKind::Single,
        stem: format!("第{n}题：党的最高领导机关是？"),
        options: vec!["党的全国代表大会和它所产生的中央委员会".into(), "中央政治局".into(), "中央书记处".into()],
        key: AnswerKey::Choices(vec![0]),
        source: "《中国共产党章程》第十条".into(),
        explanation: "党的最高领导机关，是党的全国代表大会和它所产生的中央委员会。".into(),
    }
}

fn fill_in() -> QuestionDraft {
    QuestionDraft {
        kind: QuestionKind::FillIn,
        stem: "党的思想路线是一切从实际出发，理论联系实际，（），在实践中检验真理和发展真理。".into(),
        options: vec![],
        key: AnswerKey::Blanks(vec![vec!["实事求是".into()]]),
        source: "《中国共产党章程》总纲".into(),
        explanation: "党的思想路线。".into(),
    }
}

/// The right answer to every question of a paper (read through the editor's view).
async fn right_answers(db: &Db, editor: &Scope, paper: &vanguard_store::learning::QuizPaper) -> Vec<(i64, Response)> {
    let mut out = Vec::new();
    for q in &paper.questions {
        let v = db.scoped(editor).learning().question(q.id).await.unwrap();
        let r = match v.key {
            AnswerKey::Choices(c) => Response { choices: c, blanks: vec![] },
            AnswerKey::Blanks(b) => Response { choices: vec![], blanks: b.into_iter().map(|alts| alts[0].clone()).collect() },
        };
        out.push((q.id, r));
    }
    out
}

fn has(e: &StoreError, code: &str) -> bool {
    match e {
        StoreError::Invalid(i) => i.has(code),
        StoreError::Conflict { code: c, .. } => *c == code,
        _ => false,
    }
}

async fn bank(db: &Db, f: &Fx, n: usize) {
    let sys = system(&f.tr.root);
    let mut qs: Vec<QuestionDraft> = (0..n).map(single).map(|q| q.validate().unwrap()).collect();
    qs.push(fill_in().validate().unwrap());
    db.scoped(&sys).learning().import_questions(f.tr.root.id, &qs, "题库.xlsx").await.unwrap();
}

/// The ids of the active questions within the scope's reach.
async fn active_ids(db: &Db, scope: &Scope) -> Vec<i64> {
    let first = vanguard_domain::kernel::paging::PageRequest::first(50);
    let page = db.scoped(scope).learning().questions(None, None, true, &first).await.unwrap();
    page.items.iter().map(|q| q.id).collect()
}

fn exam(db: &Db, keep: KeepPolicy, attempts: u32) -> ExamSetup {
    let now = db.clock().now_ms();
    ExamSetup {
        title: "党章知识专题考试".into(),
        kind: QuizKind::Special,
        opens_at: now - MINUTE,
        closes_at: now + 120 * MINUTE,
        time_limit_minutes: 30,
        max_attempts: attempts,
        keep,
        partial_multiple: false,
        question_points: 10,
    }
}

#[tokio::test]
async fn question_bank_edits_are_audited_and_members_cannot_write_the_bank() {
    for t in backends().await {
        let f = fx(&t.db).await;
        let sec = f.secretary_a();
        let l = t.db.scoped(&sec);
        let q = l.learning().create_question(f.tr.branch_a, single(1)).await.unwrap();
        l.learning().update_question(q.id, QuestionDraft { stem: "改过的题干".into(), ..single(1) }).await.unwrap();
        l.learning().set_question_active(q.id, false).await.unwrap();
        let rows = crate::audit_rows(&t.db, &AuditFilter { action: "learning.question".into(), ..Default::default() }).await;
        let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(
            actions,
            vec!["learning.question.withdraw", "learning.question.update", "learning.question.create"],
            "{}",
            t.backend
        );
        // Out of the secretary's reach: the street's bank.
        assert!(matches!(l.learning().create_question(f.tr.street, single(2)).await, Err(StoreError::NotFound)));
        let me = f.a(0);
        assert!(matches!(
            t.db.scoped(&me).learning().create_question(f.tr.branch_a, single(3)).await,
            Err(StoreError::Forbidden)
        ));
        let bad = QuestionDraft { key: AnswerKey::Choices(vec![0, 1]), ..single(4) };
        assert!(has(&l.learning().create_question(f.tr.branch_a, bad).await.unwrap_err(), "question.key_count"));
    }
}

#[tokio::test]
async fn the_daily_quiz_is_the_same_on_reload_and_never_carries_the_answer_key() {
    for t in backends().await {
        let f = fx(&t.db).await;
        bank(&t.db, &f, 30).await;
        let me = f.a(0);
        let l = t.db.scoped(&me);
        let p1 = l.learning().daily_quiz().await.unwrap();
        let p2 = l.learning().daily_quiz().await.unwrap();
        assert_eq!(p1.attempt_id, p2.attempt_id, "{}", t.backend);
        let ids = |p: &vanguard_store::learning::QuizPaper| p.questions.iter().map(|q| q.id).collect::<Vec<_>>();
        assert_eq!(ids(&p1), ids(&p2));
        assert_eq!(p1.questions.len(), 5, "the rule's daily quiz size");
        let json = serde_json::to_string(&p1).unwrap();
        for word in ["key", "answer", "explanation", "实事求是", "《中国共产党章程》", "correct"] {
            assert!(!json.contains(word), "{}: the paper carries {word}: {json}", t.backend);
        }
    }
}

#[tokio::test]
async fn concurrent_double_submission_counts_once() {
    for t in backends().await {
        let f = fx(&t.db).await;
        bank(&t.db, &f, 10).await;
        let me = f.a(0);
        let sys = system(&f.tr.root);
        let paper = t.db.scoped(&me).learning().daily_quiz().await.unwrap();
        let answers = right_answers(&t.db, &sys, &paper).await;
        let (s1, s2) = (t.db.scoped(&me), t.db.scoped(&me));
        let (l1, l2) = (s1.learning(), s2.learning());
        let (r1, r2) = tokio::join!(l1.submit(paper.attempt_id, &answers), l2.submit(paper.attempt_id, &answers));
        let oks = [r1.is_ok(), r2.is_ok()].iter().filter(|x| **x).count();
        assert_eq!(oks, 1, "{}: one submission wins", t.backend);
        let err = if let Err(e) = &r1 { e } else { r2.as_ref().unwrap_err() };
        assert!(has(err, "quiz.already_submitted"), "{}: {err}", t.backend);
        let pts = t.db.scoped(&me).learning().my_points().await.unwrap();
        assert_eq!(pts.today, 5, "{}: five right answers, one award", t.backend);
        // A third, later try is refused too and changes nothing.
        assert!(has(&t.db.scoped(&me).learning().submit(paper.attempt_id, &[]).await.unwrap_err(), "quiz.already_submitted"));
        assert_eq!(t.db.scoped(&me).learning().my_points().await.unwrap().all, 5);
    }
}

#[tokio::test]
async fn a_late_submission_is_refused() {
    for t in backends().await {
        let f = fx(&t.db).await;
        bank(&t.db, &f, 10).await;
        let sys = system(&f.tr.root);
        let ids = active_ids(&t.db, &sys).await;
        let e =
            t.db.scoped(&sys).learning().create_exam(f.tr.street, exam(&t.db, KeepPolicy::First, 1), &ids[..5]).await.unwrap();
        let me = f.a(1);
        let paper = t.db.scoped(&me).learning().start_exam(e.id).await.unwrap();
        assert_eq!(paper.questions.len(), 5);
        t.db.clock().advance(31 * MINUTE);
        let answers = right_answers(&t.db, &sys, &paper).await;
        let err = t.db.scoped(&me).learning().submit(paper.attempt_id, &answers).await.unwrap_err();
        assert!(has(&err, "quiz.late"), "{}: {err}", t.backend);
        assert_eq!(t.db.scoped(&me).learning().my_points().await.unwrap().all, 0);
    }
}

#[tokio::test]
async fn a_second_attempt_cannot_improve_a_kept_first_score_but_best_of_n_keeps_the_best() {
    for t in backends().await {
        let f = fx(&t.db).await;
        bank(&t.db, &f, 10).await;
        let sys = system(&f.tr.root);
        let ids = active_ids(&t.db, &sys).await;
        for (keep, want) in [(KeepPolicy::First, 0), (KeepPolicy::Best, 40)] {
            let e = t.db.scoped(&sys).learning().create_exam(f.tr.street, exam(&t.db, keep, 2), &ids[..4]).await.unwrap();
            let me = f.a(2);
            let l = t.db.scoped(&me);
            let p = l.learning().start_exam(e.id).await.unwrap();
            let r = l.learning().submit(p.attempt_id, &[]).await.unwrap();
            assert_eq!((r.score, r.kept_score), (0, 0));
            let p2 = l.learning().start_exam(e.id).await.unwrap();
            assert_eq!(p2.attempt_no, 2);
            let answers = right_answers(&t.db, &sys, &p2).await;
            let r2 = l.learning().submit(p2.attempt_id, &answers).await.unwrap();
            assert_eq!((r2.score, r2.kept_score), (40, want), "{}: {keep:?}", t.backend);
            assert!(has(&l.learning().start_exam(e.id).await.unwrap_err(), "quiz.no_attempts_left"));
            let stats = t.db.scoped(&sys).learning().exam_stats(e.id).await.unwrap();
            assert!(stats.iter().all(|s| s.answered == 2 && s.wrong == 1), "{}", t.backend);
        }
    }
}

#[tokio::test]
async fn totals_recomputed_from_events_equal_the_stored_totals() {
    for t in backends().await {
        let f = fx(&t.db).await;
        bank(&t.db, &f, 10).await;
        let sys = system(&f.tr.root);
        for (i, who) in [f.a(0), f.a(1), f.b()].iter().enumerate() {
            let l = t.db.scoped(who);
            l.learning().record_login().await.unwrap();
            l.learning().record_login().await.unwrap();
            let p = l.learning().daily_quiz().await.unwrap();
            let mut answers = right_answers(&t.db, &sys, &p).await;
            answers.truncate(i + 1);
            l.learning().submit(p.attempt_id, &answers).await.unwrap();
        }
        let check = t.db.scoped(&sys).learning().check_points(false).await.unwrap();
        assert_eq!((check.totals_mismatched, check.buckets_mismatched), (0, 0), "{}: {check:?}", t.backend);
        assert_eq!(check.totals, 3 * 4, "three members, four periods");
        // A total changed behind the store's back is found and repaired from the events.
        let mut raw = RawConn::open(&t.db).await.unwrap();
        raw.execute(&format!(
            "UPDATE learning_points_totals SET points = points + 7 WHERE member_id = {} AND period_key = 'all'",
            f.b
        ))
        .await
        .unwrap();
        let check = t.db.scoped(&sys).learning().check_points(true).await.unwrap();
        assert!(check.totals_mismatched == 1 && check.repaired, "{}: {check:?}", t.backend);
        let check = t.db.scoped(&sys).learning().check_points(false).await.unwrap();
        assert_eq!((check.totals_mismatched, check.buckets_mismatched), (0, 0), "{}", t.backend);
    }
}

#[tokio::test]
async fn a_ranking_outside_the_viewers_scope_shows_rank_and_count_but_no_names() {
    for t in backends().await {
        let f = fx(&t.db).await;
        bank(&t.db, &f, 10).await;
        let sys = system(&f.tr.root);
        // 乙一 answers all five right, 甲一 two, 甲二 only logs in.
        for (who, right) in [(f.b(), 5usize), (f.a(0), 2)] {
            let l = t.db.scoped(&who);
            let p = l.learning().daily_quiz().await.unwrap();
            let mut answers = right_answers(&t.db, &sys, &p).await;
            answers.truncate(right);
            l.learning().submit(p.attempt_id, &answers).await.unwrap();
        }
        t.db.scoped(&f.a(1)).learning().record_login().await.unwrap();
        let me = f.a(0);
        let street = t.db.scoped(&me).learning().ranking(f.tr.street, RankPeriod::Week).await.unwrap();
        assert_eq!((street.count, street.my_rank, street.my_points), (3, Some(2), Some(2)), "{}", t.backend);
        let names: Vec<Option<&str>> = street.top.iter().map(|e| e.name.as_deref()).collect();
        assert_eq!(names, vec![None, Some("甲一"), Some("甲二")], "{}: 乙一 is in another branch", t.backend);
        assert_eq!(street.top.iter().map(|e| (e.rank, e.points)).collect::<Vec<_>>(), vec![(1, 5), (2, 2), (3, 1)]);
        // Own branch: everyone named; another branch's ranking is not the member's to read.
        let branch = t.db.scoped(&me).learning().ranking(f.tr.branch_a, RankPeriod::All).await.unwrap();
        assert_eq!((branch.count, branch.my_rank), (2, Some(1)));
        assert!(branch.top.iter().all(|e| e.name.is_some()));
        assert!(matches!(t.db.scoped(&me).learning().ranking(f.tr.branch_b, RankPeriod::All).await, Err(StoreError::NotFound)));
        // The street secretary's view names everyone.
        let street_admin =
            subtree_scope(&f.tr.root, &t.db.scoped(&sys).orgs().org(f.tr.street).await.unwrap().path, Role::CommitteeAdmin);
        let all = t.db.scoped(&street_admin).learning().ranking(f.tr.street, RankPeriod::Month).await.unwrap();
        assert!(all.top.iter().all(|e| e.name.is_some()) && all.my_rank.is_none(), "{}", t.backend);
    }
}

#[tokio::test]
async fn the_wrong_answer_book_lists_what_the_member_got_wrong_with_the_explanation() {
    for t in backends().await {
        let f = fx(&t.db).await;
        bank(&t.db, &f, 3).await;
        let me = f.a(0);
        let l = t.db.scoped(&me);
        let p = l.learning().daily_quiz().await.unwrap();
        let r = l.learning().submit(p.attempt_id, &[]).await.unwrap();
        assert!(r.answers.iter().all(|a| !a.correct && !a.key_text.is_empty() && !a.explanation.is_empty()), "{}", t.backend);
        let book = l.learning().wrong_answers().await.unwrap();
        assert_eq!(book.items.len(), p.questions.len(), "{}", t.backend);
        let _ = f.secretary_a();
    }
}

#[tokio::test]
async fn an_import_file_with_bad_rows_reports_each_with_its_row_and_adds_nothing() {
    for t in backends().await {
        let f = fx(&t.db).await;
        let sec = f.secretary_a();
        let l = t.db.scoped(&sec);
        let good = vanguard_store::learning::template_xlsx().unwrap();
        let r = l.learning().import_file(f.tr.branch_a, "题库导入模板.xlsx", good).await.unwrap();
        assert_eq!((r.good_rows, r.added, r.problems.len()), (4, 4, 0), "{}", t.backend);
        let csv = "题型,题干,选项A,选项B,答案,出处\n单选题,题一,甲,乙,A,党章\n问答题,题二,,,略,党章\n单选题,题三,甲,乙,C,党章\n";
        let r = l.learning().import_file(f.tr.branch_a, "题库.csv", csv.as_bytes().to_vec()).await.unwrap();
        assert_eq!((r.good_rows, r.added), (1, 0), "{}", t.backend);
        assert_eq!(r.problems.iter().map(|p| p.row).collect::<Vec<_>>(), vec![3, 4]);
        assert!(r.problems[1].reasons[0].contains("不存在的选项"), "{:?}", r.problems);
        let all =
            l.learning().questions(None, None, false, &vanguard_domain::kernel::paging::PageRequest::first(50)).await.unwrap();
        assert_eq!(all.items.len(), 4);
    }
}

#[tokio::test]
async fn a_member_who_moves_takes_their_points_to_the_new_branchs_ranking() {
    for t in backends().await {
        let f = fx(&t.db).await;
        let sys = system(&f.tr.root);
        t.db.scoped(&f.a(0)).learning().record_login().await.unwrap();
        t.db.scoped(&f.b()).learning().record_login().await.unwrap();
        t.db.scoped(&sys).members().move_member(f.a[0], f.tr.branch_b, None).await.unwrap();
        let moved = f.member(f.a[0], &f.branch_b_path);
        let b = t.db.scoped(&moved).learning().ranking(f.tr.branch_b, RankPeriod::All).await.unwrap();
        assert_eq!((b.count, b.top.len()), (2, 2), "{}", t.backend);
        let a = t.db.scoped(&sys).learning().ranking(f.tr.branch_a, RankPeriod::All).await.unwrap();
        assert_eq!((a.count, a.top.len()), (0, 0), "{}", t.backend);
        let check = t.db.scoped(&sys).learning().check_points(false).await.unwrap();
        assert_eq!((check.totals_mismatched, check.buckets_mismatched), (0, 0), "{}: {check:?}", t.backend);
    }
}
