//! The stylesheet and scripts, compiled into the binary so that `beh` runs from anywhere.

use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

const CSS: &str = include_str!("../../static/beh.css");
const ATTEST_JS: &str = include_str!("../../static/attest.js");
const DEMO_SIGNER_JS: &str = include_str!("../../static/demo-signer.js");

/// GET /static/{file}
pub async fn file(State(s): State<AppState>, Path(name): Path<String>) -> Response {
    let (body, mime) = match name.as_str() {
        "beh.css" => (CSS, "text/css; charset=utf-8"),
        "attest.js" => (ATTEST_JS, "text/javascript; charset=utf-8"),
        // The demo signer holds no key itself, but it only makes sense where the demo key
        // route exists.
        "demo-signer.js" if s.demo => (DEMO_SIGNER_JS, "text/javascript; charset=utf-8"),
        _ => return (StatusCode::NOT_FOUND, "Filen finns inte.").into_response(),
    };
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    r
}
