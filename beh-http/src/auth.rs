//! Who is calling: the service desk's bearer token, a SITHS client certificate (mTLS on the
//! server, or forwarded by a trusted reverse proxy), or a session cookie. Resolved once per
//! request by [`identify`]; every refused authorization is logged with who, what and when.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, PrivateCookieJar, SameSite};
use beh_core::id::HsaId;
use beh_core::{Actor, Code};
use chrono::{DateTime, Utc};
use std::net::SocketAddr;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "beh_session";

/// Checks a SITHS authentication certificate chain for login (beh-sign implements it).
pub trait CertificateLogin: Send + Sync {
    /// The holder's HSA-id when `chain` (DER, leaf first) is a valid SITHS authentication
    /// certificate at `now`; otherwise the R13 code of the first problem.
    fn login(&self, chain: &[Vec<u8>], now: DateTime<Utc>) -> Result<HsaId, Code>;
}

/// The client certificates of an mTLS connection (DER, leaf first), put in each request's
/// extensions by the TLS accept loop.
#[derive(Clone, Debug, Default)]
pub struct PeerCertificates(pub Vec<Vec<u8>>);

/// How the caller proved who they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    /// A session cookie, with its CSRF token for HTML forms.
    Session {
        /// The session's CSRF token.
        csrf: String,
    },
    /// The service desk's bearer token.
    Token,
    /// A client certificate.
    Certificate,
}

/// The authenticated caller, resolved by the middleware.
#[derive(Clone, Debug)]
pub struct Authed {
    /// The actor.
    pub actor: Actor,
    /// How.
    pub via: Via,
}

/// The caller if any (put in request extensions by [`identify`]).
#[derive(Clone, Debug, Default)]
pub struct MaybeAuthed(pub Option<Authed>);

impl<S: Send + Sync> FromRequestParts<S> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<MaybeAuthed>() {
            Some(MaybeAuthed(Some(a))) => Ok(a.clone()),
            _ => Err(ApiError::with_status(
                StatusCode::UNAUTHORIZED,
                Code::Unauthenticated,
                None,
                "Du är inte inloggad. Logga in med ditt SITHS-kort.",
            )),
        }
    }
}

/// Session content inside the encrypted cookie.
#[derive(serde::Serialize, serde::Deserialize)]
struct SessionData {
    h: String,
    e: i64,
    c: String,
}

/// Makes the session cookie for `hsa_id` (HttpOnly, SameSite=Strict, Secure outside demo).
pub fn session_cookie(state: &AppState, hsa_id: &HsaId, now: DateTime<Utc>) -> Cookie<'static> {
    let data = SessionData {
        h: hsa_id.to_string(),
        e: (now + chrono::Duration::hours(state.config.auth.session_hours)).timestamp(),
        c: crate::util::random_id(),
    };
    let value = serde_json::to_string(&data).unwrap_or_default();
    Cookie::build((SESSION_COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(!state.demo)
        .path("/")
        .max_age(time_duration(state.config.auth.session_hours))
        .build()
}

fn time_duration(hours: i64) -> cookie::time::Duration {
    cookie::time::Duration::hours(hours)
}

/// The cookie that ends a session.
pub fn logout_cookie() -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, "")).path("/").max_age(time_duration(0)).build()
}

