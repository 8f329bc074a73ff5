//! The JSON API of HTTP-API.md. Thin handlers: extract, call one `OrderService` function, map
//! the error.

use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::{order_number, ApiJson, ApiQuery};
use crate::state::AppState;
use crate::util::{b64_decode, b64_encode};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use beh_core::directory::{Person, PersonKey};
use beh_core::id::{HsaId, OrderNumber, PassportNumber, Personnummer, VgrId};
use beh_core::order::{OrderDraft, OrderKind, OrderStatus, OrderView};
use beh_core::ports::{OrderQuery, Role, SignedDecision, Visibility};
use beh_core::service::DecisionRequest;
use beh_core::{Code, Error, Violation};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

fn items<T: Serialize>(items: Vec<T>) -> Json<Value> {
    Json(json!({ "items": items }))
}

fn rule(v: Violation, field: &str) -> ApiError {
    let mut v = v;
    v.field = Some(field.to_owned());
    Error::rules(vec![v]).into()
}

/// GET /api/v1/me
pub async fn me(State(s): State<AppState>, a: Authed) -> Json<beh_core::service::Me> {
    Json(s.service.me(&a.actor))
}

/// A person as GET /api/v1/persons shows them.
#[derive(Serialize)]
pub struct PersonDto {
    hsa_id: HsaId,
    vgr_id: Option<VgrId>,
    given_name: String,
    surname: String,
    personnummer: Option<Personnummer>,
    title: Option<String>,
    responsibility_number: Option<String>,
    student: bool,
}

impl From<Person> for PersonDto {
    fn from(p: Person) -> Self {
        PersonDto {
            hsa_id: p.hsa_id,
            vgr_id: p.vgr_id,
            given_name: p.given_name,
            surname: p.surname,
            personnummer: p.personnummer,
            title: p.title,
            responsibility_number: p.responsibility_number,
            student: p.student,
        }
    }
}

/// Query of GET /api/v1/persons: exactly one key.
#[derive(Deserialize)]
pub struct PersonQuery {
    personnummer: Option<String>,
    passport: Option<String>,
    hsa_id: Option<String>,
    vgr_id: Option<String>,
}

