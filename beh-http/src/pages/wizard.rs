//! The order wizard: 1. Personuppgifter > 2. Behörigheter > 3. Granska / Beställ, then Kvitto.
//!
//! The whole draft travels in a hidden field (`state`, JSON) so that nothing is lost when the
//! user goes back and forth, and no server-side form state is needed. Nothing in it is
//! trusted: every step asks `OrderService::validate`, and the submission validates again.

use super::{html, FieldErrors, FormData, Layout, PageError, PageResult, Viewer};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use beh_core::catalog::{DetailKind, DetailValue, Details, Permission, PermissionScope};
use beh_core::directory::{Person, PersonKey};
use beh_core::id::{HsaId, PassportNumber, Personnummer};
use beh_core::order::{DraftLine, EndUserRef, OrderDraft, OrderKind, OrderStatus};
use beh_core::{Error, ErrorClass};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One chosen permission with what the user typed for it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LineInput {
    /// The permission's slug.
    pub permission: String,
    /// Detail key → the text typed (lists comma-separated).
    pub details: BTreeMap<String, String>,
    /// Vårdenhet 1–4 as typed (HSA-ids).
    pub units: Vec<String>,
}

/// Everything typed so far, carried between the steps.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct WizardState {
    /// `personnummer`, `passport` or `hsa_id`.
    pub search_by: String,
    /// The number or id searched for.
    pub search: String,
    /// Arbetsplats.
    pub workplace: String,
    /// Förvaltning (slug).
    pub administration: String,
    /// `new`, `change` or `termination`.
    pub kind: String,
    /// Chosen permissions, in the order they are shown.
    pub lines: Vec<LineInput>,
    /// Område.
    pub area: String,
    /// Verksamhet.
    pub operation: String,
    /// Attestant (HSA-id).
    pub attestant: String,
    /// Startdatum as typed.
    pub start_date: String,
    /// Projekt.
    pub project: String,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

impl WizardState {
    fn read_step1(&mut self, f: &FormData) {
        self.search_by = f.get("search_by").to_owned();
        self.search = f.get("search").trim().to_owned();
        self.workplace = f.get("workplace").trim().to_owned();
    }

    fn read_step2(&mut self, f: &FormData, catalog: &[Permission]) {
        self.administration = f.get("administration").to_owned();
        self.kind = f.get("kind").to_owned();
        let checked = f.all("perm");
        self.lines = catalog
            .iter()
            .filter(|p| checked.contains(&p.id.as_str()))
            .map(|p| LineInput {
                permission: p.id.clone(),
                details: p
                    .details
                    .iter()
                    .map(|d| (d.key.clone(), f.get(&format!("d.{}.{}", p.id, d.key)).to_owned()))
                    .collect(),
                units: f
                    .all(&format!("u.{}", p.id))
                    .into_iter()
                    .map(|u| u.trim().to_owned())
                    .collect(),
            })
            .collect();
    }

    fn read_step3(&mut self, f: &FormData) {
        self.area = f.get("area").to_owned();
        self.operation = f.get("operation").to_owned();
        self.attestant = f.get("attestant").to_owned();
        self.start_date = f.get("start_date").trim().to_owned();
        self.project = f.get("project").to_owned();
    }

