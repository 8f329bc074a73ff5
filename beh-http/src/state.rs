//! The shared state of the server and its router.

use crate::auth::CertificateLogin;
use crate::config::Config;
use crate::error::ApiError;
use crate::{api, auth, ops};
use axum::extract::FromRef;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::Router;
use axum_extra::extract::cookie::Key;
use beh_core::ports::Outbox;
use beh_core::{Code, OrderService};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::time::Duration;

/// Counters exported at `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Orders submitted.
    pub orders_submitted: Counter,
    /// Orders attested with a signature.
    pub orders_attested: Counter,
    /// Orders completed by the service desk.
    pub orders_completed: Counter,
    /// Outbox messages delivered.
    pub outbox_delivered: Counter,
    /// Outbox delivery attempts that failed.
    pub outbox_failed: Counter,
    /// Outbox messages given up (dead letters).
    pub outbox_dead: Counter,
}

impl Metrics {
    /// The registry of these counters, in Prometheus text.
    pub fn render(&self) -> String {
        let mut r = Registry::with_prefix("beh");
        r.register("orders_submitted", "Orders submitted", self.orders_submitted.clone());
        r.register(
            "orders_attested",
            "Orders attested with a signature",
            self.orders_attested.clone(),
        );
        r.register(
            "orders_completed",
            "Orders completed by the service desk",
            self.orders_completed.clone(),
        );
        r.register("outbox_delivered", "Outbox messages delivered", self.outbox_delivered.clone());
        r.register("outbox_failed", "Failed outbox delivery attempts", self.outbox_failed.clone());
        r.register(
            "outbox_dead",
            "Outbox messages moved to the dead-letter state",
            self.outbox_dead.clone(),
        );
        let mut out = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut out, &r);
        out
    }
}

/// What every handler shares.
pub struct Inner {
    /// The use cases.
    pub service: OrderService,
    /// The configuration.
    pub config: Config,
    /// Demo mode.
    pub demo: bool,
    /// Demo signing keys (demo mode only).
    pub demo_keys: Option<crate::demo::DemoKeys>,
    /// Session cookie key.
    pub key: Key,
    /// Client-certificate login.
    pub cert_login: Option<Arc<dyn CertificateLogin>>,
    /// The outbox (workers).
    pub outbox: Arc<dyn Outbox>,
    /// Counters.
    pub metrics: Metrics,
}

/// The state handlers get (cheap to clone).
#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl FromRef<AppState> for Key {
    fn from_ref(s: &AppState) -> Key {
        s.key.clone()
    }
}

async fn not_found() -> ApiError {
    ApiError::with_status(
        StatusCode::NOT_FOUND,
        Code::BadRequest,
        None,
        "Sidan eller resursen finns inte.",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::with_status(
        StatusCode::METHOD_NOT_ALLOWED,
        Code::BadRequest,
        None,
        "Metoden stöds inte här.",
    )
}

/// The router of the whole server.
pub fn router(state: AppState) -> Router {
    let mut api = Router::new()
        .route("/me", get(api::me))
        .route("/persons", get(api::persons))
        .route("/persons/{hsa_id}/permissions", get(api::holdings))
        .route("/administrations", get(api::administrations))
        .route("/catalog", get(api::catalog))
        .route("/attestants", get(api::attestants))
        .route("/care-units", get(api::care_units))
        .route("/orders/validate", post(api::validate))
        .route("/orders", post(api::submit).get(api::search))
        .route("/orders/{order_number}", get(api::get))
        .route("/orders/{order_number}/attestant", put(api::change_attestant))
        .route("/orders/{order_number}/attestation/challenge", post(api::challenge))
        .route("/orders/{order_number}/attestation", post(api::attest))
        .route("/orders/{order_number}/rejection", post(api::reject))
        .route("/orders/{order_number}/withdrawal", post(api::withdraw))
        .route("/orders/{order_number}/completion", post(api::complete))
        .route("/orders/{order_number}/audit", get(api::audit))
        .route("/logout", post(api::logout))
        .route("/openapi.json", get(crate::openapi::document));
    if state.demo {
        api = api
            .route("/demo/login", post(api::demo_login))
            .route("/demo/signing-key", get(api::demo_signing_key));
    }
    let api = api.method_not_allowed_fallback(method_not_allowed);
    let limits = &state.config.limits;
    Router::new()
        .nest("/api/v1", api)
        .merge(crate::pages::routes())
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::identify))
        .layer(axum::extract::DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(limits.request_timeout_secs),
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(
            |req: &axum::http::Request<_>| {
                tracing::info_span!("request", method = %req.method(), path = %crate::util::log_safe(req.uri().path()))
            },
        ))
        .with_state(state)
}
