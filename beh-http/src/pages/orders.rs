//! Tidigare beställningar (search and paging), the order detail with Byt attestant and Stäng
//! fönster, Inloggningsuppgifter (the orderer only, R15), and the service desk's list and
//! completion form.

use super::{fmt_time, html, FormData, Layout, PageError, PageResult, Viewer};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use beh_core::catalog::DetailValue;
use beh_core::id::OrderNumber;
use beh_core::order::{LineState, OrderKind, OrderStatus, OrderView};
use beh_core::ports::{OrderQuery, Visibility};
use beh_core::{Actor, Error, ErrorClass};
use chrono::NaiveDate;
use serde::Deserialize;

/// One order in a list.
#[derive(Debug, Clone)]
pub struct OrderRow {
    /// Beställd.
    pub ordered_at: String,
    /// Ordernummer.
    pub number: String,
    /// Where the number links to.
    pub href: String,
    /// Beställare.
    pub orderer: String,
    /// Slutanvändare.
    pub end_user: String,
    /// Status.
    pub status: String,
    /// Typ.
    pub kind: String,
    /// Whether the viewer may read credentials (the orderer, when there are any).
    pub credentials: bool,
}

impl OrderRow {
    /// The row of `o` for `actor`; the number links to `{base}/{number}`.
    pub fn of(_s: &AppState, o: &OrderView, actor: &Actor, base: &str) -> OrderRow {
        OrderRow {
            ordered_at: fmt_time(o.ordered_at),
            number: o.order_number.to_string(),
            href: format!("{base}/{}", o.order_number),
            orderer: o.orderer.display(),
            end_user: o.end_user.display(),
            status: o.status.label().to_owned(),
            kind: o.kind.label().to_owned(),
            credentials: o.has_credentials
                && !actor.is_service_desk()
                && &o.orderer.hsa_id == actor.hsa_id(),
        }
    }
}

/// One permission of an order.
#[derive(Debug, Clone)]
pub struct LineRow {
    /// Line id.
    pub id: u32,
    /// Permission name.
    pub name: String,
    /// Uppgifter.
    pub details: String,
    /// "Borttagen" when the attestant removed it.
    pub state: String,
    /// Marked for removal on the attest page (not yet signed).
    pub marked_removed: bool,
}

/// The lines of an order with their details and care units by name.
pub async fn line_rows(s: &AppState, o: &OrderView) -> PageResult<Vec<LineRow>> {
    let mut rows = Vec::new();
    for l in &o.lines {
        let perm = s.service.catalog().permission(&l.permission);
        // In the order of the permission's schema (Behörighetsroll before Avdelning(ar)).
        let mut details: Vec<_> = l.details.iter().collect();
        details.sort_by_key(|(k, _)| {
            perm.and_then(|p| p.details.iter().position(|d| &d.key == *k)).unwrap_or(usize::MAX)
        });
        let mut parts: Vec<String> = details
            .into_iter()
            .map(|(k, v)| {
                let label = perm
                    .and_then(|p| p.details.iter().find(|d| &d.key == k))
                    .map(|d| d.label.clone())
                    .unwrap_or_else(|| k.clone());
                let value = match v {
                    DetailValue::One(t) => t.clone(),
                    DetailValue::Many(ts) => ts.join(" "),
                };
                format!("{label}: {value}")
            })
            .collect();
        for (i, u) in l.care_units.iter().enumerate() {
            let name = s.service.ports().directory.unit(u).await?.map(|u| u.name);
            parts.push(format!("Vårdenhet {}: {}", i + 1, name.unwrap_or_else(|| u.to_string())));
        }
        rows.push(LineRow {
            id: l.line_id,
            name: l.name.clone(),
            details: parts.join(", "),
            state: match l.state {
                LineState::Removed => "Borttagen av attestanten".to_owned(),
                _ => String::new(),
            },
            marked_removed: false,
        });
    }
    Ok(rows)
}

/// An option of a select.
#[derive(Debug, Clone)]
pub struct Opt {
    /// Value.
    pub value: String,
    /// Label.
    pub label: String,
    /// Selected.
    pub selected: bool,
}

fn options(all: &str, items: Vec<(String, String)>, current: &str) -> Vec<Opt> {
    std::iter::once((String::new(), all.to_owned()))
        .chain(items)
        .map(|(value, label)| Opt { selected: value == current, value, label })
        .collect()
}

/// The search options of Tidigare beställningar (all text, so a bad value is shown, not
/// refused).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SearchForm {
    status: String,
    typ: String,
    slutanvandare: String,
    ordernummer: String,
    fran: String,
    till: String,
    sida: String,
    per_sida: String,
}

