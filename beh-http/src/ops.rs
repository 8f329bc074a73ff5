//! Liveness, readiness and metrics.

use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;

/// GET /healthz: the process answers.
pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// GET /readyz: the database and the directory answer.
pub async fn readyz(State(s): State<AppState>) -> impl IntoResponse {
    match s.service.ready().await {
        Ok(()) => (StatusCode::OK, Json(json!({"status": "ready"}))),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, Json(e.to_document())),
    }
}

/// GET /metrics: Prometheus text.
pub async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], s.metrics.render())
}
