//! The routes of 发展党员: a branch's applicants, a file and its steps, the parent's
//! queue, and the 预备党员's own progress.

use crate::routes::{RouteSpec, r};
use axum::routing::{get, post};

/// This affair's part of the route table.
pub fn routes() -> Vec<RouteSpec> {
    vec![
        r!(GET "/api/v1/recruit/orgs/{id}/files", MemberWrite, "recruit", "该党组织（含下级）的发展党员档案：阶段和下一步，按党支部分页（?all=true 含已结束的）", None, get(super::recruit_api::files)),
        r!(POST "/api/v1/recruit/orgs/{id}/files", MemberWrite, "recruit", "党支部受理入党申请，建立发展党员档案（第1步：年满18周岁，附入党申请书）", Some(crate::routes::schema::<vanguard_domain::affairs::recruit::ApplicantInput>), post(super::recruit_api::create)),
        r!(GET "/api/v1/recruit/files/{id}", MemberWrite, "recruit", "发展党员档案：25个步骤的办理情况（已完成、待办理、已超期）、材料、预备期", None, get(super::recruit_api::file)),
        r!(POST "/api/v1/recruit/files/{id}/steps", MemberWrite, "recruit", "办理下一步：须满足最短间隔、提交规定材料；上级党委的步骤须由上级另一账号办理；支部党员大会的步骤只能由会议表决完成", Some(crate::routes::schema::<super::recruit_api::StepBody>), post(super::recruit_api::complete)),
        r!(GET "/api/v1/recruit/queue", MemberWrite, "recruit", "待我审批：下级党支部待上级党委办理的发展步骤，及支部大会决定的延长或取消预备期", None, get(super::recruit_api::queue)),
        r!(POST "/api/v1/recruit/outcomes/{id}/decide", MemberWrite, "recruit", "上级党委审批支部大会决定的延长预备期（只能一次，6–12个月）或取消预备党员资格；须由另一账号办理", Some(crate::routes::schema::<super::recruit_api::OutcomeDecision>), post(super::recruit_api::decide)),
        r!(GET "/api/v1/recruit/me", MemberRead, "recruit", "党员端：我的入党进度（预备党员）", None, get(super::recruit_api::mine)),
        r!(GET "/orgs/{id}/recruit", MemberWrite, "page", "发展党员：本支部入党申请人、积极分子、发展对象和预备党员的进度，受理入党申请", None, get(super::recruit_pages::branch)),
        r!(POST "/orgs/{id}/recruit", MemberWrite, "page", "受理入党申请（表单）", None, post(super::recruit_pages::create)),
        r!(GET "/recruit/queue", MemberWrite, "page", "发展党员 · 待我审批", None, get(super::recruit_pages::queue)),
        r!(GET "/recruit/{id}", MemberWrite, "page", "发展党员档案：25个步骤和下一步的办理", None, get(super::recruit_pages::file)),
        r!(POST "/recruit/{id}/step", MemberWrite, "page", "办理发展党员的下一步（表单）", None, post(super::recruit_pages::complete)),
        r!(POST "/recruit/outcomes/{id}", MemberWrite, "page", "审批延长或取消预备期（表单）", None, post(super::recruit_pages::decide)),
        r!(GET "/m/recruit", MemberRead, "page", "党员端：我的入党进度", None, get(super::recruit_pages::mine)),
    ]
}
