//! The web pages of the guide, in Swedish, rendered on the server with askama templates.
//!
//! Thin handlers as in the API: read the form, call one `OrderService` function, render. Every
//! state-changing form posts `application/x-www-form-urlencoded` with the caller's CSRF token
//! (checked in constant time); JavaScript is used only for signing on the attest page.

mod assets;
mod attest;
mod login;
mod orders;
mod wizard;

use crate::auth::{Authed, MaybeAuthed, Via};
use crate::state::AppState;
use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use beh_core::{Code, Error, ErrorClass};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// The routes of the web pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/logga-in", get(login::page))
        .route("/logga-in/demo", post(login::demo))
        .route("/logga-ut", post(login::logout))
        .route("/bestall", get(wizard::start).post(wizard::step))
        .route("/kvitto/{order_number}", get(wizard::receipt))
        .route("/attestera", get(attest::inbox))
        .route("/attest/{order_number}", get(attest::page).post(attest::act))
        .route("/bestallningar", get(orders::history))
        .route("/servicedesk", get(orders::service_desk))
        .route("/orders/{order_number}", get(orders::detail))
        .route("/orders/{order_number}/attestant", post(orders::change_attestant))
        .route("/orders/{order_number}/makulera", post(orders::withdraw))
        .route("/orders/{order_number}/avsluta", post(orders::complete))
        .route("/orders/{order_number}/inloggningsuppgifter", get(orders::credentials))
        .route("/static/{file}", get(assets::file))
}

async fn home(v: Option<Viewer>) -> Redirect {
    match v {
        None => Redirect::to("/logga-in"),
        Some(v) if v.authed.actor.is_service_desk() => Redirect::to("/servicedesk"),
        Some(_) => Redirect::to("/bestall"),
    }
}

/// What every page shows around its content: who is logged in, the menu and the CSRF token
/// for the forms of the header (Logga ut).
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// The page title.
    pub title: String,
    /// "Förnamn Efternamn (vgr-id)" of the logged-in person.
    pub user: Option<String>,
    /// The CSRF token of the session.
    pub csrf: String,
    /// Whether to show "Ny beställning" (the person may order).
    pub orderer: bool,
    /// Whether to show "Att attestera".
    pub attestant: bool,
    /// Whether to show the service desk's list.
    pub service_desk: bool,
    /// Which menu entry is current.
    pub active: &'static str,
}

/// The logged-in caller of a page; pages without one redirect to the login page.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The caller.
    pub authed: Authed,
    /// The CSRF token expected in the caller's forms.
    pub csrf: String,
}

impl Viewer {
    /// The layout of a page for this viewer.
    pub fn layout(&self, title: impl Into<String>, active: &'static str) -> Layout {
        let p = &self.authed.actor.person;
        Layout {
            title: title.into(),
            user: Some(p.display()),
            csrf: self.csrf.clone(),
            orderer: !p.administrations.is_empty(),
            attestant: !p.attest_for.is_empty(),
            service_desk: p.service_desk,
            active,
        }
    }

    /// The actor.
    pub fn actor(&self) -> &beh_core::Actor {
        &self.authed.actor
    }
}

/// The CSRF token of a caller: the session's own token, or for certificate and token callers
/// (no session) a keyed digest of their HSA-id that a cross-site page cannot compute.
fn csrf_token(state: &AppState, authed: &Authed) -> String {
    match &authed.via {
        Via::Session { csrf } => csrf.clone(),
        Via::Certificate | Via::Token => {
            let mut input = state.key.signing().to_vec();
            input.extend_from_slice(b"\0csrf\0");
            input.extend_from_slice(authed.actor.hsa_id().as_str().as_bytes());
            crate::util::sha256_hex(&input)
        }
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        match parts.extensions.get::<MaybeAuthed>() {
            Some(MaybeAuthed(Some(a))) => {
                Ok(Viewer { csrf: csrf_token(state, a), authed: a.clone() })
            }
            _ => Err(PageError::Login),
        }
    }
}

impl axum::extract::OptionalFromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, PageError> {
        Ok(<Viewer as FromRequestParts<AppState>>::from_request_parts(parts, state).await.ok())
    }
}

