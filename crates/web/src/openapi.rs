//! The OpenAPI 3.1 document, generated from the route table so it cannot drift from
//! the routes that exist. Each operation carries its permission as `x-permission`.
//!
//! Nothing in it is written by hand: an operation's query parameters come from its
//! handler's extractors (`QueryParams<T>` documents `T`'s `IntoParams`, `Paged` the page
//! request), its success answer from the handler's return type (`Json<T>` documents
//! `T`'s `ToSchema`), its body from the route's schema. The route macro reads them off
//! the handler itself ([`params_of`], [`probe`]), so a route cannot forget them; a new
//! extractor type must say here what it reads ([`ApiArg`]) before a handler can use it.

use crate::extract::{ClientIp, Ctx, Id, JsonBody, Paged, QueryParams};
use crate::routes::table;
use serde_json::{Map, Value, json};
use std::future::Future;
use std::marker::PhantomData;
use utoipa::IntoParams;
use utoipa::openapi::path::{Parameter, ParameterIn};

/// The schemas an operation names, collected for the document's components.
pub type Schemas = Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>;

/// Appends the query parameters a handler reads.
pub type ParamsFn = fn(&mut Vec<Parameter>);

/// Puts the success answer's schema into the components; answers its status and name.
pub type AnswerFn = fn(&mut Schemas) -> (u16, String);

/// What a handler argument (an extractor) reads from the query string, for the document.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not known to the API document",
    note = "a query type needs `#[derive(utoipa::IntoParams)]`; a new extractor needs an `impl ApiArg` in crates/web/src/openapi.rs"
)]
pub trait ApiArg {
    /// The query parameters this extractor reads (none for most).
    fn params(_out: &mut Vec<Parameter>) {}
}

impl<T: IntoParams> ApiArg for QueryParams<T> {
    fn params(out: &mut Vec<Parameter>) {
        out.extend(T::into_params(|| Some(ParameterIn::Query)));
    }
}

impl<T: IntoParams> ApiArg for axum::extract::Query<T> {
    fn params(out: &mut Vec<Parameter>) {
        out.extend(T::into_params(|| Some(ParameterIn::Query)));
    }
}

impl ApiArg for Paged {
    fn params(out: &mut Vec<Parameter>) {
        out.extend(vanguard_domain::kernel::paging::PageQuery::into_params(|| Some(ParameterIn::Query)));
    }
}

impl<T: ApiArg> ApiArg for Option<T> {
    fn params(out: &mut Vec<Parameter>) {
        T::params(out)
    }
}

/// Extractors that read no query parameter (the path, the body, headers, the session).
macro_rules! reads_no_query {
    ($($t:ty $(, <$g:ident>)?;)*) => { $(impl$(<$g>)? ApiArg for $t {})* };
}

reads_no_query! {
    Ctx;
    Id;
    ClientIp;
    JsonBody<T>, <T>;
    axum::Json<T>, <T>;
    axum::Form<T>, <T>;
    axum::extract::Path<T>, <T>;
    axum::extract::State<T>, <T>;
    axum::extract::Extension<T>, <T>;
    axum::extract::ConnectInfo<T>, <T>;
    axum::extract::Request;
    axum::http::HeaderMap;
    axum::http::Method;
    axum::http::Uri;
    axum::body::Bytes;
    String;
}

/// A route handler, seen by the document: its arguments and what it answers.
#[diagnostic::on_unimplemented(
    message = "a handler argument is not known to the API document",
    note = "each argument must implement `ApiArg`: a query type needs `#[derive(utoipa::IntoParams)]`, a new extractor an `impl ApiArg` in crates/web/src/openapi.rs"
)]
pub trait Handles<Args> {
    /// What the handler's future resolves to.
    type Output;
    /// The query parameters its arguments read.
    fn params(out: &mut Vec<Parameter>);
}

macro_rules! handles {
    ($($a:ident),*) => {
        impl<F, Fut, $($a: ApiArg),*> Handles<($($a,)*)> for F
        where
            F: Fn($($a),*) -> Fut,
            Fut: Future,
        {
            type Output = Fut::Output;
            #[allow(unused_variables)]
            fn params(out: &mut Vec<Parameter>) {
                $($a::params(out);)*
            }
        }
    };
}

handles!();
handles!(A1);
handles!(A1, A2);
handles!(A1, A2, A3);
handles!(A1, A2, A3, A4);
handles!(A1, A2, A3, A4, A5);
handles!(A1, A2, A3, A4, A5, A6);
handles!(A1, A2, A3, A4, A5, A6, A7);
handles!(A1, A2, A3, A4, A5, A6, A7, A8);