impl SearchForm {
    fn query(&self, errors: &mut Vec<String>) -> OrderQuery {
        let mut q = OrderQuery::all(Visibility::ServiceDesk);
        q.status = OrderStatus::parse(&self.status);
        q.kind = OrderKind::parse(&self.typ);
        q.end_user = Some(self.slutanvandare.trim().to_owned()).filter(|t| !t.is_empty());
        let n = self.ordernummer.trim();
        if !n.is_empty() {
            match OrderNumber::parse(n) {
                Ok(n) => q.order_number = Some(n),
                Err(_) => errors.push("Ordernummer ska skrivas som c följt av siffror.".to_owned()),
            }
        }
        let mut date = |t: &str, label: &str| {
            let t = t.trim();
            if t.is_empty() {
                return None;
            }
            let d = NaiveDate::parse_from_str(t, "%Y-%m-%d").ok();
            if d.is_none() {
                errors.push(format!("{label}: ange datum som ÅÅÅÅ-MM-DD."));
            }
            d
        };
        q.from = date(&self.fran, "Från");
        q.to = date(&self.till, "Till");
        q.page = self.sida.trim().parse().unwrap_or(1).max(1);
        q.per_page = self.per_sida.trim().parse().unwrap_or(20).clamp(1, 100);
        q
    }

    fn link(&self, page: u32) -> String {
        let pairs = [
            ("status", self.status.as_str()),
            ("typ", &self.typ),
            ("slutanvandare", &self.slutanvandare),
            ("ordernummer", &self.ordernummer),
            ("fran", &self.fran),
            ("till", &self.till),
            ("per_sida", &self.per_sida),
        ];
        let mut ser = form_urlencoded_pairs(pairs.iter().filter(|(_, v)| !v.is_empty()));
        if !ser.is_empty() {
            ser.push('&');
        }
        format!("/bestallningar?{ser}sida={page}")
    }
}

fn form_urlencoded_pairs<'a>(pairs: impl Iterator<Item = &'a (&'a str, &'a str)>) -> String {
    let v: Vec<(&str, &str)> = pairs.map(|(k, v)| (*k, *v)).collect();
    serde_urlencoded::to_string(v).unwrap_or_default()
}

/// A link of the pager.
#[derive(Debug, Clone)]
pub struct PageLink {
    /// The page number.
    pub page: u32,
    /// Where it goes.
    pub href: String,
    /// Whether it is the current page.
    pub current: bool,
}

#[derive(Template)]
#[template(path = "history.html")]
#[allow(missing_docs)]
struct HistoryPage {
    l: Layout,
    heading: String,
    rows: Vec<OrderRow>,
    total: u64,
    page: u32,
    pages: u32,
    links: Vec<PageLink>,
    prev: String,
    next: String,
    statuses: Vec<Opt>,
    kinds: Vec<Opt>,
    per_page: Vec<Opt>,
    f: SearchForm,
    errors: Vec<String>,
    searching: bool,
    action: String,
}

async fn list(
    s: &AppState,
    v: &Viewer,
    mut f: SearchForm,
    heading: &str,
    active: &'static str,
    action: &str,
) -> PageResult {
    let mut errors = Vec::new();
    if active == "servicedesk" && f.status.is_empty() {
        f.status = "attested".to_owned();
    }
    let q = f.query(&mut errors);
    let p = s.service.search(v.actor(), q).await?;
    let pages = p.pages.max(1);
    let link = |n: u32| {
        let l = f.link(n);
        if action == "/bestallningar" {
            l
        } else {
            l.replacen("/bestallningar", action, 1)
        }
    };
    let links =
        (1..=pages).map(|n| PageLink { page: n, href: link(n), current: n == p.page }).collect();
    Ok(html(&HistoryPage {
        l: v.layout(heading, active),
        heading: heading.to_owned(),
        rows: p.items.iter().map(|o| OrderRow::of(s, o, v.actor(), "/orders")).collect(),
        total: p.total,
        page: p.page,
        pages,
        links,
        prev: if p.page > 1 { link(p.page - 1) } else { String::new() },
        next: if p.page < pages { link(p.page + 1) } else { String::new() },
        statuses: options(
            "Alla",
            OrderStatus::ALL
                .iter()
                .map(|x| (x.as_str().to_owned(), x.label().to_owned()))
                .collect(),
            &f.status,
        ),
        kinds: options(
            "Alla",
            OrderKind::ALL.iter().map(|x| (x.as_str().to_owned(), x.label().to_owned())).collect(),
            &f.typ,
        ),
        per_page: ["5", "10", "20", "50"]
            .iter()
            .map(|n| Opt {
                value: (*n).to_owned(),
                label: (*n).to_owned(),
                selected: f.per_sida == *n || (f.per_sida.is_empty() && *n == "20"),
            })
            .collect(),
        searching: [&f.typ, &f.slutanvandare, &f.ordernummer, &f.fran, &f.till, &f.per_sida]
            .iter()
            .any(|x| !x.is_empty())
            || (!f.status.is_empty() && active != "servicedesk"),
        f,
        errors,
        action: action.to_owned(),
    }))
}

