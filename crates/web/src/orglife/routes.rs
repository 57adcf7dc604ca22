//! The routes of orglife: 组织生活: meetings and their records, attendance, sign-in, decisions, attachments, corrections, the yearly plans.

use crate::routes::{RouteSpec, r};
use axum::routing::{get, patch, post, put};

/// This feature's part of the route table.
pub fn routes() -> Vec<RouteSpec> {
    vec![
        r!(GET "/api/v1/orgs/{id}/meetings", OrgRead, "orglife", "该党组织（含下级）的会议和活动：按年、月、类型、状态筛选并分页", None, get(super::api::list_meetings)),
        r!(POST "/api/v1/orgs/{id}/meetings", OrgWrite, "orglife", "登记会议或活动（计划或记实）；应到人员按组织自动带出，可同时登记出席和表决", Some(crate::routes::schema::<vanguard_store::orglife::MeetingInput>), post(super::api::create_meeting)),
        r!(GET "/api/v1/orgs/{id}/plan", OrgRead, "orglife", "党支部固定组织生活日年度计划（?year=，默认今年；未制定时为 null）", None, get(super::api::org_plan)),
        r!(PUT "/api/v1/orgs/{id}/plan", OrgWrite, "orglife", "起草或修改本支部年度计划（被退回的计划修改后回到草稿）", Some(crate::routes::schema::<super::api::PlanSave>), put(super::api::save_plan)),
        r!(GET "/api/v1/orgs/{id}/plans", OrgRead, "orglife", "所属各党支部年度计划的制定、报备、备案、公布情况一览（含未制定）", None, get(super::api::plan_overview)),
        r!(GET "/api/v1/meetings/{id}", OrgRead, "orglife", "会议记实：出席情况、表决、附件、更正记录", None, get(super::api::meeting)),
        r!(PATCH "/api/v1/meetings/{id}", OrgWrite, "orglife", "修改会议记录（召开后30天内可直接更正，之后须申请上级批准）", Some(crate::routes::schema::<vanguard_store::orglife::MeetingPatch>), patch(super::api::update_meeting)),
        r!(POST "/api/v1/meetings/{id}/cancel", OrgWrite, "orglife", "取消尚未召开的会议", None, post(super::api::cancel_meeting)),
        r!(PUT "/api/v1/meetings/{id}/roll", OrgWrite, "orglife", "调整应到人员（如支委会组成人员）", Some(crate::routes::schema::<super::api::MeetingRoll>), put(super::api::set_roll)),
        r!(POST "/api/v1/meetings/{id}/attendance", OrgWrite, "orglife", "登记出席、请假（须注明原因）、缺席、列席", Some(crate::routes::schema::<super::api::AttendanceMarks>), post(super::api::mark_attendance)),
        r!(POST "/api/v1/meetings/{id}/decisions", OrgWrite, "orglife", "记录支部党员大会表决（到会有表决权党员须过半，预备党员不计）", Some(crate::routes::schema::<vanguard_store::orglife::DecisionInput>), post(super::api::record_decision)),
        r!(POST "/api/v1/meetings/{id}/signin/open", OrgWrite, "orglife", "开启扫码签到（默认2小时有效），返回签到地址", Some(crate::routes::schema::<super::api::SigninOpen>), post(super::api::open_signin)),
        r!(POST "/api/v1/meetings/{id}/signin/close", OrgWrite, "orglife", "结束扫码签到", None, post(super::api::close_signin)),
        r!(GET "/api/v1/meetings/{id}/signin/qr.svg", OrgWrite, "orglife", "签到二维码（SVG 图片）", None, get(super::api::signin_qr)),
        r!(POST "/api/v1/meetings/{id}/signin", SelfService, "orglife", "党员扫码签到（每人一次，重复签到答复已签到）", Some(crate::routes::schema::<super::api::SigninRequest>), post(super::api::sign_in)),
        r!(POST "/api/v1/meetings/{id}/attachments", OrgWrite, "orglife", "上传会议照片（JPG、PNG）或 PDF（multipart 字段 file，或原始内容加 ?filename=；不超过10MB）", None, post(super::api::upload_attachment)),
        r!(POST "/api/v1/meetings/{id}/corrections", OrgWrite, "orglife", "超过更正期后申请更正会议记录（由上级党组织审批）", Some(crate::routes::schema::<super::api::CorrectionRequest>), post(super::api::request_correction)),
        r!(GET "/api/v1/attachments/{id}", OrgRead, "orglife", "下载会议附件（?inline=true 在浏览器中查看）", None, get(super::api::download_attachment)),
        r!(POST "/api/v1/attachments/{id}/delete", OrgWrite, "orglife", "删除会议附件（限更正期内）", None, post(super::api::delete_attachment)),
        r!(GET "/api/v1/corrections", OrgRead, "orglife", "会议记录更正申请（awaiting_me=true：待本人作为上级党组织审批的）", None, get(super::api::list_corrections)),
        r!(POST "/api/v1/corrections/{id}/approve", OrgWrite, "orglife", "上级党组织批准更正申请，记录随即更正", Some(crate::routes::schema::<super::api::CorrectionDecision>), post(super::api::approve_correction)),
        r!(POST "/api/v1/corrections/{id}/reject", OrgWrite, "orglife", "上级党组织不批准更正申请", Some(crate::routes::schema::<super::api::CorrectionDecision>), post(super::api::reject_correction)),
        r!(GET "/api/v1/plans/{id}", OrgRead, "orglife", "年度计划详情：各月安排、报备和备案经过", None, get(super::api::plan)),
        r!(POST "/api/v1/plans/{id}/submit", OrgWrite, "orglife", "向上级党组织报备年度计划（每月至少安排一次）", None, post(super::api::submit_plan)),
        r!(POST "/api/v1/plans/{id}/acknowledge", OrgWrite, "orglife", "上级党组织对报备的年度计划予以备案", None, post(super::api::acknowledge_plan)),
        r!(POST "/api/v1/plans/{id}/return", OrgWrite, "orglife", "上级党组织退回年度计划（须注明理由）", Some(crate::routes::schema::<super::api::PlanReturn>), post(super::api::return_plan)),
        r!(POST "/api/v1/plans/{id}/publish", OrgWrite, "orglife", "备案后向本支部党员公布年度计划", None, post(super::api::publish_plan)),
        r!(GET "/api/v1/members/{id}/attendance", MemberRead, "orglife", "党员参加组织生活的记录", None, get(super::api::member_attendance)),
        r!(GET "/api/v1/me/orglife", MemberRead, "orglife", "党员端：近期会议、待签到、本支部年度计划、我的出席记录", None, get(super::api::my_orglife)),
        r!(GET "/api/v1/orglife/todo", OrgRead, "orglife", "待办：年度计划报备期限、待记实的会议、进行中的签到、待审批的计划和更正", None, get(super::api::todo)),
        r!(GET "/orgs/{id}/meetings", OrgRead, "page", "组织生活记实：会议列表", None, get(super::pages::meetings)),
        r!(POST "/orgs/{id}/meetings", OrgWrite, "page", "新建会议记录（表单）", None, post(super::pages::create_meeting)),
        r!(GET "/meetings/{id}", OrgRead, "page", "会议记实页：到会、签到、表决、附件", None, get(super::pages::meeting)),
        r!(POST "/meetings/{id}/attendance", OrgWrite, "page", "登记到会情况（表单）", None, post(super::pages::mark)),
        r!(POST "/meetings/{id}/signin/open", OrgWrite, "page", "开启扫码签到（表单）", None, post(super::pages::open_signin)),
        r!(POST "/meetings/{id}/attachments", OrgWrite, "page", "上传会议附件（照片、PDF）", None, post(super::pages::attach)),
        r!(POST "/meetings/{id}/decisions", OrgWrite, "page", "记录表决事项（表单）", None, post(super::pages::decide)),
        r!(GET "/s/{id}/{token}", SelfService, "page", "扫码签到确认页", None, get(super::pages::signin_page)),
        r!(POST "/s/{id}/{token}", SelfService, "page", "扫码签到", None, post(super::pages::signin_submit)),
        r!(GET "/orgs/{id}/plan", OrgRead, "page", "主题党日年度计划", None, get(super::pages::plan)),
        r!(POST "/orgs/{id}/plan", OrgWrite, "page", "保存或报备主题党日年度计划（表单）", None, post(super::pages::save_plan)),
        r!(POST "/plans/{id}/action", OrgWrite, "page", "备案、退回、公布年度计划（表单）", None, post(super::pages::plan_action)),
        r!(GET "/orgs/{id}/plans", OrgRead, "page", "下级党支部计划报备情况", None, get(super::pages::plans)),
    ]
}