    /// The draft of what has been typed (the API's shape, so the same rules apply).
    fn draft(&self, s: &AppState) -> OrderDraft {
        let end_user = opt(&self.search).map(|v| match self.search_by.as_str() {
            "passport" => EndUserRef::Passport(v),
            "hsa_id" => EndUserRef::HsaId(v),
            _ => EndUserRef::Personnummer(v),
        });
        let permissions = (!self.lines.is_empty()).then(|| {
            self.lines
                .iter()
                .map(|l| {
                    let p = s.service.catalog().permission(&l.permission);
                    let details = p.filter(|p| !p.details.is_empty()).map(|p| {
                        let mut d = Details::new();
                        for field in &p.details {
                            let text = l.details.get(&field.key).map(|t| t.trim()).unwrap_or("");
                            match field.kind {
                                DetailKind::List { .. } => {
                                    let items: Vec<String> = text
                                        .split([',', '\n'])
                                        .map(str::trim)
                                        .filter(|t| !t.is_empty())
                                        .map(str::to_owned)
                                        .collect();
                                    if !items.is_empty() {
                                        d.insert(field.key.clone(), DetailValue::Many(items));
                                    }
                                }
                                _ if !text.is_empty() => {
                                    d.insert(field.key.clone(), DetailValue::One(text.to_owned()));
                                }
                                _ => {}
                            }
                        }
                        d
                    });
                    let national = p.is_some_and(|p| p.scope == PermissionScope::National);
                    DraftLine {
                        permission: l.permission.clone(),
                        details,
                        care_units: national
                            .then(|| l.units.iter().filter_map(|u| opt(u)).collect::<Vec<_>>()),
                    }
                })
                .collect()
        });
        OrderDraft {
            end_user,
            workplace: opt(&self.workplace),
            administration: opt(&self.administration),
            kind: OrderKind::parse(&self.kind),
            permissions,
            area: opt(&self.area),
            operation: opt(&self.operation),
            project: opt(&self.project),
            attestant_hsa_id: opt(&self.attestant),
            start_date: NaiveDate::parse_from_str(self.start_date.trim(), "%Y-%m-%d").ok(),
        }
    }

    /// The page field of a violation's field path.
    fn page_field(&self, field: &str) -> String {
        if field.starts_with("end_user") {
            return "end_user".to_owned();
        }
        if let Some(rest) = field.strip_prefix("permissions[") {
            let index = rest.split(']').next().and_then(|i| i.parse::<usize>().ok());
            return match index.and_then(|i| self.lines.get(i)) {
                Some(l) => format!("perm.{}", l.permission),
                None => "permissions".to_owned(),
            };
        }
        field.split(['.', '[']).next().unwrap_or(field).to_owned()
    }
}

fn step_of(page_field: &str) -> u8 {
    match page_field {
        "end_user" | "workplace" => 1,
        "administration" | "kind" | "permissions" => 2,
        f if f.starts_with("perm.") => 2,
        _ => 3,
    }
}

/// The violations of `e` by page field; errors that are not about the form become a page.
fn field_errors(st: &WizardState, e: Error) -> Result<FieldErrors, PageError> {
    if matches!(
        e.class,
        ErrorClass::Unavailable | ErrorClass::Internal | ErrorClass::Unauthenticated
    ) {
        return Err(e.into());
    }
    let mut out = FieldErrors::default();
    for v in e.violations {
        let f = v.field.as_deref().map(|f| st.page_field(f)).unwrap_or_else(|| "form".to_owned());
        out.add(&f, v.message);
    }
    Ok(out)
}

/// Validates the draft and keeps the errors of the given steps.
async fn check(
    s: &AppState,
    v: &Viewer,
    st: &WizardState,
    steps: &[u8],
) -> PageResult<FieldErrors> {
    let mut errors = match s.service.validate(v.actor(), &st.draft(s)).await {
        Ok(_) => FieldErrors::default(),
        Err(e) => field_errors(st, e)?,
    };
    if !st.start_date.is_empty()
        && NaiveDate::parse_from_str(st.start_date.trim(), "%Y-%m-%d").is_err()
    {
        errors.add("start_date", "Ange startdatum som ÅÅÅÅ-MM-DD.");
    }
    errors.0.retain(|f, _| steps.contains(&step_of(f)));
    Ok(errors)
}

/// An option of a select.
#[derive(Debug, Clone)]
pub struct Opt {
    /// The value.
    pub value: String,
    /// The label.
    pub label: String,
    /// Whether it is selected.
    pub selected: bool,
}