/// Parses the one key of a person query.
pub fn person_key(q: &PersonQuery, today: NaiveDate) -> ApiResult<PersonKey> {
    let given: Vec<&str> = [
        q.personnummer.as_ref().map(|_| "personnummer"),
        q.passport.as_ref().map(|_| "passport"),
        q.hsa_id.as_ref().map(|_| "hsa_id"),
        q.vgr_id.as_ref().map(|_| "vgr_id"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if given.len() != 1 {
        return Err(ApiError::bad_request(
            None,
            "Ange exakt ett av personnummer, passport och hsa_id.",
        ));
    }
    if let Some(p) = &q.personnummer {
        return Personnummer::parse(p.trim(), today)
            .map(PersonKey::Personnummer)
            .map_err(|v| rule(v, "personnummer"));
    }
    if let Some(p) = &q.passport {
        return PassportNumber::parse(p.trim())
            .map(PersonKey::Passport)
            .map_err(|v| rule(v, "passport"));
    }
    if let Some(p) = &q.hsa_id {
        return HsaId::parse(p.trim()).map(PersonKey::HsaId).map_err(|v| rule(v, "hsa_id"));
    }
    let v = q.vgr_id.as_deref().unwrap_or_default();
    VgrId::parse(v.trim())
        .map(PersonKey::VgrId)
        .map_err(|v| ApiError::bad_request(Some("vgr_id"), v.message))
}

/// GET /api/v1/persons
pub async fn persons(
    State(s): State<AppState>,
    a: Authed,
    ApiQuery(q): ApiQuery<PersonQuery>,
) -> ApiResult<Json<PersonDto>> {
    let key = person_key(&q, s.service.today())?;
    Ok(Json(s.service.find_person(&a.actor, &key).await?.into()))
}

/// GET /api/v1/persons/{hsa_id}/permissions
pub async fn holdings(
    State(s): State<AppState>,
    a: Authed,
    Path(hsa): Path<String>,
) -> ApiResult<Json<Value>> {
    let id = HsaId::parse(&hsa).map_err(|v| rule(v, "hsa_id"))?;
    Ok(items(s.service.holdings(&a.actor, &id).await?))
}

/// GET /api/v1/administrations
pub async fn administrations(State(s): State<AppState>, a: Authed) -> Json<Value> {
    items(s.service.administrations(&a.actor))
}

/// `?administration=…`
#[derive(Deserialize)]
pub struct AdminQuery {
    administration: Option<String>,
}

fn admin_param(q: &AdminQuery) -> ApiResult<&str> {
    q.administration.as_deref().filter(|s| !s.is_empty()).ok_or_else(|| {
        ApiError::bad_request(Some("administration"), "Ange förvaltning (administration).")
    })
}

/// GET /api/v1/catalog
pub async fn catalog(
    State(s): State<AppState>,
    _a: Authed,
    ApiQuery(q): ApiQuery<AdminQuery>,
) -> ApiResult<Json<Value>> {
    Ok(items(s.service.catalog_of(admin_param(&q)?)?))
}

/// An attestant as listed.
#[derive(Serialize)]
struct AttestantDto {
    hsa_id: HsaId,
    vgr_id: Option<VgrId>,
    given_name: String,
    surname: String,
    title: Option<String>,
}

/// GET /api/v1/attestants
pub async fn attestants(
    State(s): State<AppState>,
    _a: Authed,
    ApiQuery(q): ApiQuery<AdminQuery>,
) -> ApiResult<Json<Value>> {
    let people = s.service.attestants(admin_param(&q)?).await?;
    Ok(items(
        people
            .into_iter()
            .map(|p| AttestantDto {
                hsa_id: p.hsa_id,
                vgr_id: p.vgr_id,
                given_name: p.given_name,
                surname: p.surname,
                title: p.title,
            })
            .collect(),
    ))
}

/// `?q=…`
#[derive(Deserialize)]
pub struct UnitQuery {
    #[serde(default)]
    q: String,
}

/// GET /api/v1/care-units
pub async fn care_units(
    State(s): State<AppState>,
    _a: Authed,
    ApiQuery(q): ApiQuery<UnitQuery>,
) -> ApiResult<Json<Value>> {
    if q.q.chars().count() > 100 {
        return Err(ApiError::bad_request(Some("q"), "Söktexten är för lång."));
    }
    Ok(items(s.service.care_units(&q.q).await?))
}

/// POST /api/v1/orders/validate
pub async fn validate(
    State(s): State<AppState>,
    a: Authed,
    ApiJson(d): ApiJson<OrderDraft>,
) -> ApiResult<Json<Value>> {
    s.service.validate(&a.actor, &d).await?;
    Ok(Json(json!({"valid": true})))
}

/// POST /api/v1/orders
pub async fn submit(
    State(s): State<AppState>,
    a: Authed,
    ApiJson(d): ApiJson<OrderDraft>,
) -> ApiResult<impl IntoResponse> {
    let order = s.service.submit(&a.actor, &d).await?;
    s.metrics.orders_submitted.inc();
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/orders/{}", order.number))],
        Json(json!({"order_number": order.number, "status": order.status()})),
    ))
}

/// Query of GET /api/v1/orders (all text, parsed here so each bad value is named).
#[derive(Deserialize, Default)]
pub struct SearchParams {
    role: Option<String>,
    status: Option<String>,
    kind: Option<String>,
    order_number: Option<String>,
    end_user: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Turns search parameters into a query (the visibility is set by the service).
pub fn order_query(p: &SearchParams) -> ApiResult<OrderQuery> {
    let mut q = OrderQuery::all(Visibility::ServiceDesk);
    let bad = |f: &str, m: &str| ApiError::bad_request(Some(f), m.to_owned());
    if let Some(r) = nonempty(&p.role) {
        q.role = Some(
            Role::parse(r)
                .ok_or_else(|| bad("role", "role ska vara orderer, attestant eller end_user."))?,
        );
    }
    if let Some(st) = nonempty(&p.status) {
        q.status = Some(OrderStatus::parse(st).ok_or_else(|| bad("status", "Okänd status."))?);
    }
    if let Some(k) = nonempty(&p.kind) {
        q.kind = Some(OrderKind::parse(k).ok_or_else(|| bad("kind", "Okänd beställningstyp."))?);
    }
    if let Some(n) = nonempty(&p.order_number) {
        q.order_number =
            Some(OrderNumber::parse(n).map_err(|_| bad("order_number", "Ogiltigt ordernummer."))?);
    }
    q.end_user = nonempty(&p.end_user).map(str::to_owned);
    let date = |v: &str, f: &str| {
        NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| bad(f, "Ange datum som ÅÅÅÅ-MM-DD."))
    };
    if let Some(d) = nonempty(&p.from) {
        q.from = Some(date(d, "from")?);
    }
    if let Some(d) = nonempty(&p.to) {
        q.to = Some(date(d, "to")?);
    }
    if let Some(v) = nonempty(&p.page) {
        q.page = v.parse().map_err(|_| bad("page", "Ogiltigt sidnummer."))?;
    }
    if let Some(v) = nonempty(&p.per_page) {
        q.per_page = v.parse().map_err(|_| bad("per_page", "Ogiltigt antal per sida."))?;
    }
    Ok(q)
}

