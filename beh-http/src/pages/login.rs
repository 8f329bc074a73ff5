//! Inloggning: the SITHS card in production; in demo mode a list of demo people to choose
//! from. Logga ut ends the session.

use super::{html, FormData, Layout, PageError, PageResult, Viewer};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::PrivateCookieJar;

/// One demo person on the login page.
#[derive(Debug, Clone)]
pub struct DemoChoice {
    /// HSA-id.
    pub hsa_id: String,
    /// "Förnamn Efternamn (vgr-id)".
    pub name: String,
    /// What the person does in the demo.
    pub role: String,
}

#[derive(Template)]
#[template(path = "login.html")]
#[allow(missing_docs)]
struct LoginPage {
    l: Layout,
    demo: bool,
    people: Vec<DemoChoice>,
    logged_out: bool,
}

fn demo_people() -> Vec<DemoChoice> {
    beh_core::directory::DirectoryData::demo()
        .persons
        .into_iter()
        .map(|p| {
            let mut roles = Vec::new();
            if !p.administrations.is_empty() {
                roles.push(format!("beställare ({})", p.administrations.join(", ")));
            }
            if !p.attest_for.is_empty() {
                roles.push(format!("attestant ({})", p.attest_for.join(", ")));
            }
            if p.service_desk {
                roles.push("servicedesk".to_owned());
            }
            if roles.is_empty() {
                roles.push(p.title.clone().unwrap_or_else(|| "slutanvändare".to_owned()));
            }
            DemoChoice { hsa_id: p.hsa_id.to_string(), name: p.display(), role: roles.join(", ") }
        })
        .collect()
}

/// GET /logga-in
pub async fn page(State(s): State<AppState>, v: Option<Viewer>) -> Response {
    if v.is_some() {
        return Redirect::to("/").into_response();
    }
    html(&LoginPage {
        l: Layout { title: "Inloggning".to_owned(), ..Layout::default() },
        demo: s.demo,
        people: if s.demo { demo_people() } else { Vec::new() },
        logged_out: false,
    })
}

/// POST /logga-in/demo (demo mode only): a session for the chosen demo person.
pub async fn demo(State(s): State<AppState>, jar: PrivateCookieJar, form: FormData) -> PageResult {
    if !s.demo {
        return Err(PageError::Message {
            status: axum::http::StatusCode::NOT_FOUND,
            title: "Sidan finns inte".to_owned(),
            messages: vec!["Demoinloggning finns bara i demoläge.".to_owned()],
        });
    }
    let actor = s.service.actor(form.get("hsa_id")).await?;
    let cookie = crate::auth::session_cookie(&s, actor.hsa_id(), chrono::Utc::now());
    tracing::info!(actor = %actor.hsa_id(), "demo login (page)");
    Ok((jar.add(cookie), Redirect::to("/")).into_response())
}

/// POST /logga-ut
pub async fn logout(
    State(s): State<AppState>,
    v: Viewer,
    jar: PrivateCookieJar,
    form: FormData,
) -> PageResult {
    form.check_csrf(&v)?;
    let page = LoginPage {
        l: Layout { title: "Du är utloggad".to_owned(), ..Layout::default() },
        demo: s.demo,
        people: if s.demo { demo_people() } else { Vec::new() },
        logged_out: true,
    };
    Ok((jar.remove(crate::auth::logout_cookie()), html(&page)).into_response())
}