/// Compares two texts in constant time (for their common length; lengths are not secret).
fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A posted form, as ordered name/value pairs (checkboxes repeat a name).
#[derive(Debug, Clone, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    /// The first value of `name`, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_default()
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    /// Whether the form carries the viewer's CSRF token.
    pub fn check_csrf(&self, viewer: &Viewer) -> Result<(), PageError> {
        if !viewer.csrf.is_empty() && constant_time_eq(self.get("csrf"), &viewer.csrf) {
            Ok(())
        } else {
            tracing::warn!(actor = %viewer.actor().hsa_id(), "form refused: CSRF token missing or wrong");
            Err(PageError::Message {
                status: StatusCode::FORBIDDEN,
                title: "Formuläret kunde inte tas emot".to_owned(),
                messages: vec![
                    "Formuläret saknar giltig säkerhetskod (CSRF). Ladda om sidan och försök igen."
                        .to_owned(),
                ],
            })
        }
    }
}

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, PageError> {
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
        let bad = |m: &str| PageError::Message {
            status: StatusCode::BAD_REQUEST,
            title: "Formuläret kunde inte tas emot".to_owned(),
            messages: vec![m.to_owned()],
        };
        if !is_form {
            return Err(bad("Formuläret skickades i fel format."));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| bad("Formuläret kunde inte läsas."))?;
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .map(FormData)
            .map_err(|_| bad("Formuläret kunde inte läsas."))
    }
}

/// A page that could not be shown: a redirect to the login page, or a Swedish error page.
#[derive(Debug)]
pub enum PageError {
    /// Not logged in: go to Inloggning.
    Login,
    /// An error page.
    Message {
        /// The status.
        status: StatusCode,
        /// The heading.
        title: String,
        /// The messages, in Swedish.
        messages: Vec<String>,
    },
}

impl From<Error> for PageError {
    fn from(e: Error) -> Self {
        if e.class == ErrorClass::Unauthenticated {
            return PageError::Login;
        }
        let status = crate::error::status_of(e.class);
        let title = match e.primary() {
            Code::OrderNotFound => "Beställningen finns inte",
            Code::Forbidden | Code::NotAttestant => "Åtkomst nekad",
            _ if e.class == ErrorClass::Unavailable => "Tjänsten är inte tillgänglig",
            _ => "Det gick inte att utföra",
        };
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), code = %e.primary(), "page failed");
        }
        PageError::Message {
            status,
            title: title.to_owned(),
            messages: e.violations.into_iter().map(|v| v.message).collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
#[allow(missing_docs)]
struct ErrorPage {
    l: Layout,
    messages: Vec<String>,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Login => Redirect::to("/logga-in").into_response(),
            PageError::Message { status, title, messages } => {
                let page = ErrorPage { l: Layout { title, ..Layout::default() }, messages };
                let mut r = html(&page);
                *r.status_mut() = status;
                r
            }
        }
    }
}

/// The result of a page handler.
pub type PageResult<T = Response> = Result<T, PageError>;

/// Renders a template as an HTML response with the pages' security headers.
pub fn html<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(body) => {
            let mut r = axum::response::Html(body).into_response();
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
                ),
            );
            h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Ett internt fel inträffade.").into_response()
        }
    }
}

/// A timestamp as the guide shows it: `2011-01-31 11:28:27`, Europe/Stockholm.
pub fn fmt_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Europe::Stockholm).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Error messages per form field (the field paths of `beh_core::Violation`, mapped to the
/// page's field names).
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(pub BTreeMap<String, Vec<String>>);

impl FieldErrors {
    /// The messages of `field`.
    pub fn at(&self, field: &str) -> Vec<String> {
        self.0.get(field).cloned().unwrap_or_default()
    }

    /// Whether `field` has an error.
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// Adds a message.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        let m = message.into();
        let list = self.0.entry(field.to_owned()).or_default();
        if !list.contains(&m) {
            list.push(m);
        }
    }

    /// Whether there is no error.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A person's line in a table: "Förnamn Efternamn (vgr-id)".
pub fn person(p: &beh_core::order::PersonRef) -> String {
    p.display()
}
