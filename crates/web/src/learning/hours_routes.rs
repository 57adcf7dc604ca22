//! The routes of 学时: the member's hours, reports, exemptions, study plans, training classes.

use crate::routes::{RouteSpec, r, schema};
use axum::routing::{get, post, put};

/// This feature's part of the route table.
pub fn routes() -> Vec<RouteSpec> {
    vec![
        r!(GET "/api/v1/learning/me/hours", Learn, "learning", "我的学时：本年度（?year=）合计、按来源分项、年度目标和进度、每条记录", None, get(super::hours_api::my_hours)),
        r!(GET "/api/v1/members/{id}/hours", LearningAdmin, "learning", "管辖范围内党员的年度学时明细（?year=）", None, get(super::hours_api::member_hours)),
        r!(GET "/api/v1/orgs/{id}/hours", LearningAdmin, "learning", "党组织学时统计（?year=）：合计、各下级党组织进度正常/落后/免考人数、本级党员", None, get(super::hours_api::report)),
        r!(GET "/api/v1/orgs/{id}/hours.xlsx", LearningAdmin, "learning", "导出党组织学时统计（.xlsx）", None, get(super::hours_api::report_export)),
        r!(GET "/api/v1/members/{id}/hour-exemptions", LearningAdmin, "learning", "党员的学时免予考核记录", None, get(super::hours_api::exemptions)),
        r!(POST "/api/v1/members/{id}/hour-exemptions", LearningAdmin, "learning", "登记学时免予考核（因病、出国（境）、年老体弱），含起止日期", Some(schema::<vanguard_store::learning::hours::ExemptionInput>), post(super::hours_api::set_exemption)),
        r!(GET "/api/v1/orgs/{id}/study-plans", LearningAdmin, "learning", "本级年度学习计划和各下级党组织报送情况（已报/未报，?year=）", None, get(super::hours_api::plan_status)),
        r!(PUT "/api/v1/orgs/{id}/study-plans", LearningAdmin, "learning", "报送（或重新报送）本年度学习计划：学习专题、必修内容、集中学习安排", Some(schema::<vanguard_domain::learning::plan::StudyPlanInput>), put(super::hours_api::file_plan)),
        r!(GET "/api/v1/learning/training", LearningAdmin, "learning", "管辖范围内的培训班", None, get(super::hours_api::classes)),
        r!(GET "/api/v1/learning/training/{id}", LearningAdmin, "learning", "培训班及学员出勤、学时", None, get(super::hours_api::class)),
        r!(POST "/api/v1/orgs/{id}/training", LearningAdmin, "learning", "新建培训班（领头雁、新任书记、轮训、发展对象、预备期、其他；脱产培训每天8学时）", Some(schema::<vanguard_domain::learning::training::TrainingClassInput>), post(super::hours_api::create_class)),
        r!(POST "/api/v1/learning/training/{id}/enrol", LearningAdmin, "learning", "培训班报名（管辖范围内的在册党员）", Some(schema::<vanguard_store::learning::training::TrainingEnrolInput>), post(super::hours_api::enrol)),
        r!(POST "/api/v1/learning/training/{id}/attendance", LearningAdmin, "learning", "登记培训出勤，学时记入个人学时（重复登记不重复计算）", Some(schema::<vanguard_store::learning::training::TrainingAttendanceInput>), post(super::hours_api::record_training)),
        r!(GET "/m/hours", Learn, "page", "党员端：我的学时和年度进度", None, get(super::hours_pages::my_hours)),
        r!(GET "/orgs/{id}/hours", LearningAdmin, "page", "学时统计：下级党组织进度和本级党员，可逐级查看和导出", None, get(super::hours_pages::report)),
        r!(GET "/members/{id}/hours", LearningAdmin, "page", "党员年度学时明细", None, get(super::hours_pages::member)),
        r!(GET "/orgs/{id}/study-plans", LearningAdmin, "page", "年度学习计划：本级报送和下级报送情况", None, get(super::hours_pages::plans)),
        r!(POST "/orgs/{id}/study-plans", LearningAdmin, "page", "报送年度学习计划（表单）", None, post(super::hours_pages::file_plan)),
        r!(GET "/orgs/{id}/training", LearningAdmin, "page", "培训班：新建、报名和出勤", None, get(super::hours_pages::training)),
        r!(POST "/orgs/{id}/training", LearningAdmin, "page", "新建培训班（表单）", None, post(super::hours_pages::create_class)),
        r!(GET "/learning/training/{id}", LearningAdmin, "page", "培训班学员、出勤和学时", None, get(super::hours_pages::class)),
        r!(POST "/learning/training/{id}", LearningAdmin, "page", "培训班报名和登记出勤（表单）", None, post(super::hours_pages::class_post)),
    ]
}