/// GET /bestallningar: Tidigare beställningar.
pub async fn history(
    State(s): State<AppState>,
    v: Viewer,
    Query(f): Query<SearchForm>,
) -> PageResult {
    list(&s, &v, f, "Tidigare beställningar", "historik", "/bestallningar").await
}

/// GET /servicedesk: attested orders waiting for the service desk.
pub async fn service_desk(
    State(s): State<AppState>,
    v: Viewer,
    Query(f): Query<SearchForm>,
) -> PageResult {
    if !v.actor().is_service_desk() {
        return Err(PageError::Message {
            status: StatusCode::FORBIDDEN,
            title: "Åtkomst nekad".to_owned(),
            messages: vec!["Sidan är till för VGR IT Service Center.".to_owned()],
        });
    }
    list(&s, &v, f, "Attesterade beställningar", "servicedesk", "/servicedesk").await
}

#[derive(Template)]
#[template(path = "order.html")]
#[allow(missing_docs)]
struct OrderPage {
    l: Layout,
    o: Facts,
    lines: Vec<LineRow>,
    attestants: Vec<Opt>,
    can_change_attestant: bool,
    can_withdraw: bool,
    can_attest: bool,
    can_complete: bool,
    credentials_link: bool,
    close_href: String,
    message: String,
    error: String,
}

/// The fields of an order as the detail page shows them.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Ordernummer.
    pub number: String,
    /// Slutanvändare.
    pub end_user: String,
    /// Beställare.
    pub orderer: String,
    /// Förvaltning.
    pub administration: String,
    /// Beställd.
    pub ordered_at: String,
    /// Startdatum.
    pub start_date: String,
    /// Status.
    pub status: String,
    /// Projekt.
    pub project: String,
    /// Typ.
    pub kind: String,
    /// Attestant.
    pub attestant: String,
    /// Arbetsplats.
    pub workplace: String,
    /// Område.
    pub area: String,
    /// Verksamhet.
    pub operation: String,
    /// Kommentar vid avslag.
    pub rejection_comment: String,
    /// Återkopplingsinfo.
    pub completion_note: String,
}

fn facts(s: &AppState, o: &OrderView) -> Facts {
    let admin = s.service.catalog().administration(&o.administration);
    let name = |list: Option<&Vec<beh_core::catalog::Choice>>, id: &str| {
        list.and_then(|l| l.iter().find(|c| c.id == id))
            .map(|c| c.name.clone())
            .unwrap_or_else(|| id.to_owned())
    };
    Facts {
        number: o.order_number.to_string(),
        end_user: o.end_user.display(),
        orderer: o.orderer.display(),
        administration: admin.map(|a| a.name.clone()).unwrap_or_else(|| o.administration.clone()),
        ordered_at: fmt_time(o.ordered_at),
        start_date: o.start_date.to_string(),
        status: o.status.label().to_owned(),
        project: o
            .project
            .as_deref()
            .map(|p| name(admin.map(|a| &a.projects), p))
            .unwrap_or_default(),
        kind: o.kind.label().to_owned(),
        attestant: o.attestant.display(),
        workplace: o.workplace.clone(),
        area: name(admin.map(|a| &a.areas), &o.area),
        operation: name(admin.map(|a| &a.operations), &o.operation),
        rejection_comment: o.rejection_comment.clone().unwrap_or_default(),
        completion_note: o.completion_note.clone().unwrap_or_default(),
    }
}

fn number(n: &str) -> Result<OrderNumber, Error> {
    OrderNumber::parse(n).map_err(Error::from)
}

