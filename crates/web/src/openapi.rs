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
    json!({
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
            "role": {"type": "string", "enum": vanguard_domain::auth::Role::ALL.iter().map(|r| r.code()).collect::<Vec<_>>()},
            "scope_org_id": {"type": ["integer", "null"]}, "member_id": {"type": ["integer", "null"]}, "password": opt_text}), &["username", "role"]),
        "RoleAssignment": s(json!({"role": text, "scope_org_id": {"type": ["integer", "null"]}, "member_id": {"type": ["integer", "null"]}}), &["role"]),
        "Error": s(json!({"error": {"type": "object", "properties": {
            "code": {"type": "string", "description": "稳定的机器可读错误码"},
            "message": {"type": "string", "description": "给人看的中文说明"},
            "fields": {"type": "array", "items": {"type": "object", "properties": {"field": text, "code": text, "message": text}}},
            "correlation_id": text}}}), &["error"]),
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
        if spec.permission != vanguard_domain::auth::Permission::Public {
            op["security"] = json!([{"bearer": []}, {"cookie": []}]);
        }
        if spec.path.contains("{id}") {
            op["parameters"] = json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]);
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