/// The query parameters of `handler`, from its extractors.
pub fn params_of<F: Handles<Args>, Args>(_handler: &F) -> ParamsFn {
    F::params
}

/// The handler's answer type, as a value the route macro can ask [`Answered`] about.
pub struct Probe<O>(PhantomData<O>);

/// The [`Probe`] of `handler`'s answer.
pub fn probe<F: Handles<Args>, Args>(_handler: &F) -> Probe<F::Output> {
    Probe(PhantomData)
}

/// A success answer with a JSON schema.
pub trait Answer {
    /// Puts the schema into the components; answers the status and the schema's name.
    fn answer(out: &mut Schemas) -> (u16, String);
}

impl<T: utoipa::ToSchema> Answer for axum::Json<T> {
    fn answer(out: &mut Schemas) -> (u16, String) {
        (200, crate::routes::schema::<T>(out))
    }
}

/// `(StatusCode::CREATED, Json(..))`: what a creating route answers.
impl<T: utoipa::ToSchema> Answer for (axum::http::StatusCode, axum::Json<T>) {
    fn answer(out: &mut Schemas) -> (u16, String) {
        (201, crate::routes::schema::<T>(out))
    }
}

impl<T: Answer, E> Answer for Result<T, E> {
    fn answer(out: &mut Schemas) -> (u16, String) {
        T::answer(out)
    }
}

/// Chosen by method resolution when the answer has a schema (autoref specialisation:
/// it takes `&Probe`, [`Unanswered`] the reference to it, so this one wins when it applies).
pub trait Answered {
    fn answer(&self) -> Option<AnswerFn>;
}

impl<O: Answer> Answered for Probe<O> {
    fn answer(&self) -> Option<AnswerFn> {
        Some(O::answer)
    }
}

/// The fallback: pages, files, redirects and bare statuses have no JSON schema.
pub trait Unanswered {
    fn answer(&self) -> Option<AnswerFn> {
        None
    }
}

impl<O> Unanswered for &Probe<O> {}

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
fn schemas(bodies: &mut Schemas) -> Value {
    crate::routes::schema::<Error>(bodies);
    let mut map = Map::new();
    for (name, schema) in bodies.drain(..) {
        map.insert(name, serde_json::to_value(schema).unwrap_or(Value::Null));
    }
    Value::Object(map)
}

