//! The OpenAPI 3.1 document, generated from the route table so it cannot drift from
//! the routes that exist. Each operation carries its permission as `x-permission`.

use crate::routes::table;
use serde_json::{Map, Value, json};

/// The error body every failure answers with.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[allow(dead_code)]
struct Error {
    error: ErrorDetail,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[allow(dead_code)]
struct ErrorDetail {
    /// 稳定的机器可读错误码
    code: String,
    /// 给人看的中文说明
    message: String,
    /// 每个字段的问题（校验未通过时）
    fields: Vec<vanguard_domain::FieldError>,
    /// 错误编号：每个错误都有，与响应头 x-request-id 及服务器日志中的编号相同；联系系统管理员时请提供
    correlation_id: String,
}

/// Every schema the routes name, derived from their types.
fn schemas(bodies: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) -> Value {
    crate::routes::schema::<Error>(bodies);
    let mut map = Map::new();
    for (name, schema) in bodies.drain(..) {
        map.insert(name, serde_json::to_value(schema).unwrap_or(Value::Null));
    }
    Value::Object(map)
}

/// The whole document.
pub fn document() -> Value {
    let mut paths: Map<String, Value> = Map::new();
    let mut bodies = Vec::new();
    for spec in table() {
        let mut op = json!({
            "summary": spec.summary,
            "tags": [spec.tag],
            "x-permission": spec.permission.code(),
            "responses": {
                "200": {"description": "成功"},
                "400": {"description": "请求格式错误", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "401": {"description": "未登录或会话已过期"},
                "403": {"description": "角色无权进行此操作"},
                "404": {"description": "不存在或不在管辖范围内"},
                "409": {"description": "与当前状态冲突"},
                "422": {"description": "内容校验未通过，fields 列出每个字段的问题"}
            }
        });
        if spec.permission != vanguard_domain::kernel::auth::Permission::Public {
            op["security"] = json!([{"bearer": []}, {"cookie": []}]);
        }
        if spec.path.contains("{id}") {
            op["parameters"] = json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]);
        }
        let query = cockpit_query(spec.path);
        if !query.is_empty() {
            let mut params = op["parameters"].as_array().cloned().unwrap_or_default();
            params.extend(query);
            op["parameters"] = Value::Array(params);
        }
        if let Some(body) = spec.body {
            let body = body(&mut bodies);
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{body}")}}}});
        }
        let entry = paths.entry(spec.path.to_string()).or_insert_with(|| json!({}));
        entry[spec.method.as_str().to_ascii_lowercase()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "锋领 Vanguard 智慧党建平台 API", "version": env!("CARGO_PKG_VERSION"),
            "description": "所有党组织和党员数据按调用者的管辖范围过滤；范围外的对象返回 404。"},
        "paths": paths,
        "components": {
            "schemas": schemas(&mut bodies),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": crate::middleware::COOKIE_SECURE}
            }
        }
    })
}

/// The query parameters of the cockpit and findings routes.
fn cockpit_query(path: &str) -> Vec<Value> {
    let q = |name: &str, kind: &str, description: &str| json!({"name": name, "in": "query", "required": false, "schema": {"type": kind}, "description": description});
    let period = q("period", "string", "统计周期：2026-10（月）、2026-Q3（季度）、2026-H2（半年）、2026（年度）；默认上月");
    let page = [
        q("cursor", "string", "翻页游标：上一页结果中的 next 或 prev；last 为末页"),
        q("limit", "integer", "每页条数，1–200，默认20"),
        q("page", "integer", "跳到第几页（从1开始）；与 cursor 同时给出时以页码为准"),
    ];
    match path {
        "/api/v1/cockpit/orgs/{id}" | "/api/v1/cockpit/orgs/{id}/tree" => vec![period],
        "/api/v1/cockpit/orgs/{id}/trend" => vec![q("year", "integer", "年度，默认今年")],
        "/api/v1/cockpit/orgs/{id}/branches" => {
            let mut v = vec![
                q("rule", "string", "规则编码，如 orglife.theme_day（默认）"),
                period,
                q("compliant", "boolean", "false：只列未达标的；true：只列达标的；不填：全部"),
            ];
            v.extend(page);
            v
        }
        "/api/v1/cockpit/orgs/{id}/members" => {
            let mut v = vec![q("rule", "string", "member.no_org_life（党章第九条）或 member.repeated_absence；不填：全部")];
            v.extend(page);
            v
        }
        "/api/v1/cockpit/orgs/{id}/export.xlsx" => vec![
            q("view", "string", "overview（默认）、tree、trend、branches、members、findings"),
            period,
            q("year", "integer", "趋势的年度"),
            q("rule", "string", "明细的规则编码"),
            q("compliant", "boolean", "明细只列达标（true）或未达标（false）的"),
        ],
        "/api/v1/findings" => {
            let mut v = vec![
                q("org_id", "integer", "党组织（含下级）；默认整个管辖范围"),
                q("rule", "string", "规则编码；orglife.structure 表示全部组织设置类问题"),
                q("subject", "string", "org（党组织）或 member（党员）"),
                q("status", "string", "open（未整改，默认）、resolved（已整改）、all"),
                q("severity", "string", "最低严重程度：info、warning、alert、finding"),
            ];
            v.extend(page);
            v
        }
        "/api/v1/findings/todo" => {
            vec![q("org_id", "integer", "党组织（含下级）；默认本人管辖范围"), q("limit", "integer", "最多条数，默认100")]
        }
        "/api/v1/corrections" => {
            let mut v = vec![
                q("status", "string", "pending（待审批）、approved（已批准）、rejected（未批准）；不填：全部"),
                q("awaiting_me", "boolean", "true：只列待本人作为上级党组织审批的"),
            ];
            v.extend(page);
            v
        }
        "/api/v1/audit" => {
            let mut v = vec![
                q("action", "string", "操作（前缀匹配，如 auth. 或 member.update）"),
                q("actor", "string", "操作人（完全匹配）"),
                q("result", "string", "ok、denied、failed"),
                q("from", "string", "起始日期 YYYY-MM-DD（含）"),
                q("to", "string", "截止日期 YYYY-MM-DD（含）"),
                q("from_ms", "integer", "起始时刻（毫秒时间戳，含）"),
                q("to_ms", "integer", "截止时刻（毫秒时间戳，不含）"),
            ];
            v.extend(page);
            v
        }
        "/api/v1/orgs" => {
            let mut v = vec![q("q", "string", "按名称搜索（包含）；不填：管辖范围内的最上级党组织")];
            v.extend(page);
            v
        }
        "/api/v1/accounts/orgs" => {
            let mut v = vec![q("q", "string", "党组织名称（包含）；不填：全部未撤销的党组织，上级在前")];
            v.extend(page);
            v
        }
        "/api/v1/members"
        | "/api/v1/meetings/{id}/leave"
        | "/api/v1/role-requests"
        | "/api/v1/security/alerts"
        | "/api/v1/audit/alerts"
        | "/api/v1/orgs/{id}/meetings"
        | "/api/v1/members/{id}/attendance"
        | "/api/v1/accounts"
        | "/api/v1/orgs/{id}/children"
        | "/api/v1/members/{id}/history" => page.to_vec(),
        _ => Vec::new(),
    }
}
