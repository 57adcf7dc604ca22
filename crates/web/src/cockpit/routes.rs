//! The routes of cockpit: 驾驶舱 and 预警/问题清单.

use crate::routes::{RouteSpec, r};
use axum::routing::{get, post};

/// This feature's part of the route table.
pub fn routes() -> Vec<RouteSpec> {
    vec![
        r!(GET "/api/v1/cockpit/orgs/{id}", OrgRead, "cockpit", "驾驶舱：本组织（含下级）各项组织生活规则的达标率和红黄绿、下级党组织排名、预警与问题统计（?period=2026-10、2026-Q3、2026，默认上月）", None, get(super::api::overview)),
        r!(GET "/api/v1/cockpit/orgs/{id}/tree", OrgRead, "cockpit", "驾驶舱红黄绿组织树：各下级党组织逐项规则的达标情况（逐级展开）", None, get(super::api::tree)),
        r!(GET "/api/v1/cockpit/orgs/{id}/trend", OrgRead, "cockpit", "驾驶舱逐月趋势：全年每月各项规则的达标率，附图表配置（?year=，默认今年）", None, get(super::api::trend)),
        r!(GET "/api/v1/cockpit/orgs/{id}/branches", OrgRead, "cockpit", "下钻到党组织：某项规则某一周期达标或未达标的党组织明细（?rule=&period=&compliant=false）", None, get(super::api::branches)),
        r!(GET "/api/v1/cockpit/orgs/{id}/members", MemberRead, "cockpit", "下钻到党员：存在预警的党员明细，如连续不参加组织生活（党章第九条）（?rule=）", None, get(super::api::members)),
        r!(GET "/api/v1/cockpit/orgs/{id}/export.xlsx", OrgRead, "cockpit", "把驾驶舱视图导出为 Excel（?view=overview、tree、trend、branches、members、findings；记入审计）", None, get(super::api::export)),
        r!(GET "/api/v1/findings", MemberRead, "cockpit", "预警与问题清单：按党组织、规则、对象、状态（未整改/已整改/全部）、严重程度筛选并分页，保留整改历史", None, get(super::api::findings)),
        r!(GET "/api/v1/findings/todo", MemberRead, "cockpit", "书记待办：本组织（含下级）尚未整改的预警和问题，按严重程度排列并附处理建议（?org_id=）", None, get(super::api::todo)),
        r!(GET "/api/v1/findings/{id}", MemberRead, "cockpit", "一条预警或问题及其整改经过（整改措施、说明、佐证，上级审核、督办）", None, get(super::api::rectification)),
        r!(POST "/api/v1/findings/{id}/rectify", OrgWrite, "cockpit", "整改闭环：问题所在党组织提交整改（respond），上级党组织通过（accept）、退回（return）或督办（urge）；记入审计", Some(crate::routes::schema::<super::api::RectifyRequest>), post(super::api::rectify)),
        r!(GET "/findings/{id}", MemberRead, "page", "一条预警或问题：整改情况与办理", None, get(super::pages::finding)),
        r!(POST "/findings/{id}", OrgWrite, "page", "提交整改、审核或督办（表单）", None, post(super::pages::rectify)),
        r!(GET "/cockpit/{id}", OrgRead, "page", "驾驶舱：达标率、红黄绿、排名、趋势", None, get(super::pages::overview)),
        r!(GET "/cockpit/{id}/branches", OrgRead, "page", "驾驶舱下钻：党组织明细", None, get(super::pages::branches)),
        r!(GET "/findings", MemberRead, "page", "预警与问题清单（下钻到党员）", None, get(super::pages::findings)),
    ]
}