/// GET /api/v1/orders
pub async fn search(
    State(s): State<AppState>,
    a: Authed,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> ApiResult<Json<Value>> {
    let page = s.service.search(&a.actor, order_query(&p)?).await?;
    Ok(Json(
        json!({"total": page.total, "page": page.page, "pages": page.pages, "items": page.items}),
    ))
}

fn view(a: &Authed, o: &beh_core::order::Order) -> Json<OrderView> {
    Json(OrderView::of(o, a.actor.hsa_id(), a.actor.is_service_desk()))
}

/// GET /api/v1/orders/{n}
pub async fn get(
    State(s): State<AppState>,
    a: Authed,
    Path(n): Path<String>,
) -> ApiResult<Json<OrderView>> {
    Ok(Json(s.service.get(&a.actor, order_number(&n)?).await?))
}

/// PUT /api/v1/orders/{n}/attestant body.
#[derive(Deserialize)]
pub struct AttestantBody {
    attestant_hsa_id: Option<String>,
}

/// PUT /api/v1/orders/{n}/attestant
pub async fn change_attestant(
    State(s): State<AppState>,
    a: Authed,
    Path(n): Path<String>,
    ApiJson(b): ApiJson<AttestantBody>,
) -> ApiResult<Json<OrderView>> {
    let n = order_number(&n)?;
    let Some(id) = b.attestant_hsa_id.filter(|s| !s.trim().is_empty()) else {
        return Err(Error::rules(vec![Violation::at(Code::MissingField, "attestant_hsa_id")
            .with_message("Attestant måste anges.")])
        .into());
    };
    let o = s.service.change_attestant(&a.actor, n, &id).await?;
    Ok(view(&a, &o))
}

/// POST …/attestation/challenge
pub async fn challenge(
    State(s): State<AppState>,
    a: Authed,
    Path(n): Path<String>,
    ApiJson(d): ApiJson<DecisionRequest>,
) -> ApiResult<Json<Value>> {
    let c = s.service.challenge(&a.actor, order_number(&n)?, &d).await?;
    Ok(Json(json!({
        "challenge_id": c.id,
        "tbs": b64_encode(&c.tbs),
        "text": c.text,
        "expires_at": c.expires_at,
    })))
}

/// POST …/attestation body: raw signature with certificates, or CMS.
#[derive(Deserialize)]
pub struct AttestationBody {
    challenge_id: Option<String>,
    signature: Option<String>,
    certificates: Option<Vec<String>>,
    cms: Option<String>,
}

/// The signed decision of an attestation body.
pub fn signed_decision(b: &AttestationBody) -> ApiResult<(String, SignedDecision)> {
    let challenge = b
        .challenge_id
        .clone()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad_request(Some("challenge_id"), "challenge_id saknas."))?;
    let signed = match (&b.signature, &b.certificates, &b.cms) {
        (Some(sig), Some(certs), None) => SignedDecision::Raw {
            signature: b64_decode(sig).map_err(|_| {
                ApiError::bad_request(Some("signature"), "Signaturen ska vara base64.")
            })?,
            certificates: certs.clone(),
        },
        (None, None, Some(cms)) => SignedDecision::Cms {
            cms: b64_decode(cms)
                .map_err(|_| ApiError::bad_request(Some("cms"), "cms ska vara base64."))?,
        },
        _ => {
            return Err(ApiError::bad_request(
                None,
                "Ange antingen signature och certificates, eller cms.",
            ))
        }
    };
    Ok((challenge, signed))
}

