//! 换届选举 storage: the request to the 上级 and its approval by another account, the
//! vote with its candidates, the 书记 approved by another account, and the term restarted
//! through the org feature — which resolves the term-expiry finding — on every backend.

use super::{member, subtree_scope, system, tree};
use chrono::Months;
use vanguard_domain::affairs::election::{CandidateInput, ElectionRequestInput, ElectionVoteInput};
use vanguard_domain::kernel::auth::Role;
use vanguard_domain::kernel::paging::PageRequest;
use vanguard_domain::org::OrgInput;
use vanguard_domain::orglife::rules::TERM_CODE;
use vanguard_store::StoreError;
use vanguard_store::cockpit::FindingFilter;
use vanguard_testkit::backends;

#[tokio::test]
async fn an_election_approved_voted_and_its_secretary_approved_by_another_account_restarts_the_term() {
    for t in backends().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let today = t.db.clock().today();
        // 社区 branch: a 5-year term that ended a month ago.
        let started = today.checked_sub_months(Months::new(61)).unwrap();
        let input = OrgInput { term_started_on: Some(started.to_string()), ..Default::default() };
        s.orgs().update_org(tr.branch_a, &input, None).await.unwrap();
        let filter = FindingFilter { rule: Some(TERM_CODE.into()), ..Default::default() };
        let open = s.cockpit().findings(&filter, &PageRequest::first(10)).await.unwrap();
        assert_eq!(open.items.len(), 1, "[{}] the overdue term is a finding", t.backend);
        let mut ids = Vec::new();
        for (i, name) in ["赵一", "赵二", "赵三", "赵四"].iter().enumerate() {
            ids.push(s.members().create_member(&member(name, 400 + i as u16, tr.branch_a)).await.unwrap().id);
        }
        let branch_path = s.orgs().org(tr.branch_a).await.unwrap().path;
        let street_path = s.orgs().org(tr.street).await.unwrap().path;
        let mut secretary = subtree_scope(&tr.root, &branch_path, Role::BranchSecretary);
        secretary.actor.account_id = 10;
        let mut street = subtree_scope(&tr.root, &street_path, Role::CommitteeAdmin);
        street.actor.account_id = 20;
        let mut street2 = street.clone();
        street2.actor.account_id = 21;

        // A delay of more than a year past the end is refused.
        let late = today.checked_add_months(Months::new(12)).unwrap();
        let req = ElectionRequestInput { planned_on: late.to_string(), seats: 3, reason: "人选尚在酝酿".into() };
        let err = t.db.scoped(&secretary).elections().request_election(tr.branch_a, &req).await.unwrap_err();
        assert!(matches!(&err, StoreError::Invalid(i) if i.has("election.delay_too_long")), "[{}] {err:?}", t.backend);
        let req = ElectionRequestInput { planned_on: today.to_string(), seats: 3, reason: "任期已满，申请换届".into() };
        let e = t.db.scoped(&secretary).elections().request_election(tr.branch_a, &req).await.unwrap();
        assert!(e.delayed && e.state == "pending_approval", "[{}] {e:?}", t.backend);
        let again = t.db.scoped(&secretary).elections().request_election(tr.branch_a, &req).await.unwrap_err();
        assert!(matches!(again, StoreError::Conflict { code: "election.open", .. }), "[{}] {again:?}", t.backend);

        // The branch cannot approve its own request; the street can.
        let own = t.db.scoped(&secretary).elections().decide_election_request(e.id, true, "").await.unwrap_err();
        assert!(matches!(own, StoreError::Conflict { code: "election.parent_only", .. }), "[{}] {own:?}", t.backend);
        assert_eq!(t.db.scoped(&street).elections().elections_awaiting_me().await.unwrap().len(), 1, "[{}]", t.backend);
        t.db.scoped(&street).elections().decide_election_request(e.id, true, "").await.unwrap();

        // Quorum not met: refused, nothing recorded.
        let cands = |r: [&str; 4]| {
            ids.iter()
                .zip(r)
                .zip([9, 8, 7, 3])
                .map(|((m, role), votes)| CandidateInput { member_id: *m, votes, role: role.into() })
                .collect()
        };
        let mut vote = ElectionVoteInput {
            held_on: today.to_string(),
            voting_members: 12,
            excluded: 0,
            present_voters: 6,
            candidates: cands(["secretary", "organization", "publicity", ""]),
        };
        let err = t.db.scoped(&secretary).elections().record_election_vote(e.id, &vote).await.unwrap_err();
        assert!(matches!(&err, StoreError::Invalid(i) if i.has("assembly.no_quorum")), "[{}] {err:?}", t.backend);
        vote.present_voters = 10;
        let voted = t.db.scoped(&secretary).elections().record_election_vote(e.id, &vote).await.unwrap();
        assert_eq!(voted.state, "voted", "[{}]", t.backend);
        let elected: Vec<(&str, Option<&str>)> =
            voted.candidates.iter().filter(|c| c.elected).map(|c| (c.name.as_str(), c.role_label)).collect();
        assert_eq!(
            elected,
            vec![("赵一", Some("书记")), ("赵二", Some("组织委员")), ("赵三", Some("宣传委员"))],
            "[{}]",
            t.backend
        );

        // The 书记 is approved by another account than the one that recorded the vote.
        let mut recorder_above = street.clone();
        recorder_above.actor.account_id = 10;
        let same = t.db.scoped(&recorder_above).elections().decide_election_secretary(e.id, true, "").await.unwrap_err();
        assert!(matches!(same, StoreError::Conflict { code: "election.same_account", .. }), "[{}] {same:?}", t.backend);
        let done = t.db.scoped(&street2).elections().decide_election_secretary(e.id, true, "").await.unwrap();
        assert_eq!(done.state, "completed", "[{}]", t.backend);
        let org = s.orgs().org_detail(tr.branch_a).await.unwrap();
        assert_eq!(org.org.term_started_on.as_deref(), Some(today.to_string().as_str()), "[{}]", t.backend);
        assert_eq!(org.secretary_name.as_deref(), Some("赵一"), "[{}]", t.backend);
        let open = s.cockpit().findings(&filter, &PageRequest::first(10)).await.unwrap();
        assert!(open.items.is_empty(), "[{}] the new term resolves the finding: {:?}", t.backend, open.items.len());
        // Another street sees nothing of it.
        let other_path = s.orgs().org(tr.other_street).await.unwrap().path;
        let other = subtree_scope(&tr.root, &other_path, Role::CommitteeAdmin);
        let err = t.db.scoped(&other).elections().election(e.id).await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound), "[{}] {err:?}", t.backend);
    }
}