/// The parameters in the path: `{id}` is a number, any other segment text.
fn path_params(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            let kind = if name == "id" { "integer" } else { "string" };
            json!({"name": name, "in": "path", "required": true, "schema": {"type": kind}})
        })
        .collect()
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
        let mut params = path_params(spec.path);
        let mut query = Vec::new();
        (spec.params)(&mut query);
        params.extend(query.iter().map(|p| serde_json::to_value(p).unwrap_or(Value::Null)));
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
        }
        if let Some(answer) = spec.answer {
            let (status, name) = answer(&mut bodies);
            let description = if status == 201 { "已创建" } else { "成功" };
            if let Some(responses) = op["responses"].as_object_mut() {
                responses.remove("200");
                responses.insert(
                    status.to_string(),
                    json!({"description": description, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}}),
                );
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Json;
    use vanguard_domain::kernel::paging::Page;

    /// A query type of a test handler.
    #[derive(serde::Deserialize, utoipa::IntoParams)]
    #[allow(dead_code)]
    struct ProbeQuery {
        /// A month.
        month: Option<String>,
        status: Option<String>,
    }

    #[derive(serde::Serialize, utoipa::ToSchema)]
    struct ProbeRow {
        id: i64,
    }

    async fn probe_list(
        _: Ctx,
        _: Id,
        QueryParams(_): QueryParams<ProbeQuery>,
        _: Paged,
    ) -> crate::error::ApiResult<Json<Page<ProbeRow>>> {
        Ok(Json(Page::empty(20, 0, None)))
    }

    async fn probe_created(
        _: Ctx,
        JsonBody(_): JsonBody<ProbeRow>,
    ) -> crate::error::ApiResult<(axum::http::StatusCode, Json<ProbeRow>)> {
        Ok((axum::http::StatusCode::CREATED, Json(ProbeRow { id: 1 })))
    }

    async fn probe_file(_: Ctx) -> axum::response::Response {
        axum::response::IntoResponse::into_response("file")
    }

    fn names(params: ParamsFn) -> Vec<String> {
        let mut out = Vec::new();
        params(&mut out);
        out.into_iter().map(|p| p.name).collect()
    }

    #[test]
    fn a_handler_reading_a_query_type_documents_its_fields_and_the_page_request() {
        assert_eq!(names(params_of(&probe_list)), ["month", "status", "cursor", "limit", "page"]);
        assert!(names(params_of(&probe_created)).is_empty());
    }

    #[test]
    #[allow(clippy::needless_borrow)] // the borrow is how the route macro asks: it must stay the same here
    fn a_json_answer_documents_its_schema_and_a_page_names_its_items() {
        let mut schemas = Vec::new();
        let list = (&probe(&probe_list)).answer().expect("a JSON list answers a schema");
        assert_eq!(list(&mut schemas), (200, "Page_ProbeRow".to_string()));
        let created = (&probe(&probe_created)).answer().expect("a creating route answers a schema");
        assert_eq!(created(&mut schemas), (201, "ProbeRow".to_string()));
        assert!((&probe(&probe_file)).answer().is_none(), "a file has no JSON schema");
        let page = schemas.iter().find(|(n, _)| n == "Page_ProbeRow").expect("the page's schema");
        let page = serde_json::to_value(&page.1).unwrap_or(Value::Null);
        assert_eq!(page["properties"]["items"]["items"]["$ref"], "#/components/schemas/ProbeRow");
        assert!(schemas.iter().any(|(n, _)| n == "ProbeRow"));
    }

    /// Every route's query parameters in the document are exactly those its handler's
    /// extractors read: a GET route whose handler takes a query type cannot leave them out.
    #[test]
    fn every_route_documents_the_query_parameters_its_handler_reads() {
        let doc = document();
        let mut with_query = 0;
        for spec in table() {
            let op = &doc["paths"][spec.path][spec.method.as_str().to_ascii_lowercase()];
            let documented: Vec<&str> = op["parameters"]
                .as_array()
                .map(|ps| ps.iter().filter(|p| p["in"] == "query").filter_map(|p| p["name"].as_str()).collect())
                .unwrap_or_default();
            let read = names(spec.params);
            assert_eq!(documented, read, "{} {}", spec.method, spec.path);
            with_query += usize::from(!read.is_empty());
            for p in op["parameters"].as_array().into_iter().flatten().filter(|p| p["in"] == "path") {
                let name = p["name"].as_str().unwrap_or("");
                assert!(spec.path.contains(&format!("{{{name}}}")), "{} {}: path parameter {name}", spec.method, spec.path);
            }
        }
        // The lists and filters of every feature (dues, learning, members, orgs, meetings,
        // findings, audit, cockpit, …) read queries: far more than a handful of routes.
        assert!(with_query >= 40, "only {with_query} routes document query parameters");
        let query = |path: &str| -> Vec<String> {
            let op = &doc["paths"][path]["get"];
            op["parameters"].as_array().into_iter().flatten().filter_map(|p| p["name"].as_str().map(str::to_string)).collect()
        };
        assert!(query("/api/v1/findings").iter().any(|n| n == "severity"), "{:?}", query("/api/v1/findings"));
        assert!(
            query("/api/v1/dues/orgs/{id}/bills").iter().any(|n| n == "month"),
            "{:?}",
            query("/api/v1/dues/orgs/{id}/bills")
        );
        assert!(query("/api/v1/members").iter().any(|n| n == "cursor"), "{:?}", query("/api/v1/members"));
    }

    /// The document is valid JSON with OpenAPI's shape, every `$ref` anywhere in it
    /// resolves, and every list answers its own `Page_T` schema.
    #[test]
    fn the_document_parses_and_every_reference_resolves() {
        let text = serde_json::to_string(&document()).expect("serializable");
        let doc: Value = serde_json::from_str(&text).expect("parses");
        assert!(doc["openapi"].as_str().unwrap_or("").starts_with("3.1"));
        let mut refs = 0;
        for reference in text.split("\"$ref\":\"").skip(1) {
            let target = reference.split('"').next().unwrap_or("");
            let pointer = target.strip_prefix('#').unwrap_or_else(|| panic!("{target} is not a local reference"));
            assert!(doc.pointer(pointer).is_some_and(Value::is_object), "{target} does not resolve");
            refs += 1;
        }
        assert!(refs > 100, "only {refs} references");
        let members =
            &doc["paths"]["/api/v1/members"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"];
        assert_eq!(members, "#/components/schemas/Page_MemberSummary");
        let org = &doc["paths"]["/api/v1/orgs/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"];
        assert!(org.as_str().is_some_and(|r| r.starts_with("#/components/schemas/")), "{org}");
    }
}