async fn render_detail(
    s: &AppState,
    v: &Viewer,
    o: &OrderView,
    message: String,
    error: String,
) -> PageResult {
    let me = v.actor();
    let is_orderer = !me.is_service_desk() && &o.orderer.hsa_id == me.hsa_id();
    let awaiting = o.status == OrderStatus::AwaitingAttestation;
    let can_change_attestant = is_orderer && awaiting;
    let attestants = if can_change_attestant {
        s.service
            .attestants(&o.administration)
            .await?
            .into_iter()
            .filter(|p| p.hsa_id != o.end_user.hsa_id)
            .map(|p| Opt {
                selected: p.hsa_id == o.attestant.hsa_id,
                value: p.hsa_id.to_string(),
                label: p.display(),
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(html(&OrderPage {
        l: v.layout(
            o.order_number.to_string(),
            if me.is_service_desk() { "servicedesk" } else { "historik" },
        ),
        o: facts(s, o),
        lines: line_rows(s, o).await?,
        attestants,
        can_change_attestant,
        can_withdraw: is_orderer && awaiting,
        can_attest: awaiting && !me.is_service_desk() && &o.attestant.hsa_id == me.hsa_id(),
        can_complete: me.is_service_desk() && o.status == OrderStatus::Attested,
        credentials_link: is_orderer && o.has_credentials,
        close_href: if me.is_service_desk() { "/servicedesk" } else { "/bestallningar" }.to_owned(),
        message,
        error,
    }))
}

/// GET /orders/{n}: the order (the link of the completion mail).
pub async fn detail(State(s): State<AppState>, v: Viewer, Path(n): Path<String>) -> PageResult {
    let o = s.service.get(v.actor(), number(&n)?).await?;
    render_detail(&s, &v, &o, String::new(), String::new()).await
}

async fn after(
    s: &AppState,
    v: &Viewer,
    n: OrderNumber,
    result: Result<String, Error>,
) -> PageResult {
    match result {
        Ok(msg) => {
            let o = s.service.get(v.actor(), n).await?;
            render_detail(s, v, &o, msg, String::new()).await
        }
        Err(e)
            if matches!(
                e.class,
                ErrorClass::Rule
                    | ErrorClass::Conflict
                    | ErrorClass::BadRequest
                    | ErrorClass::Forbidden
            ) =>
        {
            let o = s.service.get(v.actor(), n).await?;
            let msg = e.violations.iter().map(|x| x.message.clone()).collect::<Vec<_>>().join(" ");
            let mut r = render_detail(s, v, &o, String::new(), msg).await?;
            *r.status_mut() = crate::error::status_of(e.class);
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

/// POST /orders/{n}/attestant: Byt attestant (R11).
pub async fn change_attestant(
    State(s): State<AppState>,
    v: Viewer,
    Path(n): Path<String>,
    form: FormData,
) -> PageResult {
    form.check_csrf(&v)?;
    let n = number(&n)?;
    let r = s.service.change_attestant(v.actor(), n, form.get("attestant")).await.map(|o| {
        format!("Attestanten är nu {}. Ett e-postmeddelande har skickats.", o.attestant.display())
    });
    after(&s, &v, n, r).await
}

/// POST /orders/{n}/makulera: the orderer withdraws the order.
pub async fn withdraw(
    State(s): State<AppState>,
    v: Viewer,
    Path(n): Path<String>,
    form: FormData,
) -> PageResult {
    form.check_csrf(&v)?;
    let n = number(&n)?;
    let r =
        s.service.withdraw(v.actor(), n).await.map(|_| "Beställningen är makulerad.".to_owned());
    after(&s, &v, n, r).await
}

/// POST /orders/{n}/avsluta: the service desk records the work as done.
pub async fn complete(
    State(s): State<AppState>,
    v: Viewer,
    Path(n): Path<String>,
    form: FormData,
) -> PageResult {
    form.check_csrf(&v)?;
    let n = number(&n)?;
    let r = s
        .service
        .complete(v.actor(), n, Some(form.get("note")), Some(form.get("credentials")))
        .await;
    if r.is_ok() {
        s.metrics.orders_completed.inc();
    }
    let r = r.map(|_| {
        "Beställningen är avslutad. Beställaren har fått ett e-postmeddelande.".to_owned()
    });
    after(&s, &v, n, r).await
}

#[derive(Template)]
#[template(path = "credentials.html")]
#[allow(missing_docs)]
struct CredentialsPage {
    l: Layout,
    number: String,
    end_user: String,
    credentials: String,
}

/// GET /orders/{n}/inloggningsuppgifter: the orderer only (R15); others get 403.
pub async fn credentials(
    State(s): State<AppState>,
    v: Viewer,
    Path(n): Path<String>,
) -> PageResult {
    let o = s.service.get(v.actor(), number(&n)?).await?;
    let me = v.actor();
    let is_orderer = !me.is_service_desk() && &o.orderer.hsa_id == me.hsa_id();
    if !is_orderer {
        tracing::warn!(actor = %me.hsa_id(), order = %o.order_number, "credentials refused: not the orderer");
        return Err(PageError::Message {
            status: StatusCode::FORBIDDEN,
            title: "Åtkomst nekad".to_owned(),
            messages: vec![
                "Endast beställaren av aktuell behörighet kan se inloggningsuppgifter.".to_owned()
            ],
        });
    }
    let Some(c) = &o.credentials else {
        return Err(PageError::Message {
            status: StatusCode::NOT_FOUND,
            title: "Inga inloggningsuppgifter".to_owned(),
            messages: vec!["Det finns inga inloggningsuppgifter för beställningen.".to_owned()],
        });
    };
    let page = CredentialsPage {
        l: v.layout("Inloggningsuppgifter", "historik"),
        number: o.order_number.to_string(),
        end_user: o.end_user.display(),
        credentials: c.expose().to_owned(),
    };
    Ok(html(&page).into_response())
}