fn opts<'a>(items: impl IntoIterator<Item = (&'a str, String)>, current: &str) -> Vec<Opt> {
    items
        .into_iter()
        .map(|(v, l)| Opt { value: v.to_owned(), label: l, selected: v == current })
        .collect()
}

/// One detail input of a permission row.
#[derive(Debug, Clone)]
pub struct DetailInput {
    /// The form name.
    pub name: String,
    /// The element id.
    pub id: String,
    /// The label.
    pub label: String,
    /// Whether it is mandatory.
    pub required: bool,
    /// Choices (empty for text).
    pub options: Vec<Opt>,
    /// The typed value.
    pub value: String,
    /// A hint for lists.
    pub hint: String,
}

/// One permission row of step 2.
#[derive(Debug, Clone)]
pub struct PermRow {
    /// Slug.
    pub id: String,
    /// Name.
    pub name: String,
    /// Whether it is chosen.
    pub checked: bool,
    /// Whether it is a national care service (Vårdenhet 1–4).
    pub national: bool,
    /// Detail inputs.
    pub fields: Vec<DetailInput>,
    /// Vårdenhet 1–4 values.
    pub units: Vec<String>,
    /// Errors of the row.
    pub errors: Vec<String>,
}

/// The end user as found in KIV.
#[derive(Debug, Clone)]
pub struct PersonBox {
    /// VGR-ID.
    pub vgr_id: String,
    /// Förnamn.
    pub given_name: String,
    /// Efternamn.
    pub surname: String,
    /// Ansvarsnummer.
    pub responsibility_number: String,
    /// Titel.
    pub title: String,
    /// HSA-id.
    pub hsa_id: String,
    /// Personnummer.
    pub personnummer: String,
}

impl PersonBox {
    fn of(p: &Person) -> PersonBox {
        PersonBox {
            vgr_id: p.vgr_id.as_ref().map(ToString::to_string).unwrap_or_default(),
            given_name: p.given_name.clone(),
            surname: p.surname.clone(),
            responsibility_number: p.responsibility_number.clone().unwrap_or_default(),
            title: p.title.clone().unwrap_or_default(),
            hsa_id: p.hsa_id.to_string(),
            personnummer: p.personnummer.as_ref().map(ToString::to_string).unwrap_or_default(),
        }
    }
}

/// A chosen permission on step 3.
#[derive(Debug, Clone)]
pub struct ChosenRow {
    /// Slug.
    pub id: String,
    /// Name.
    pub name: String,
    /// "Behörighetsroll: Koordinator, Avdelning(ar): AnOpIVA, SS".
    pub details: String,
}

#[derive(Template)]
#[template(path = "wizard.html")]
#[allow(missing_docs)]
struct WizardPage {
    l: Layout,
    step: u8,
    state_json: String,
    errors: FieldErrors,
    other_errors: Vec<String>,
    default_action: &'static str,
    search_by: Vec<Opt>,
    search: String,
    person: Option<PersonBox>,
    searched: bool,
    workplace: String,
    admins: Vec<Opt>,
    kinds: Vec<Opt>,
    perms: Vec<PermRow>,
    holdings: Vec<String>,
    show_holdings: bool,
    units: Vec<Opt>,
    kind_label: String,
    chosen: Vec<ChosenRow>,
    areas: Vec<Opt>,
    operations: Vec<Opt>,
    attestants: Vec<Opt>,
    projects: Vec<Opt>,
    start_date: String,
    today: String,
}