async fn resolve(state: &AppState, parts: &mut Parts) -> Result<Option<Authed>, ApiError> {
    let now = Utc::now();
    // 1. Service desk bearer token.
    if let Some(token) = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        let digest = crate::util::sha256_hex(token.trim().as_bytes());
        let found = state.config.auth.service_desk_tokens.iter().find(|t| {
            // Compare digests of equal length in constant time.
            t.token_sha256.len() == digest.len()
                && t.token_sha256.bytes().zip(digest.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        });
        let Some(found) = found else {
            return Err(unauthenticated("Ogiltig token."));
        };
        let actor = state.service.actor(&found.hsa_id).await.map_err(ApiError::from)?;
        return Ok(Some(Authed { actor, via: Via::Token }));
    }
    // 2. Client certificate: from our own TLS, or from a trusted proxy.
    let mut chain =
        parts.extensions.get::<PeerCertificates>().map(|p| p.0.clone()).unwrap_or_default();
    if chain.is_empty() {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        if let Some(value) = parts.headers.get(state.config.auth.proxy_certificate_header.as_str())
        {
            if !peer.is_some_and(|ip| state.config.auth.trusted_proxies.contains(&ip)) {
                tracing::warn!(peer = ?peer, "client certificate header from an untrusted address ignored");
            } else if let Ok(text) = value.to_str() {
                let pem =
                    percent_encoding::percent_decode_str(text).decode_utf8_lossy().to_string();
                chain = crate::pem::certificates(&pem);
                if chain.is_empty() {
                    return Err(unauthenticated("Certifikatet kunde inte läsas."));
                }
            }
        }
    }
    if !chain.is_empty() {
        let Some(login) = &state.cert_login else {
            return Err(unauthenticated("Inloggning med certifikat är inte konfigurerad."));
        };
        let hsa = login.login(&chain, now).map_err(|code| {
            tracing::warn!(code = %code, "client certificate refused");
            ApiError::with_status(StatusCode::UNAUTHORIZED, code, None, code.default_message())
        })?;
        let actor = state.service.actor(hsa.as_str()).await.map_err(ApiError::from)?;
        return Ok(Some(Authed { actor, via: Via::Certificate }));
    }
    // 3. Session cookie.
    let jar = PrivateCookieJar::from_headers(&parts.headers, state.key.clone());
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        if let Ok(data) = serde_json::from_str::<SessionData>(cookie.value()) {
            if data.e > now.timestamp() {
                match state.service.actor(&data.h).await {
                    Ok(actor) => {
                        return Ok(Some(Authed { actor, via: Via::Session { csrf: data.c } }))
                    }
                    Err(e) if e.class == beh_core::ErrorClass::Unavailable => return Err(e.into()),
                    Err(_) => {}
                }
            }
        }
    }
    Ok(None)
}

fn unauthenticated(message: &str) -> ApiError {
    ApiError::with_status(StatusCode::UNAUTHORIZED, Code::Unauthenticated, None, message)
}

/// Middleware: resolves the caller once, and logs every refused authorization (401, 403, and
/// 404 on orders) with who, what and when.
pub async fn identify(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let who = match resolve(&state, &mut parts).await {
        Ok(w) => w,
        Err(e) => {
            use axum::response::IntoResponse;
            log_refusal(None, &parts, e.status);
            return e.into_response();
        }
    };
    let who_id = who.as_ref().map(|a| a.actor.hsa_id().to_string());
    parts.extensions.insert(MaybeAuthed(who));
    let method = parts.method.clone();
    let path = parts.uri.path().to_owned();
    let response = next.run(Request::from_parts(parts, body)).await;
    let status = response.status();
    if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
        || (status == StatusCode::NOT_FOUND && path.starts_with("/api/v1/orders/"))
        || (status == StatusCode::NOT_FOUND && path.starts_with("/orders/"))
    {
        tracing::warn!(
            actor = who_id.as_deref().unwrap_or("-"),
            method = %method,
            path = %crate::util::log_safe(&path),
            status = status.as_u16(),
            at = %Utc::now().to_rfc3339(),
            "authorization refused"
        );
    }
    response
}

fn log_refusal(who: Option<&str>, parts: &Parts, status: StatusCode) {
    tracing::warn!(
        actor = who.unwrap_or("-"),
        method = %parts.method,
        path = %crate::util::log_safe(parts.uri.path()),
        status = status.as_u16(),
        at = %Utc::now().to_rfc3339(),
        "authentication refused"
    );
}