/// POST …/attestation
pub async fn attest(
    State(s): State<AppState>,
    a: Authed,
    Path(n): Path<String>,
    ApiJson(b): ApiJson<AttestationBody>,
) -> ApiResult<Json<OrderView>> {
    let n = order_number(&n)?;
    let (challenge, signed) = signed_decision(&b)?;
    let o = s.service.attest(&a.actor, n, &challenge, &signed).await?;
    s.metrics.orders_attested.inc();
    Ok(view(&a, &o))
}

/// POST …/rejection body.
#[derive(Deserialize, Default)]
pub struct RejectionBody {
    comment: Option<String>,
}

/// POST …/rejection
pub async fn reject(
    State(s): State<AppState>,
    a: Authed,
    Path(n): Path<String>,
    ApiJson(b): ApiJson<RejectionBody>,
) -> ApiResult<Json<OrderView>> {
    let o = s.service.reject(&a.actor, order_number(&n)?, b.comment.as_deref()).await?;
    Ok(view(&a, &o))
}

/// POST …/withdrawal (body ignored; `Content-Type: application/json` still required).
pub async fn withdraw(
    State(s): State<AppState>,
    a: Authed,
    Path(n): Path<String>,
    headers: axum::http::HeaderMap,
) -> ApiResult<Json<OrderView>> {
    require_json(&headers)?;
    let o = s.service.withdraw(&a.actor, order_number(&n)?).await?;
    Ok(view(&a, &o))
}

/// State-changing JSON calls must say they are JSON (no cross-site form can).
pub fn require_json(headers: &axum::http::HeaderMap) -> ApiResult<()> {
    if crate::extract::is_json(headers) {
        Ok(())
    } else {
        Err(ApiError::with_status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::BadRequest,
            None,
            "Begäran måste ha Content-Type: application/json.",
        ))
    }
}

/// POST …/completion body.
#[derive(Deserialize)]
pub struct CompletionBody {
    note: Option<String>,
    credentials: Option<String>,
}

/// POST …/completion
pub async fn complete(
    State(s): State<AppState>,
    a: Authed,
    Path(n): Path<String>,
    ApiJson(b): ApiJson<CompletionBody>,
) -> ApiResult<Json<OrderView>> {
    let o = s
        .service
        .complete(&a.actor, order_number(&n)?, b.note.as_deref(), b.credentials.as_deref())
        .await?;
    s.metrics.orders_completed.inc();
    Ok(view(&a, &o))
}

/// GET …/audit
pub async fn audit(
    State(s): State<AppState>,
    a: Authed,
    Path(n): Path<String>,
) -> ApiResult<Json<beh_core::audit::AuditReport>> {
    Ok(Json(s.service.audit(&a.actor, order_number(&n)?).await?))
}

/// Demo login body.
#[derive(Deserialize)]
pub struct DemoLogin {
    hsa_id: String,
}

/// POST /api/v1/demo/login (demo mode only): a session for a demo person.
pub async fn demo_login(
    State(s): State<AppState>,
    jar: axum_extra::extract::cookie::PrivateCookieJar,
    ApiJson(b): ApiJson<DemoLogin>,
) -> ApiResult<impl IntoResponse> {
    let actor = s.service.actor(&b.hsa_id).await?;
    let cookie = crate::auth::session_cookie(&s, actor.hsa_id(), chrono::Utc::now());
    tracing::info!(actor = %actor.hsa_id(), "demo login");
    Ok((jar.add(cookie), Json(s.service.me(&actor))))
}

/// POST /api/v1/logout: ends the session.
pub async fn logout(jar: axum_extra::extract::cookie::PrivateCookieJar) -> impl IntoResponse {
    (jar.remove(crate::auth::logout_cookie()), StatusCode::NO_CONTENT)
}

/// GET /api/v1/demo/signing-key (demo mode only): the logged-in demo person's test key.
pub async fn demo_signing_key(State(s): State<AppState>, a: Authed) -> ApiResult<Json<Value>> {
    let keys = s.demo_keys.as_ref().ok_or_else(|| {
        ApiError::with_status(StatusCode::NOT_FOUND, Code::BadRequest, None, "Finns inte.")
    })?;
    let k = keys.signing_key(a.actor.hsa_id()).ok_or_else(|| {
        ApiError::with_status(
            StatusCode::NOT_FOUND,
            Code::BadRequest,
            None,
            "Personen har ingen testnyckel.",
        )
    })?;
    Ok(Json(json!({"private_key": k.private_key_pem, "certificates": k.certificates_pem})))
}
