//! Extractors that answer malformed input with the contract's error document (400, 413, 415),
//! never with axum's plain-text rejections.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use beh_core::id::OrderNumber;
use beh_core::Code;
use serde::de::DeserializeOwned;

/// A JSON body: requires `Content-Type: application/json` (which no cross-site form can send)
/// and names the field of a type error.
pub struct ApiJson<T>(pub T);

/// Whether the request says it carries JSON.
pub fn is_json(parts_headers: &axum::http::HeaderMap) -> bool {
    parts_headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ApiError::with_status(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Code::BadRequest,
                None,
                "Begäran måste ha Content-Type: application/json.",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::with_status(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    Code::BadRequest,
                    None,
                    "Begäran är för stor.",
                )
            } else {
                ApiError::bad_request(None, "Begäran kunde inte läsas.")
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses JSON, naming the path of the first problem.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let field = (path != "." && !path.is_empty()).then_some(path);
        let inner = e.into_inner();
        let message = if inner.is_syntax() || inner.is_eof() {
            "Felaktig JSON.".to_owned()
        } else {
            format!("Fel typ eller värde: {}", crate::util::log_safe(&inner.to_string()))
        };
        ApiError::bad_request(field.as_deref(), message)
    })
}

/// Query parameters, with 400 `bad_request` for values of the wrong form.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(q).map(ApiQuery).map_err(|e| {
            ApiError::bad_request(
                None,
                format!("Felaktig fråga: {}", crate::util::log_safe(&e.to_string())),
            )
        })
    }
}

/// Parses the `{order_number}` path segment; anything that cannot be an order number is
/// `order_not_found`, as an order the caller may not see.
pub fn order_number(text: &str) -> Result<OrderNumber, ApiError> {
    OrderNumber::parse(text).map_err(|v| ApiError::from(beh_core::Error::from(v)))
}