async fn lookup(s: &AppState, v: &Viewer, st: &WizardState) -> PageResult<Option<Person>> {
    let x = st.search.trim();
    if x.is_empty() {
        return Ok(None);
    }
    let key = match st.search_by.as_str() {
        "passport" => PassportNumber::parse(x).ok().map(PersonKey::Passport),
        "hsa_id" => HsaId::parse(x).ok().map(PersonKey::HsaId),
        _ => Personnummer::parse(x, s.service.today()).ok().map(PersonKey::Personnummer),
    };
    let Some(key) = key else { return Ok(None) };
    match s.service.find_person(v.actor(), &key).await {
        Ok(p) => Ok(Some(p)),
        Err(e) if e.class == ErrorClass::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn catalog_for(s: &AppState, admin: &str) -> Vec<Permission> {
    s.service.catalog_of(admin).unwrap_or_else(|_| s.service.catalog().permissions.clone())
}

fn details_text(p: Option<&Permission>, details: &Details) -> String {
    details
        .iter()
        .map(|(k, v)| {
            let label = p
                .and_then(|p| p.details.iter().find(|d| &d.key == k))
                .map(|d| d.label.clone())
                .unwrap_or_else(|| k.clone());
            let value = match v {
                DetailValue::One(t) => t.clone(),
                DetailValue::Many(ts) => ts.join(", "),
            };
            format!("{label}: {value}")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

async fn render(
    s: &AppState,
    v: &Viewer,
    mut st: WizardState,
    step: u8,
    errors: FieldErrors,
) -> PageResult {
    let admins_of_actor = s.service.administrations(v.actor());
    if st.administration.is_empty() {
        if let [only] = admins_of_actor.as_slice() {
            st.administration = only.id.clone();
        }
    }
    if st.kind.is_empty() {
        st.kind = "new".to_owned();
    }
    if st.search_by.is_empty() {
        st.search_by = "personnummer".to_owned();
    }
    let person = lookup(s, v, &st).await?;
    let mut page = WizardPage {
        l: v.layout(
            match step {
                1 => "1. Personuppgifter",
                2 => "2. Behörigheter",
                _ => "3. Granska / Beställ",
            },
            "bestall",
        ),
        step,
        state_json: serde_json::to_string(&st).unwrap_or_default(),
        other_errors: errors
            .0
            .iter()
            .filter(|(f, _)| step_of(f) != step || f.as_str() == "form")
            .flat_map(|(_, m)| m.iter().cloned())
            .collect(),
        errors,
        default_action: "next",
        search_by: opts(
            [
                ("personnummer", "Personnummer".to_owned()),
                ("passport", "Passnummer".to_owned()),
                ("hsa_id", "HSA-id".to_owned()),
            ],
            &st.search_by,
        ),
        search: st.search.clone(),
        searched: !st.search.is_empty(),
        person: person.as_ref().map(PersonBox::of),
        workplace: st.workplace.clone(),
        admins: Vec::new(),
        kinds: opts(OrderKind::ALL.iter().map(|k| (k.as_str(), k.label().to_owned())), &st.kind),
        perms: Vec::new(),
        holdings: Vec::new(),
        show_holdings: false,
        units: Vec::new(),
        kind_label: OrderKind::parse(&st.kind).map(|k| k.label().to_owned()).unwrap_or_default(),
        chosen: Vec::new(),
        areas: Vec::new(),
        operations: Vec::new(),
        attestants: Vec::new(),
        projects: Vec::new(),
        start_date: st.start_date.clone(),
        today: s.service.today().format("%Y-%m-%d").to_string(),
    };
    if step == 1 && person.is_none() {
        page.default_action = "search";
    }
    if step == 2 {
        page.admins = opts(
            admins_of_actor.iter().map(|a| (a.id.as_str(), a.name.clone())),
            &st.administration,
        );
        let catalog = catalog_for(s, &st.administration);
        page.perms = catalog
            .iter()
            .map(|p| {
                let line = st.lines.iter().find(|l| l.permission == p.id);
                let typed =
                    |k: &str| line.and_then(|l| l.details.get(k)).cloned().unwrap_or_default();
                PermRow {
                    id: p.id.clone(),
                    name: p.name.clone(),
                    checked: line.is_some(),
                    national: p.scope == PermissionScope::National,
                    fields: p
                        .details
                        .iter()
                        .map(|d| {
                            let value = typed(&d.key);
                            let (options, hint) = match &d.kind {
                                DetailKind::Choice { allowed } => (
                                    std::iter::once(Opt {
                                        value: String::new(),
                                        label: "Välj".to_owned(),
                                        selected: value.is_empty(),
                                    })
                                    .chain(allowed.iter().map(|a| Opt {
                                        value: a.clone(),
                                        label: a.clone(),
                                        selected: *a == value,
                                    }))
                                    .collect(),
                                    String::new(),
                                ),
                                DetailKind::List { .. } => {
                                    (Vec::new(), "Flera åtskiljs med kommatecken".to_owned())
                                }
                                DetailKind::Text { .. } => (Vec::new(), String::new()),
                            };
                            DetailInput {
                                name: format!("d.{}.{}", p.id, d.key),
                                id: format!("d-{}-{}", p.id, d.key),
                                label: d.label.clone(),
                                required: d.required,
                                options,
                                value,
                                hint,
                            }
                        })
                        .collect(),
                    units: (0..4)
                        .map(|i| line.and_then(|l| l.units.get(i)).cloned().unwrap_or_default())
                        .collect(),
                    errors: page.errors.at(&format!("perm.{}", p.id)),
                }
            })
            .collect();
        if let Some(p) = &person {
            if st.kind == "change" || st.kind == "termination" {
                page.show_holdings = true;
                let held = s.service.holdings(v.actor(), &p.hsa_id).await?;
                page.holdings = held
                    .iter()
                    .map(|h| {
                        let perm = s.service.catalog().permission(&h.permission);
                        let name =
                            perm.map(|p| p.name.clone()).unwrap_or_else(|| h.permission.clone());
                        let d = details_text(perm, &h.details);
                        if d.is_empty() {
                            format!("{name} (order {})", h.since_order)
                        } else {
                            format!("{name} – {d} (order {})", h.since_order)
                        }
                    })
                    .collect();
            }
        }
        page.units = s
            .service
            .care_units("")
            .await?
            .into_iter()
            .filter(|u| u.is_care_unit)
            .map(|u| Opt { value: u.hsa_id.to_string(), label: u.name, selected: false })
            .collect();
    }
    if step == 3 {
        let draft = st.draft(s);
        page.chosen = st
            .lines
            .iter()
            .zip(draft.permissions.unwrap_or_default())
            .map(|(l, d)| {
                let perm = s.service.catalog().permission(&l.permission);
                let mut text = details_text(perm, &d.details.unwrap_or_default());
                let units = d.care_units.unwrap_or_default();
                if !units.is_empty() {
                    if !text.is_empty() {
                        text.push_str("; ");
                    }
                    text.push_str(&format!("Vårdenheter: {}", units.join(", ")));
                }
                ChosenRow {
                    id: l.permission.clone(),
                    name: perm.map(|p| p.name.clone()).unwrap_or_else(|| l.permission.clone()),
                    details: text,
                }
            })
            .collect();
        let placeholder = |label: &str, current: &str| Opt {
            value: String::new(),
            label: label.to_owned(),
            selected: current.is_empty(),
        };
        if let Some(a) = s.service.catalog().administration(&st.administration) {
            page.areas = std::iter::once(placeholder("Välj", &st.area))
                .chain(opts(a.areas.iter().map(|c| (c.id.as_str(), c.name.clone())), &st.area))
                .collect();
            page.operations = std::iter::once(placeholder("Välj", &st.operation))
                .chain(opts(
                    a.operations.iter().map(|c| (c.id.as_str(), c.name.clone())),
                    &st.operation,
                ))
                .collect();
            page.projects = std::iter::once(placeholder("Inget projekt", &st.project))
                .chain(opts(
                    a.projects.iter().map(|c| (c.id.as_str(), c.name.clone())),
                    &st.project,
                ))
                .collect();
            let people = s.service.attestants(&a.id).await?;
            page.attestants = std::iter::once(placeholder("Välj", &st.attestant))
                .chain(people.iter().map(|p| Opt {
                    value: p.hsa_id.to_string(),
                    label: p.display(),
                    selected: p.hsa_id.as_str() == st.attestant,
                }))
                .collect();
        }
    }
    Ok(html(&page))
}

/// GET /bestall: a fresh step 1.
pub async fn start(State(s): State<AppState>, v: Viewer) -> PageResult {
    render(&s, &v, WizardState::default(), 1, FieldErrors::default()).await
}

/// POST /bestall: reads the step's fields into the draft and moves as the button says.
pub async fn step(State(s): State<AppState>, v: Viewer, form: FormData) -> PageResult {
    form.check_csrf(&v)?;
    let mut st: WizardState = serde_json::from_str(form.get("state")).unwrap_or_default();
    let step = form.get("step");
    match step {
        "1" => st.read_step1(&form),
        "2" => {
            let catalog = catalog_for(&s, form.get("administration"));
            st.read_step2(&form, &catalog);
        }
        "3" => st.read_step3(&form),
        _ => {}
    }
    let action = form.get("action");
    if action == "cancel" {
        return Ok(Redirect::to("/bestall").into_response());
    }
    match (step, action) {
        ("1", "search") => {
            let mut e = check(&s, &v, &st, &[1]).await?;
            e.0.retain(|f, _| f == "end_user");
            render(&s, &v, st, 1, e).await
        }
        ("1", _) => {
            let e = check(&s, &v, &st, &[1]).await?;
            let next = if e.is_empty() { 2 } else { 1 };
            render(&s, &v, st, next, e).await
        }
        ("2", "back") => render(&s, &v, st, 1, FieldErrors::default()).await,
        ("2", "refresh") => render(&s, &v, st, 2, FieldErrors::default()).await,
        ("2", _) => {
            let e = check(&s, &v, &st, &[2]).await?;
            let next = if e.is_empty() { 3 } else { 2 };
            render(&s, &v, st, next, e).await
        }
        ("3", "back") => render(&s, &v, st, 2, FieldErrors::default()).await,
        ("3", a) if a.starts_with("remove:") => {
            let id = a.trim_start_matches("remove:");
            st.lines.retain(|l| l.permission != id);
            render(&s, &v, st, 3, FieldErrors::default()).await
        }
        ("3", _) => {
            let bad_date = !st.start_date.is_empty()
                && NaiveDate::parse_from_str(st.start_date.trim(), "%Y-%m-%d").is_err();
            match s.service.submit(v.actor(), &st.draft(&s)).await {
                Err(e) if bad_date => {
                    let mut errors = field_errors(&st, e)?;
                    errors.0.remove("start_date");
                    errors.add("start_date", "Ange startdatum som ÅÅÅÅ-MM-DD.");
                    render(&s, &v, st, 3, errors).await
                }
                Ok(order) => {
                    s.metrics.orders_submitted.inc();
                    Ok(Redirect::to(&format!("/kvitto/{}", order.number)).into_response())
                }
                Err(e) => {
                    let errors = field_errors(&st, e)?;
                    render(&s, &v, st, 3, errors).await
                }
            }
        }
        _ => render(&s, &v, st, 1, FieldErrors::default()).await,
    }
}

#[derive(Template)]
#[template(path = "kvitto.html")]
#[allow(missing_docs)]
struct ReceiptPage {
    l: Layout,
    number: String,
    skipped: bool,
}

/// GET /kvitto/{n}: "Din beställning är nu skapad."
pub async fn receipt(State(s): State<AppState>, v: Viewer, Path(n): Path<String>) -> PageResult {
    let n = beh_core::id::OrderNumber::parse(&n).map_err(Error::from)?;
    let o = s.service.get(v.actor(), n).await?;
    Ok(html(&ReceiptPage {
        l: v.layout("Kvitto", "bestall"),
        number: o.order_number.to_string(),
        skipped: o.status == OrderStatus::Attested,
    }))
}
