//! Request extractors whose failures answer in Chinese with a stable code.

use crate::error::ApiError;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use vanguard_store::account::Session;
use vanguard_store::{Db, Scoped};

/// The authenticated caller, put in place by the route's policy middleware.
#[derive(Clone)]
pub struct Ctx(pub Session);

impl Ctx {
    pub fn scoped<'a>(&'a self, db: &'a Db) -> Scoped<'a> {
        db.scoped(&self.0.scope)
    }
    pub fn actor(&self) -> &vanguard_store::Actor {
        &self.0.scope.actor
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Session>().cloned().map(Ctx).ok_or_else(ApiError::unauthorized)
    }
}

/// A JSON body; a malformed one answers 400 with the reason.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(JsonBody(v)),
            Err(e) if crate::server::is_body_timeout(&e) => Err(ApiError::body_unreadable(&e)),
            Err(e) => {
                Err(ApiError::bad_request("body.invalid", format!("请求内容不是有效的 JSON 或字段不符合要求：{}", e.body_text())))
            }
        }
    }
}

/// A numeric id in the path.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<i64>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(id)) => Ok(Id(id)),
            Err(_) => Err(ApiError::not_found()),
        }
    }
}

/// Query parameters; malformed ones answer 400.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(QueryParams(v)),
            Err(e) => Err(ApiError::bad_request("query.invalid", format!("查询参数有误：{}", e.body_text()))),
        }
    }
}

/// `?year=`: the one year parameter of every page and API. Missing or empty (a form's
/// blank field) means this year; anything but a number answers 400.
#[derive(serde::Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct YearParams {
    #[serde(deserialize_with = "year_or_blank")]
    pub year: Option<i32>,
}

impl YearParams {
    /// The year asked for, else this year in China.
    pub fn or_this_year(&self, db: &Db) -> i32 {
        self.year.unwrap_or_else(|| chrono::Datelike::year(&db.clock().today()))
    }
}

fn year_or_blank<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
    let text: Option<String> = serde::Deserialize::deserialize(d)?;
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => t.parse().map(Some).map_err(|_| serde::de::Error::custom("年份应为四位数字，如 2026")),
    }
}

/// The client's address, as [`crate::middleware::request_context`] determined it: the
/// socket's peer, or what a trusted proxy says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts)))
    }
}

/// The client's address (see [`ClientIp`]); the socket peer when the request did not
/// pass the request-context layer.
pub fn client_ip(parts: &Parts) -> IpAddr {
    if let Some(ClientIp(ip)) = parts.extensions.get::<ClientIp>() {
        return *ip;
    }
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()).unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

/// The page a list request asks for (`?cursor=…&limit=…` or `?page=N`); a forged cursor or
/// an impossible page number answers 400.
pub struct Paged(pub vanguard_domain::kernel::paging::PageRequest);

impl<S: Send + Sync> FromRequestParts<S> for Paged {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        use vanguard_domain::kernel::paging::{PageQuery, PageRequest};
        let QueryParams(q) = QueryParams::<PageQuery>::from_request_parts(parts, state).await?;
        PageRequest::from_query(&q).map(Paged).map_err(|e| ApiError::bad_request("page.invalid", e.message()))
    }
}
