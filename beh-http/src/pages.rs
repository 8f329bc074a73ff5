//! The web pages (issue 7).

use crate::state::AppState;
use axum::Router;

/// The routes of the web pages.
pub fn routes() -> Router<AppState> {
    Router::new()
}
