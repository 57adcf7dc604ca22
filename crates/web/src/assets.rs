//! Static assets, embedded in the binary: nothing is loaded from the internet.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

struct Asset {
    name: &'static str,
    mime: &'static str,
    body: &'static [u8],
    gzip: Option<&'static [u8]>,
}

const ASSETS: &[Asset] = &[
    Asset { name: "app.css", mime: "text/css; charset=utf-8", body: include_bytes!("../../../assets/app.css"), gzip: None },
    Asset { name: "app.js", mime: "text/javascript; charset=utf-8", body: include_bytes!("../../../assets/app.js"), gzip: None },
    Asset {
        name: "htmx.min.js",
        mime: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../assets/vendor/htmx-2.0.11.min.js"),
        gzip: Some(include_bytes!("../../../assets/vendor/htmx-2.0.11.min.js.gz")),
    },
    Asset {
        name: "echarts.min.js",
        mime: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../assets/vendor/echarts-5.6.0.min.js"),
        gzip: Some(include_bytes!("../../../assets/vendor/echarts-5.6.0.min.js.gz")),
    },
];

pub async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    let Some(a) = ASSETS.iter().find(|a| a.name == name) else {
        return (StatusCode::NOT_FOUND, "没有这个文件").into_response();
    };
    let accepts_gzip = headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("gzip"));
    let mut res = match (a.gzip, accepts_gzip) {
        (Some(gz), true) => {
            let mut r = gz.into_response();
            r.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            r
        }
        _ => a.body.into_response(),
    };
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(a.mime));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    res
}
