//! The OpenAPI 3 document at `/api/v1/openapi.json`, generated from the route table and
//! schemas declared here with utoipa.

use axum::Json;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::{
    ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder, Required, ResponseBuilder,
    ResponsesBuilder,
};

struct Route {
    method: HttpMethod,
    path: &'static str,
    summary: &'static str,
    body: bool,
    query: &'static [&'static str],
    ok: &'static str,
}

const ROUTES: &[Route] = &[
    Route { method: HttpMethod::Get, path: "/api/v1/me", summary: "The caller: hsa_id, vgr_id, names, administrations, roles", body: false, query: &[], ok: "200" },
    Route { method: HttpMethod::Get, path: "/api/v1/persons", summary: "A person from KIV by exactly one of personnummer, passport, hsa_id (or vgr_id)", body: false, query: &["personnummer", "passport", "hsa_id", "vgr_id"], ok: "200" },
    Route { method: HttpMethod::Get, path: "/api/v1/persons/{hsa_id}/permissions", summary: "What the person holds now: {items:[{permission, details, care_units, since_order}]}", body: false, query: &[], ok: "200" },
    Route { method: HttpMethod::Get, path: "/api/v1/administrations", summary: "Administrations the caller may order for, with areas, operations, projects", body: false, query: &[], ok: "200" },
    Route { method: HttpMethod::Get, path: "/api/v1/catalog", summary: "Permissions of an administration with their detail schemas", body: false, query: &["administration"], ok: "200" },
    Route { method: HttpMethod::Get, path: "/api/v1/attestants", summary: "People who may attest in an administration", body: false, query: &["administration"], ok: "200" },
    Route { method: HttpMethod::Get, path: "/api/v1/care-units", summary: "KIV units whose name or HSA-id contains q (case-insensitive); empty q lists the first 50", body: false, query: &["q"], ok: "200" },
    Route { method: HttpMethod::Post, path: "/api/v1/orders/validate", summary: "Dry run of a draft: {valid:true} or 422 with every error", body: true, query: &[], ok: "200" },
    Route { method: HttpMethod::Post, path: "/api/v1/orders", summary: "Submit a draft: {order_number, status}", body: true, query: &[], ok: "201" },
    Route { method: HttpMethod::Get, path: "/api/v1/orders", summary: "History, newest first: {total, page, pages, items}", body: false, query: &["role", "status", "kind", "order_number", "end_user", "from", "to", "page", "per_page"], ok: "200" },
    Route { method: HttpMethod::Get, path: "/api/v1/orders/{order_number}", summary: "The order (credentials only for the orderer)", body: false, query: &[], ok: "200" },
    Route { method: HttpMethod::Put, path: "/api/v1/orders/{order_number}/attestant", summary: "Change attestant {attestant_hsa_id} (R11)", body: true, query: &[], ok: "200" },
    Route { method: HttpMethod::Post, path: "/api/v1/orders/{order_number}/attestation/challenge", summary: "{approve, remove} -> {challenge_id, tbs (base64), text, expires_at}", body: true, query: &[], ok: "200" },
    Route { method: HttpMethod::Post, path: "/api/v1/orders/{order_number}/attestation", summary: "{challenge_id, signature, certificates} or {challenge_id, cms} -> the order, attested", body: true, query: &[], ok: "200" },
    Route { method: HttpMethod::Post, path: "/api/v1/orders/{order_number}/rejection", summary: "{comment} -> the order, rejected", body: true, query: &[], ok: "200" },
    Route { method: HttpMethod::Post, path: "/api/v1/orders/{order_number}/withdrawal", summary: "The orderer withdraws (Content-Type: application/json required)", body: true, query: &[], ok: "200" },
    Route { method: HttpMethod::Post, path: "/api/v1/orders/{order_number}/completion", summary: "Service desk: {note, credentials?} -> the order, completed", body: true, query: &[], ok: "200" },
    Route { method: HttpMethod::Get, path: "/api/v1/orders/{order_number}/audit", summary: "{entries, verified, first_broken}", body: false, query: &[], ok: "200" },
    Route { method: HttpMethod::Post, path: "/api/v1/logout", summary: "End the session", body: false, query: &[], ok: "204" },
    Route { method: HttpMethod::Post, path: "/api/v1/demo/login", summary: "Demo mode only: {hsa_id} sets the session cookie", body: true, query: &[], ok: "200" },
    Route { method: HttpMethod::Get, path: "/api/v1/demo/signing-key", summary: "Demo mode only: {private_key (PKCS#8 PEM), certificates [PEM, leaf first]}", body: false, query: &[], ok: "200" },
    Route { method: HttpMethod::Get, path: "/healthz", summary: "Liveness", body: false, query: &[], ok: "200" },
    Route { method: HttpMethod::Get, path: "/readyz", summary: "Readiness: database and directory reachable", body: false, query: &[], ok: "200" },
    Route { method: HttpMethod::Get, path: "/metrics", summary: "Prometheus text", body: false, query: &[], ok: "200" },
];

const ERRORS: &[(&str, &str)] = &[
    ("400", "Malformed JSON, wrong types (bad_request)"),
    ("401", "No identity (unauthenticated)"),
    ("403", "Forbidden (forbidden, not_attestant)"),
    ("404", "Not found (order_not_found, person_not_found)"),
    ("409", "Conflict (conflict, invalid_transition, challenge_used)"),
    ("422", "Rule violations, all at once"),
    ("503", "A dependency is down (unavailable)"),
];

/// Builds the document.
pub fn build() -> OpenApi {
    let mut paths = PathsBuilder::new();
    for r in ROUTES {
        let mut op = OperationBuilder::new().summary(Some(r.summary));
        let mut responses = ResponsesBuilder::new().response(
            r.ok,
            ResponseBuilder::new()
                .description("Success")
                .content("application/json", ContentBuilder::new().build()),
        );
        for (status, text) in ERRORS {
            responses = responses.response(
                *status,
                ResponseBuilder::new().description(format!(
                    "{text}. Body: {{\"errors\": [{{\"code\", \"field\", \"message\"}}]}}"
                )),
            );
        }
        op = op.responses(responses.build());
        for q in r.query {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(*q)
                    .parameter_in(ParameterIn::Query)
                    .required(Required::False),
            );
        }
        for seg in r.path.split('/').filter(|s| s.starts_with('{')) {
            let name = seg.trim_matches(|c| c == '{' || c == '}');
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True),
            );
        }
        if r.body {
            op = op.request_body(Some(
                RequestBodyBuilder::new()
                    .content("application/json", ContentBuilder::new().build())
                    .required(Some(Required::True))
                    .build(),
            ));
        }
        paths = paths.path(r.path, PathItem::new(r.method.clone(), op.build()));
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("beh — behörighetsbeställning")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "The HTTP API of beh (HTTP-API.md). Every 4xx/5xx body is the error document.",
                ))
                .build(),
        )
        .paths(paths.build())
        .build()
}

/// GET /api/v1/openapi.json
pub async fn document() -> Json<OpenApi> {
    Json(build())
}
