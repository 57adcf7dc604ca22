//! The routes of 换届选举 (elections on schedule).

use crate::routes::{RouteSpec, r};
use axum::routing::{get, post};

/// This part of the route table.
pub fn routes() -> Vec<RouteSpec> {
    vec![
        r!(GET "/api/v1/elections/orgs/{id}", OrgRead, "elections", "党组织的换届记录（最近20次，含候选人得票和新一届委员分工）", None, get(super::election_api::of_org)),
        r!(POST "/api/v1/elections/orgs/{id}", MemberWrite, "elections", "向上级党组织请示换届（拟选举日期晚于任期届满即为延期换届，最长1年）", Some(crate::routes::schema::<vanguard_domain::affairs::election::ElectionRequestInput>), post(super::election_api::request)),
        r!(GET "/api/v1/elections", MemberWrite, "elections", "待我审批的换届：下级党组织的换届请示和书记人选", None, get(super::election_api::awaiting)),
        r!(GET "/api/v1/elections/{id}", OrgRead, "elections", "一次换届：请示、批复、选举结果和委员分工", None, get(super::election_api::one)),
        r!(POST "/api/v1/elections/{id}/approve", MemberWrite, "elections", "上级党组织批复换届请示（须由请示人以外的账户办理；不批准须说明理由）", Some(crate::routes::schema::<super::election_api::ElectionDecision>), post(super::election_api::approve)),
        r!(POST "/api/v1/elections/{id}/vote", MemberWrite, "elections", "登记选举结果：应到、实到（须过半数）、候选人得票（超过实到人数半数当选）和委员分工", Some(crate::routes::schema::<vanguard_domain::affairs::election::ElectionVoteInput>), post(super::election_api::vote)),
        r!(POST "/api/v1/elections/{id}/secretary", MemberWrite, "elections", "上级党组织批准当选书记（须由登记选举结果以外的账户办理）；批准后新一届任期自选举之日起计算", Some(crate::routes::schema::<super::election_api::ElectionDecision>), post(super::election_api::secretary)),
        r!(GET "/orgs/{id}/elections", OrgRead, "page", "换届选举：本届任期、换届请示、选举结果和新一届委员", None, get(super::election_pages::org)),
        r!(POST "/orgs/{id}/elections", MemberWrite, "page", "请示换届（表单）", None, post(super::election_pages::request)),
        r!(POST "/elections/{id}/vote", MemberWrite, "page", "登记选举结果（表单）", None, post(super::election_pages::vote)),
        r!(POST "/elections/{id}/decide", MemberWrite, "page", "批复换届请示或书记人选（表单）", None, post(super::election_pages::decide)),
    ]
}
