//! The routes of member: 党员: the roster, archives, history, the history archive (历史库), reveal, and the roster's Excel round trip (import and export).

use crate::routes::{RouteSpec, r};
use axum::routing::{get, patch, post};

/// This feature's part of the route table.
pub fn routes() -> Vec<RouteSpec> {
    vec![
        r!(GET "/api/v1/members", MemberRead, "member", "花名册：按组织、姓名/身份证号/手机号、类别、状态筛选并分页", None, get(super::api::list)),
        r!(POST "/api/v1/members", MemberWrite, "member", "新建党员档案", Some(crate::routes::schema::<vanguard_store::member::NewMember>), post(super::api::create)),
        r!(GET "/api/v1/members/{id}", MemberRead, "member", "党员档案（敏感字段已脱敏）", None, get(super::api::detail)),
        r!(PATCH "/api/v1/members/{id}", MemberWrite, "member", "修改党员档案字段（每项变更记入历史）", Some(crate::routes::schema::<super::api::MemberPatch>), patch(super::api::update)),
        r!(GET "/api/v1/members/{id}/history", MemberRead, "member", "党员档案变更历史", None, get(super::api::history)),
        r!(POST "/api/v1/members/{id}/move", MemberWrite, "member", "调整党员所在党支部和党小组", Some(crate::routes::schema::<super::api::MemberMove>), post(super::api::move_member)),
        r!(POST "/api/v1/members/{id}/archive", MemberWrite, "member", "党员减少：移入历史库（注明原因和日期）", Some(crate::routes::schema::<vanguard_store::member::Leave>), post(super::api::archive)),
        r!(POST "/api/v1/members/{id}/restore", MemberWrite, "member", "恢复误减少的党员（从历史库恢复在册，注明原因；记入审计）", Some(crate::routes::schema::<super::api::Restore>), post(super::api::restore)),
        r!(POST "/api/v1/members/{id}/reveal", MemberReveal, "member", "查看公民身份号码或手机号码明文（记入审计）", Some(crate::routes::schema::<super::api::Reveal>), post(super::api::reveal)),
        r!(GET "/api/v1/members/export.xlsx", MemberRead, "member", "按花名册的筛选条件导出全部结果为 Excel（敏感字段脱敏；reveal=true 需查看敏感信息权限；记入审计）", None, get(super::import_api::export)),
        r!(GET "/api/v1/imports/members/template.xlsx", MemberWrite, "import", "下载党员花名册导入模板（含填写说明和下拉选项）", None, get(super::import_api::template)),
        r!(POST "/api/v1/imports/members", MemberWrite, "import", "上传花名册（.xlsx、.xls、.csv；multipart 字段 file，或原始内容加 ?filename=）并逐行校验预览，不写入党员数据", None, post(super::import_api::upload)),
        r!(GET "/api/v1/imports/{id}", MemberWrite, "import", "导入批次的状态、预览、导入进度和结果", None, get(super::import_api::status)),
        r!(GET "/api/v1/imports/{id}/rows", MemberWrite, "import", "导入批次的逐行结果（分页，按文件行序；status=create/update/problem/skip 筛选），含每行的问题原因和导入后的党员", None, get(super::import_api::lines)),
        r!(POST "/api/v1/imports/{id}/commit", MemberWrite, "import", "导入批次中没有错误的行：在一个事务内全部写入或全部不写入", None, post(super::import_api::commit)),
        r!(POST "/api/v1/imports/{id}/discard", MemberWrite, "import", "放弃导入批次", None, post(super::import_api::discard)),
        r!(GET "/members", MemberRead, "page", "花名册与历史库", None, get(super::pages::roster)),
        r!(GET "/members/new", MemberWrite, "page", "新增党员表单", None, get(super::pages::new_form)),
        r!(POST "/members/new", MemberWrite, "page", "新增党员", None, post(super::pages::new_submit)),
        r!(GET "/members/{id}", MemberRead, "page", "党员档案页", None, get(super::pages::detail)),
        r!(GET "/members/{id}/edit", MemberWrite, "page", "修改党员档案表单", None, get(super::pages::edit_form)),
        r!(POST "/members/{id}/edit", MemberWrite, "page", "修改党员档案", None, post(super::pages::edit_submit)),
        r!(GET "/members/{id}/archive", MemberWrite, "page", "党员减少表单", None, get(super::pages::archive_form)),
        r!(POST "/members/{id}/archive", MemberWrite, "page", "党员减少（移入历史库）", None, post(super::pages::archive_submit)),
        r!(GET "/members/{id}/restore", MemberWrite, "page", "恢复党员表单", None, get(super::pages::restore_form)),
        r!(POST "/members/{id}/restore", MemberWrite, "page", "恢复党员（从历史库恢复在册）", None, post(super::pages::restore_submit)),
        r!(POST "/members/{id}/reveal", MemberReveal, "page", "显示敏感字段（记入审计）", None, post(super::pages::reveal)),
        r!(GET "/imports/members", MemberWrite, "page", "花名册导入：上传页", None, get(super::import_pages::upload_page)),
        r!(POST "/imports/members", MemberWrite, "page", "花名册导入：上传并预览", None, post(super::import_pages::upload_submit)),
        r!(GET "/imports/{id}", MemberWrite, "page", "花名册导入：预览（分页、按处理结果筛选）、导入进度与结果", None, get(super::import_pages::status)),
        r!(POST "/imports/{id}/commit", MemberWrite, "page", "花名册导入：导入无误的行", None, post(super::import_pages::commit)),
        r!(POST "/imports/{id}/discard", MemberWrite, "page", "花名册导入：放弃批次", None, post(super::import_pages::discard)),
    ]
}
