//! The attestant's pages: Nya beställningar att attestera, and Attest av beställning cNNNN with
//! Ta bort markerade, Kommentar vid avslag, Godkänn (signed in the browser by `attest.js`
//! through `window.behSigner` and the JSON API) and Avslå.

use super::orders::{line_rows, LineRow, OrderRow};
use super::{fmt_time, html, FormData, Layout, PageResult, Viewer};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use beh_core::id::OrderNumber;
use beh_core::order::{OrderStatus, OrderView};
use beh_core::{Code, Error};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "inbox.html")]
#[allow(missing_docs)]
struct InboxPage {
    l: Layout,
    rows: Vec<OrderRow>,
    total: u64,
    page: u32,
    pages: u32,
}

/// `?sida=…`
#[derive(Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    sida: Option<String>,
}

/// GET /attestera: orders awaiting the viewer's attestation.
pub async fn inbox(State(s): State<AppState>, v: Viewer, Query(q): Query<PageQuery>) -> PageResult {
    let page = q.sida.as_deref().and_then(|p| p.parse().ok()).unwrap_or(1);
    let p = s.service.inbox(v.actor(), page).await?;
    Ok(html(&InboxPage {
        l: v.layout("Nya beställningar att attestera", "attest"),
        rows: p.items.iter().map(|o| OrderRow::of(&s, o, v.actor(), "/attest")).collect(),
        total: p.total,
        page: p.page,
        pages: p.pages.max(1),
    }))
}

#[derive(Template)]
#[template(path = "attest.html")]
#[allow(missing_docs)]
struct AttestPage {
    l: Layout,
    number: String,
    end_user: String,
    orderer: String,
    ordered_at: String,
    status: String,
    kind: String,
    administration: String,
    project: String,
    start_date: String,
    lines: Vec<LineRow>,
    removed: Vec<u32>,
    comment: String,
    can_decide: bool,
    reason: String,
    error: String,
    done: String,
    demo: bool,
}

async fn render(
    s: &AppState,
    v: &Viewer,
    o: &OrderView,
    removed: Vec<u32>,
    comment: String,
    error: String,
    done: String,
) -> PageResult {
    let is_attestant = !v.actor().is_service_desk() && &o.attestant.hsa_id == v.actor().hsa_id();
    let awaiting = o.status == OrderStatus::AwaitingAttestation;
    let reason = if !is_attestant {
        "Du är inte attestant för beställningen.".to_owned()
    } else if !awaiting {
        format!("Beställningen är inte längre väntande på attest (status: {}).", o.status.label())
    } else {
        String::new()
    };
    let cat = s.service.catalog();
    let admin = cat.administration(&o.administration);
    let project = o
        .project
        .as_ref()
        .map(|p| {
            admin
                .and_then(|a| a.projects.iter().find(|c| &c.id == p))
                .map(|c| c.name.clone())
                .unwrap_or_else(|| p.clone())
        })
        .unwrap_or_default();
    let mut lines = line_rows(s, o).await?;
    for l in &mut lines {
        l.marked_removed = removed.contains(&l.id);
    }
    Ok(html(&AttestPage {
        l: v.layout(format!("Attest av beställning {}", o.order_number), "attest"),
        number: o.order_number.to_string(),
        end_user: o.end_user.display(),
        orderer: o.orderer.display(),
        ordered_at: fmt_time(o.ordered_at),
        status: o.status.label().to_owned(),
        kind: o.kind.label().to_owned(),
        administration: admin.map(|a| a.name.clone()).unwrap_or_else(|| o.administration.clone()),
        project,
        start_date: o.start_date.to_string(),
        lines,
        removed,
        comment,
        can_decide: is_attestant && awaiting,
        reason,
        error,
        done,
        demo: s.demo,
    }))
}

fn number(n: &str) -> Result<OrderNumber, Error> {
    OrderNumber::parse(n).map_err(Error::from)
}

/// GET /attest/{n}: the link of the attestant's mail.
pub async fn page(State(s): State<AppState>, v: Viewer, Path(n): Path<String>) -> PageResult {
    let o = s.service.get(v.actor(), number(&n)?).await?;
    render(&s, &v, &o, Vec::new(), String::new(), String::new(), String::new()).await
}

/// POST /attest/{n}: Ta bort markerade (kept in the page until Godkänn signs) or Avslå.
pub async fn act(
    State(s): State<AppState>,
    v: Viewer,
    Path(n): Path<String>,
    form: FormData,
) -> PageResult {
    form.check_csrf(&v)?;
    let n = number(&n)?;
    let o = s.service.get(v.actor(), n).await?;
    let line_ids: Vec<u32> = o.lines.iter().map(|l| l.line_id).collect();
    let parse = |name: &str| -> Vec<u32> {
        form.all(name)
            .into_iter()
            .filter_map(|x| x.parse().ok())
            .filter(|id| line_ids.contains(id))
            .collect()
    };
    let mut removed = parse("removed");
    let comment = form.get("comment").to_owned();
    match form.get("action") {
        "remove" => {
            let mut error = String::new();
            let mut next = removed.clone();
            for id in parse("line") {
                if !next.contains(&id) {
                    next.push(id);
                }
            }
            if next.len() >= line_ids.len() {
                error = Code::NothingToApprove.default_message().to_owned();
            } else {
                removed = next;
            }
            removed.sort_unstable();
            render(&s, &v, &o, removed, comment, error, String::new()).await
        }
        "undo" => render(&s, &v, &o, Vec::new(), comment, String::new(), String::new()).await,
        "reject" => match s.service.reject(v.actor(), n, Some(&comment)).await {
            Ok(_) => {
                let o = s.service.get(v.actor(), n).await?;
                render(&s, &v, &o, Vec::new(), String::new(), String::new(), "Beställningen avslogs. Beställaren får ett e-postmeddelande med din kommentar.".to_owned()).await
            }
            Err(e) if e.class == beh_core::ErrorClass::Unavailable => Err(e.into()),
            Err(e) => {
                let msg = e.violations.iter().map(|v| v.message.clone()).collect::<Vec<_>>();
                render(&s, &v, &o, removed, comment, msg.join(" "), String::new()).await
            }
        },
        _ => render(&s, &v, &o, removed, comment, String::new(), String::new()).await,
    }
}