#[tokio::test]
async fn a_probationary_member_cannot_stand_and_a_declined_secretary_sets_the_vote_aside() {
    for t in backends().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let today = t.db.clock().today();
        let formal = s.members().create_member(&member("钱一", 410, tr.branch_b)).await.unwrap().id;
        let mut pre = member("钱二", 411, tr.branch_b);
        pre.fields.category = Some("预备党员".into());
        pre.fields.confirmed_on = None;
        pre.fields.joined_on = Some(today.checked_sub_months(Months::new(2)).unwrap().to_string());
        let pre = s.members().create_member(&pre).await.unwrap().id;
        let branch_path = s.orgs().org(tr.branch_b).await.unwrap().path;
        let street_path = s.orgs().org(tr.street).await.unwrap().path;
        let mut secretary = subtree_scope(&tr.root, &branch_path, Role::BranchSecretary);
        secretary.actor.account_id = 10;
        let mut street = subtree_scope(&tr.root, &street_path, Role::CommitteeAdmin);
        street.actor.account_id = 20;
        let req = ElectionRequestInput { planned_on: today.to_string(), seats: 1, reason: "选举支部书记".into() };
        let e = t.db.scoped(&secretary).elections().request_election(tr.branch_b, &req).await.unwrap();
        t.db.scoped(&street).elections().decide_election_request(e.id, true, "").await.unwrap();
        let vote = |m: i64| ElectionVoteInput {
            held_on: today.to_string(),
            voting_members: 5,
            excluded: 0,
            present_voters: 4,
            candidates: vec![CandidateInput { member_id: m, votes: 4, role: "secretary".into() }],
        };
        let err = t.db.scoped(&secretary).elections().record_election_vote(e.id, &vote(pre)).await.unwrap_err();
        assert!(matches!(&err, StoreError::Invalid(i) if i.has("election.candidate_probationary")), "[{}] {err:?}", t.backend);
        t.db.scoped(&secretary).elections().record_election_vote(e.id, &vote(formal)).await.unwrap();
        let declined = t.db.scoped(&street).elections().decide_election_secretary(e.id, false, "请重新酝酿人选").await.unwrap();
        assert!(declined.state == "approved" && declined.candidates.is_empty(), "[{}] {declined:?}", t.backend);
        let org = s.orgs().org_detail(tr.branch_b).await.unwrap();
        assert_eq!(org.secretary_name, None, "[{}] a declined 书记 changes nothing", t.backend);
    }
}
