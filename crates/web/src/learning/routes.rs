//! The routes of learning: 学: the question bank, exams, the daily quiz, points and rankings.

use crate::routes::{RouteSpec, r, schema};
use axum::routing::{get, post, put};

/// This feature's part of the route table.
pub fn routes() -> Vec<RouteSpec> {
    vec![
        r!(GET "/api/v1/learning/questions", LearningAdmin, "learning", "题库：管辖范围内（或 ?org_id= 所属）的题目及答案，按题型、是否启用筛选并分页", None, get(super::api::questions)),
        r!(POST "/api/v1/orgs/{id}/questions", LearningAdmin, "learning", "向该党组织的题库添加题目（单选、多选、判断、填空，须注明出处）", Some(schema::<vanguard_domain::learning::QuestionDraft>), post(super::api::create_question)),
        r!(PUT "/api/v1/learning/questions/{id}", LearningAdmin, "learning", "修改题目（已作答的成绩不变）", Some(schema::<vanguard_domain::learning::QuestionDraft>), put(super::api::update_question)),
        r!(POST "/api/v1/learning/questions/{id}/active", LearningAdmin, "learning", "停用题目（不再抽到）或重新启用", Some(schema::<super::api::QuestionActive>), post(super::api::set_question_active)),
        r!(GET "/api/v1/learning/template.xlsx", LearningAdmin, "learning", "题库导入模板（.xlsx）", None, get(super::api::template)),
        r!(POST "/api/v1/orgs/{id}/questions/import", LearningAdmin, "learning", "导入题库文件（.xlsx、.xls、.csv；multipart 字段 file 或原始内容加 ?filename=）：有错误行时一题不导入，逐行说明原因", None, post(super::api::import)),
        r!(POST "/api/v1/orgs/{id}/exams", LearningAdmin, "learning", "为该党组织（含下级）设置每周一答或专题考试：时间窗口、时限、作答次数、成绩保留方式", Some(schema::<super::api::ExamInput>), post(super::api::create_exam)),
        r!(GET "/api/v1/learning/exams", LearningAdmin, "learning", "管辖范围内设置的考试", None, get(super::api::exams)),
        r!(GET "/api/v1/learning/exams/{id}/results", LearningAdmin, "learning", "考试成绩（每人保留的成绩，高分在前）", None, get(super::api::exam_results)),
        r!(GET "/api/v1/learning/exams/{id}/stats", LearningAdmin, "learning", "考试逐题统计：作答人次、答错人次，错得最多的在前", None, get(super::api::exam_stats)),
        r!(GET "/api/v1/learning/stats/daily", LearningAdmin, "learning", "管辖范围内党员每日答题的逐题统计（?days=，默认30天）", None, get(super::api::daily_stats)),
        r!(POST "/api/v1/learning/daily", Learn, "learning", "开始（或继续）今天的每日答题：按人抽题，当天重复打开为同一份，不含答案", None, post(super::api::start_daily)),
        r!(POST "/api/v1/learning/exams/{id}/start", Learn, "learning", "开始（或在时限内继续）一次考试作答：题目和选项顺序随机，不含答案", None, post(super::api::start_exam)),
        r!(GET "/api/v1/learning/attempts/{id}", Learn, "learning", "本人的一次作答（试卷，不含答案）", None, get(super::api::attempt)),
        r!(POST "/api/v1/learning/attempts/{id}/submit", Learn, "learning", "交卷：服务器判分；超时或重复交卷不被接受", Some(schema::<super::api::Submission>), post(super::api::submit)),
        r!(GET "/api/v1/learning/attempts/{id}/result", Learn, "learning", "已交卷作答的成绩、答案和解析", None, get(super::api::result)),
        r!(GET "/api/v1/learning/me/points", Learn, "learning", "我的积分：本周、本月、本年、累计，今日各项得分与上限", None, get(super::api::my_points)),
        r!(GET "/api/v1/learning/me/ranks", Learn, "learning", "我的排名：本支部及各上级党组织范围内（?period=week|month|year|all），范围外只显示名次和人数", None, get(super::api::my_ranks)),
        r!(GET "/api/v1/learning/me/exams", Learn, "learning", "我可参加的考试及我的成绩", None, get(super::api::my_exams)),
        r!(GET "/api/v1/learning/me/wrong", Learn, "learning", "我的错题本：答错的题目及答案、解析", None, get(super::api::my_wrong)),
        r!(GET "/api/v1/learning/rankings/{id}", Learn, "learning", "管辖范围内党组织的积分排行（前100名，?period=）", None, get(super::api::ranking)),
        r!(GET "/m/learning", Learn, "page", "党员端：每日一测和考试", None, get(super::pages::portal)),
        r!(POST "/m/learning/daily", Learn, "page", "党员端：开始每日一测", None, post(super::pages::start_daily)),
        r!(POST "/m/learning/exams/{id}", Learn, "page", "党员端：开始考试", None, post(super::pages::start_exam)),
        r!(GET "/m/learning/attempts/{id}", Learn, "page", "党员端：答题（交卷前不含答案）或成绩与解析", None, get(super::pages::attempt)),
        r!(POST "/m/learning/attempts/{id}", Learn, "page", "党员端：交卷（表单）", None, post(super::pages::submit)),
        r!(GET "/m/points", Learn, "page", "党员端：我的积分和排名", None, get(super::pages::points)),
        r!(GET "/m/learning/wrong", Learn, "page", "党员端：我的错题本", None, get(super::pages::wrong)),
        r!(GET "/orgs/{id}/learning", LearningAdmin, "page", "题库、导入和考试成绩", None, get(super::pages::bank)),
        r!(POST "/orgs/{id}/learning/import", LearningAdmin, "page", "导入题库文件（表单）", None, post(super::pages::import)),
        r!(GET "/learning/exams/{id}", LearningAdmin, "page", "考试成绩和逐题统计（错得最多的题）", None, get(super::pages::exam)),
    ]
}
