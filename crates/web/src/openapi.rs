//! The OpenAPI 3.1 document, generated from the route table so it cannot drift from
//! the routes that exist. Each operation carries its permission as `x-permission`.

use crate::routes::table;
use serde_json::{Map, Value, json};

fn schemas() -> Value {
    let s = |props: Value, required: &[&str]| json!({"type": "object", "properties": props, "required": required});
    let text = json!({"type": "string"});
    let opt_text = json!({"type": ["string", "null"]});
    let member_fields = json!({
        "name": text, "gender": opt_text, "ethnicity": opt_text, "birth_date": opt_text, "id_number": opt_text,
        "education": opt_text, "phone": opt_text, "joined_on": opt_text, "confirmed_on": opt_text, "category": opt_text,
        "party_status": opt_text, "work_unit": opt_text, "residence": opt_text, "flow": opt_text, "flow_place": opt_text,
        "lost_contact_since": opt_text
    });
    let mut new_member = member_fields.clone();
    if let Some(m) = new_member.as_object_mut() {
        m.insert("org_id".into(), json!({"type": "integer"}));
        m.insert("group_id".into(), json!({"type": ["integer", "null"]}));
    }
    let mut patch = member_fields.clone();
    if let Some(m) = patch.as_object_mut() {
        m.insert("version".into(), json!({"type": "integer"}));
    }
    let org_input = json!({
        "name": text, "kind": {"type": "string", "enum": vanguard_domain::org::OrgKind::ALL.iter().map(|k| k.code()).collect::<Vec<_>>()},
        "sector": {"type": "string", "enum": vanguard_domain::org::Sector::ALL.iter().map(|k| k.code()).collect::<Vec<_>>()},
        "established_on": opt_text, "term_started_on": opt_text, "term_years": {"type": ["integer", "null"]},
        "has_committee": {"type": "boolean"}, "status": {"type": "string", "enum": ["normal", "weak"]}
    });
    let mut org_update = org_input.clone();
    if let Some(m) = org_update.as_object_mut() {
        m.insert("secretary_member_id".into(), json!({"type": ["integer", "null"]}));
    }
    let orglife = orglife_schemas();
    let mut all = json!({
        "LoginRequest": s(json!({"login": text, "password": text}), &["login", "password"]),
        "PasswordChange": s(json!({"old_password": text, "new_password": text}), &["old_password", "new_password"]),
        "OrgInput": s(org_input, &["name", "kind"]),
        "OrgUpdate": s(org_update, &[]),
        "OrgMove": s(json!({"parent_id": {"type": "integer"}}), &["parent_id"]),
        "OrgDissolve": s(json!({"dissolved_on": opt_text}), &[]),
        "NewMember": s(new_member, &["org_id", "name", "id_number", "ethnicity", "joined_on", "category"]),
        "MemberPatch": s(patch, &[]),
        "MemberMove": s(json!({"org_id": {"type": "integer"}, "group_id": {"type": ["integer", "null"]}}), &["org_id"]),
        "Leave": s(json!({"reason": {"type": "string", "enum": vanguard_domain::member::LeaveReason::ALL.iter().map(|r| r.code()).collect::<Vec<_>>()},
            "left_on": text, "note": text}), &["reason", "left_on"]),
        "Reveal": s(json!({"field": {"type": "string", "enum": ["id_number", "phone"]}}), &["field"]),
        "NewAccount": s(json!({"username": text, "display_name": text,
            "role": {"type": "string", "enum": vanguard_domain::kernel::auth::Role::ALL.iter().map(|r| r.code()).collect::<Vec<_>>()},
            "scope_org_id": {"type": ["integer", "null"]}, "member_id": {"type": ["integer", "null"]}, "password": opt_text}), &["username", "role"]),
        "RoleAssignment": s(json!({"role": text, "scope_org_id": {"type": ["integer", "null"]}, "member_id": {"type": ["integer", "null"]}}), &["role"]),
        "Error": s(json!({"error": {"type": "object", "properties": {
            "code": {"type": "string", "description": "稳定的机器可读错误码"},
            "message": {"type": "string", "description": "给人看的中文说明"},
            "fields": {"type": "array", "items": {"type": "object", "properties": {"field": text, "code": text, "message": text}}},
            "correlation_id": {"type": "string", "description": "错误编号：与响应头 x-request-id 及服务器日志中的编号相同，联系系统管理员时请提供"}}}}), &["error"]),
    });
    if let (Some(all), Some(more)) = (all.as_object_mut(), orglife.as_object()) {
        all.extend(more.clone());
    }
    all
}

/// The request bodies of the 组织生活 routes.
fn orglife_schemas() -> Value {
    let s = |props: Value, required: &[&str]| json!({"type": "object", "properties": props, "required": required});
    let text = json!({"type": "string"});
    let time = json!({"type": ["integer", "string", "null"], "description": "毫秒时间戳，或北京时间 YYYY-MM-DDTHH:MM"});
    let types: Vec<&str> = vanguard_domain::orglife::MeetingType::ALL.iter().map(|t| t.code()).collect();
    let mark = s(
        json!({"member_id": {"type": "integer"},
            "attendance": {"type": "string", "enum": ["present", "excused", "absent", "observer", "pending", "remove"],
                "description": "出席、请假（须填 reason）、缺席、列席（可添加非应到人员）、未登记、移除列席人员"},
            "reason": text}),
        &["member_id", "attendance"],
    );
    let decision = s(
        json!({"title": text, "votes_for": {"type": "integer"}, "votes_against": {"type": "integer"}, "votes_abstain": {"type": "integer"},
            "excluded": {"type": "integer", "description": "不计入应到会人数的有表决权党员人数"}}),
        &["title", "votes_for"],
    );
    let record = json!({
        "meeting_type": {"type": "string", "enum": types}, "planned_at": time, "held_at": time, "place": text, "host": text,
        "recorder": text, "lecturer": text, "topic": text, "content": text, "minutes": text, "is_secretary_lecture": {"type": "boolean"},
        "attendee_ids": {"type": ["array", "null"], "items": {"type": "integer"}, "description": "应到人员；不填则按组织自动带出"},
        "attendance": {"type": "array", "items": mark}, "decisions": {"type": "array", "items": decision}
    });
    let mut patch = record.clone();
    if let Some(m) = patch.as_object_mut() {
        m.insert("version".into(), json!({"type": "integer"}));
    }
    json!({
        "MeetingInput": s(record, &["meeting_type"]),
        "MeetingPatch": s(patch.clone(), &[]),
        "MeetingRoll": s(json!({"member_ids": {"type": "array", "items": {"type": "integer"}}}), &["member_ids"]),
        "AttendanceMarks": s(json!({"marks": {"type": "array", "items": mark}}), &["marks"]),
        "DecisionInput": decision,
        "SigninOpen": s(json!({"minutes": {"type": "integer", "minimum": 5, "maximum": 1440}}), &[]),
        "SigninRequest": s(json!({"token": text}), &["token"]),
        "CorrectionRequest": s(json!({"reason": text, "changes": patch}), &["reason", "changes"]),
        "CorrectionDecision": s(json!({"note": text}), &[]),
        "PlanSave": s(json!({"year": {"type": "integer"}, "version": {"type": ["integer", "null"]},
            "items": {"type": "array", "items": s(json!({"month": {"type": "integer"}, "date": {"type": "string", "format": "date"},
                "theme": text, "form": text}), &["date", "theme", "form"])}}), &["items"]),
        "PlanReturn": s(json!({"reason": text}), &["reason"]),
    })
}

/// The whole document.
pub fn document() -> Value {
    let mut paths: Map<String, Value> = Map::new();
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
            "schemas": schemas(),
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
    let page = [q("page", "integer", "页码，从1开始"), q("per_page", "integer", "每页条数")];
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
        _ => Vec::new(),
    }
}
