//! The guide's story and every contract rule over HTTP, on SQLite and on PostgreSQL.

use crate::support::*;
use serde_json::{json, Value};

async fn story(db: Db) {
    let smtp = Smtp::start();
    let tickets = Tickets::start(1).await; // the service desk is down for the first call
    let beh = Beh::start(&db, &config(Some(&smtp), Some(&tickets)), &[]);

    // Agda looks up 197311056290 in KIV.
    let agda = beh.login(AGDA).await;
    let (s, p) = agda.get("/api/v1/persons?personnummer=197311056290").await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["vgr_id"], "steli11");
    assert_eq!(p["responsibility_number"], "Z60640");
    assert_eq!(p["title"], "Konsult");
    assert_eq!(p["hsa_id"], STEN);
    assert_eq!(p["student"], false);

    // She orders NPÖ for two care units plus one regional system.
    let (s, v) = agda.post("/api/v1/orders/validate", story_draft()).await;
    assert_eq!((s, &v), (200, &json!({"valid": true})));
    let (s, created) = agda.post("/api/v1/orders", story_draft()).await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["status"], "awaiting_attestation");
    let n = created["order_number"].as_str().unwrap().to_owned();
    assert!(n.starts_with('c'));

    // The attestant gets a mail with the link to the attest page.
    let mail = eventually(20, || {
        smtp.find(&[&format!("Behörighetsbeställning {n}"), "fredrik.dahlbom@example.invalid"])
            .into_iter()
            .next()
    })
    .await;
    assert!(mail.contains("du har en behörighetsbeställning att attestera"), "{mail}");
    assert!(mail.contains(&format!("/attest/{n}")), "{mail}");
    // Nothing reaches the service desk before attestation (R14).
    assert!(tickets.for_order(&n).is_empty());
    let desk = beh.login(DESK).await;
    assert_eq!(desk.get(&format!("/api/v1/orders/{n}")).await.0, 404);

    // Fredrik removes one line and signs with his demo signature certificate.
    let fredrik = beh.login(FREDRIK).await;
    let (s, inbox) = fredrik.get("/api/v1/orders?role=attestant&status=awaiting_attestation").await;
    assert_eq!(s, 200);
    assert_eq!(inbox["total"], 1);
    let (s, order) = fredrik.get(&format!("/api/v1/orders/{n}")).await;
    assert_eq!(s, 200);
    let flexlab =
        order["lines"].as_array().unwrap().iter().find(|l| l["permission"] == "flexlab").unwrap()
            ["line_id"]
            .as_u64()
            .unwrap();
    let (s, attested) = fredrik.attest(&n, &[flexlab as u32]).await;
    assert_eq!(s, 200, "{attested}");
    assert_eq!(attested["status"], "attested");
    let states: Vec<&str> = attested["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, vec!["approved", "removed"]);

    // The ticket reaches the receiver once (after one refused delivery), keyed by order number.
    let t = eventually(30, || tickets.for_order(&n).into_iter().next()).await;
    assert_eq!(t.0, n);
    assert_eq!(t.1["permissions"].as_array().unwrap().len(), 1);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(tickets.for_order(&n).len(), 1, "ticket delivered more than once");

    // The service desk completes with credentials.
    let (s, done) = desk
        .post(
            &format!("/api/v1/orders/{n}/completion"),
            json!({"note": "Klart", "credentials": "Användarnamn steli11, lösen Hemligt-4711"}),
        )
        .await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(done["status"], "completed");
    assert!(done.get("credentials").is_none());

    // The orderer gets the completion mail, without the credentials.
    let mail = eventually(20, || {
        smtp.find(&[&format!("Din behörighetsansökan {n} är nu behandlad")]).into_iter().next()
    })
    .await;
    assert!(mail.contains("agda.andersson@example.invalid"), "{mail}");
    assert!(mail.contains("Sökta behörigheter: NPÖ"), "{mail}");
    assert!(!mail.contains("Hemligt-4711"));
    for m in smtp.messages() {
        assert!(!m.contains("Hemligt-4711"), "credentials in a mail");
    }

    // Only the orderer reads the credentials; the attestant and the end user get no field.
    let (_, o) = agda.get(&format!("/api/v1/orders/{n}")).await;
    assert_eq!(o["credentials"], "Användarnamn steli11, lösen Hemligt-4711");
    let sten = beh.login(STEN).await;
    for (who, c) in [("attestant", &fredrik), ("end user", &sten), ("service desk", &desk)] {
        let (s, o) = c.get(&format!("/api/v1/orders/{n}")).await;
        assert_eq!(s, 200, "{who}");
        assert_eq!(o["has_credentials"], true);
        assert!(o.get("credentials").is_none(), "{who} saw credentials");
    }
    // The end user now holds NPÖ.
    let (_, held) = agda.get(&format!("/api/v1/persons/{STEN}/permissions")).await;
    assert_eq!(held["items"][0]["permission"], "npo");
    assert_eq!(held["items"][0]["since_order"], n.as_str());
    // The audit chain verifies.
    let (s, audit) = agda.get(&format!("/api/v1/orders/{n}/audit")).await;
    assert_eq!(s, 200);
    assert_eq!(audit["verified"], true);
    assert_eq!(audit["first_broken"], Value::Null);
    assert_eq!(audit["entries"].as_array().unwrap().len(), 3);
    // Credentials and personnummer never reach the log.
    let log = beh.log();
    assert!(!log.contains("Hemligt-4711"));
    assert!(!log.contains("197311056290"), "personnummer in the log");
}

#[tokio::test(flavor = "multi_thread")]
async fn story_on_sqlite() {
    story(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn story_on_postgres() {
    story(Db::Postgres).await;
}

async fn paths(db: Db) {
    let smtp = Smtp::start();
    let tickets = Tickets::start(0).await;
    let beh = Beh::start(&db, &config(Some(&smtp), Some(&tickets)), &[]);
    let su_draft = |attestant: &str| {
        json!({
            "end_user": {"hsa_id": SUTES}, "workplace": "SU", "administration": "su", "kind": "new",
            "permissions": [{"permission": "surf"}], "area": "sahlgrenska", "operation": "medicin",
            "attestant_hsa_id": attestant, "start_date": tomorrow()
        })
    };

    // R9: Linnea is orderer and attestant: attested at once, no mail to the attestant, a ticket.
    let linnea = beh.login(LINNEA).await;
    let (s, r9) = linnea.post("/api/v1/orders", su_draft(LINNEA)).await;
    assert_eq!((s, r9["status"].as_str()), (201, Some("attested")), "{r9}");
    let n9 = r9["order_number"].as_str().unwrap().to_owned();
    eventually(20, || tickets.for_order(&n9).into_iter().next()).await;
    assert!(smtp.find(&[&format!("Behörighetsbeställning {n9}")]).is_empty());

    // Change of attestant: Erik orders with Marie, changes to Linnea; Linnea gets the mail,
    // Marie loses access.
    let erik = beh.login(ERIK).await;
    let (_, o) = erik.post("/api/v1/orders", su_draft(MARIE)).await;
    let n = o["order_number"].as_str().unwrap().to_owned();
    let (s, changed) = erik
        .put(&format!("/api/v1/orders/{n}/attestant"), json!({"attestant_hsa_id": LINNEA}))
        .await;
    assert_eq!(s, 200, "{changed}");
    assert_eq!(changed["attestant"]["hsa_id"], LINNEA);
    eventually(20, || {
        smtp.find(&[&format!("Behörighetsbeställning {n}"), "linnea.ericson@example.invalid"])
            .into_iter()
            .next()
    })
    .await;
    let marie = beh.login(MARIE).await;
    assert_eq!(marie.get(&format!("/api/v1/orders/{n}")).await.0, 404);
    // The orderer may see it but is not the attestant: 403 not_attestant.
    let (s, e) = erik.post(&format!("/api/v1/orders/{n}/rejection"), json!({"comment": "x"})).await;
    assert_eq!((s, e["errors"][0]["code"].as_str()), (403, Some("not_attestant")));
    // An attestant who may not attest there: 422.
    let (s, e) = erik
        .put(&format!("/api/v1/orders/{n}/attestant"), json!({"attestant_hsa_id": FREDRIK}))
        .await;
    assert_eq!((s, e["errors"][0]["code"].as_str()), (422, Some("attestant_not_authorized")));

    // Rejection with a comment: the orderer gets it by mail.
    let (s, rej) = linnea
        .post(
            &format!("/api/v1/orders/{n}/rejection"),
            json!({"comment": "Behövs inte i tjänsten"}),
        )
        .await;
    assert_eq!((s, rej["status"].as_str()), (200, Some("rejected")));
    let mail =
        eventually(20, || smtp.find(&[&format!("{n} har avslagits")]).into_iter().next()).await;
    assert!(
        mail.contains("Behövs inte i tjänsten") && mail.contains("erik.bjerner@example.invalid"),
        "{mail}"
    );
    // Final: a second decision is a 409.
    let (s, e) = linnea.post(&format!("/api/v1/orders/{n}/rejection"), json!({})).await;
    assert_eq!((s, e["errors"][0]["code"].as_str()), (409, Some("invalid_transition")));

    // Withdrawal by the orderer.
    let (_, o) = erik.post("/api/v1/orders", su_draft(MARIE)).await;
    let n = o["order_number"].as_str().unwrap().to_owned();
    let (s, w) = erik.post(&format!("/api/v1/orders/{n}/withdrawal"), json!({})).await;
    assert_eq!((s, w["status"].as_str()), (200, Some("withdrawn")), "{w}");
    let (s, e) = marie.post(&format!("/api/v1/orders/{n}/attestation/challenge"), json!({})).await;
    assert_eq!((s, e["errors"][0]["code"].as_str()), (409, Some("invalid_transition")));

    // The service desk with its bearer token.
    let token = reqwest::Client::new();
    let r = token
        .get(format!("{}/api/v1/orders?status=attested", beh.base))
        .bearer_auth("desk-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page: Value = r.json().await.unwrap();
    assert!(page["items"].as_array().unwrap().iter().any(|o| o["order_number"] == n9.as_str()));
    let r = token.get(format!("{}/api/v1/me", beh.base)).bearer_auth("wrong").send().await.unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn r9_change_reject_withdraw_on_sqlite() {
    paths(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn r9_change_reject_withdraw_on_postgres() {
    paths(Db::Postgres).await;
}

fn with(mut v: Value, f: impl FnOnce(&mut Value)) -> Value {
    f(&mut v);
    v
}

fn codes(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .map(|a| a.iter().map(|e| e["code"].as_str().unwrap_or("").to_owned()).collect())
        .unwrap_or_default()
}

/// Every 422 code of PRODUCT.md is reachable through the API.
#[tokio::test(flavor = "multi_thread")]
async fn every_422_code_is_reachable() {
    let beh = Beh::start(&Db::Sqlite, &config(None, None), &[]);
    let agda = beh.login(AGDA).await;
    let mut seen = std::collections::BTreeSet::new();
    let expect = |s: u16, v: &Value, code: &str, seen: &mut std::collections::BTreeSet<String>| {
        assert_eq!(s, 422, "{code}: {v}");
        assert!(codes(v).contains(&code.to_owned()), "{code} not in {v}");
        seen.insert(code.to_owned());
    };
    let d = story_draft();
    let cases: Vec<(&str, Value)> = vec![
        (
            "invalid_personnummer",
            with(d.clone(), |v| v["end_user"] = json!({"personnummer": "19731105-6291"})),
        ),
        ("invalid_hsa_id", with(d.clone(), |v| v["attestant_hsa_id"] = json!("SE-nope"))),
        (
            "invalid_passport_number",
            with(d.clone(), |v| v["end_user"] = json!({"passport": "A B"})),
        ),
        (
            "person_not_found",
            with(d.clone(), |v| v["end_user"] = json!({"hsa_id": "SE2321000131-P999"})),
        ),
        (
            "no_vgr_id",
            with(d.clone(), |v| v["end_user"] = json!({"hsa_id": "SE2321000131-P000000230156"})),
        ),
        ("missing_field", with(d.clone(), |v| v["workplace"] = Value::Null)),
        ("no_permissions", with(d.clone(), |v| v["permissions"] = json!([]))),
        ("start_date_in_past", with(d.clone(), |v| v["start_date"] = json!("2020-01-01"))),
        ("unknown_administration", with(d.clone(), |v| v["administration"] = json!("nowhere"))),
        ("unknown_choice", with(d.clone(), |v| v["area"] = json!("sahlgrenska"))),
        (
            "unknown_permission",
            with(d.clone(), |v| v["permissions"] = json!([{"permission": "quake"}])),
        ),
        (
            "missing_detail",
            with(d.clone(), |v| v["permissions"] = json!([{"permission": "ivaratt"}])),
        ),
        (
            "invalid_detail",
            with(d.clone(), |v| {
                v["permissions"] = json!([{"permission": "ivaratt", "details": {"role": "Kung"}}])
            }),
        ),
        (
            "care_units_required",
            with(d.clone(), |v| {
                v["permissions"] = json!([{"permission": "npo", "care_units": []}])
            }),
        ),
        (
            "too_many_care_units",
            with(d.clone(), |v| {
                v["permissions"] = json!([{"permission": "npo", "care_units": [
            "SE2321000131-E000000000101", "SE2321000131-E000000000102", "SE2321000131-E000000000103",
            "SE2321000131-E000000000104", "SE2321000131-E000000000105"]}])
            }),
        ),
        (
            "duplicate_care_unit",
            with(d.clone(), |v| {
                v["permissions"] = json!([{"permission": "npo", "care_units": [CARE_1, CARE_1]}])
            }),
        ),
        (
            "care_unit_not_found",
            with(d.clone(), |v| {
                v["permissions"] =
                    json!([{"permission": "npo", "care_units": ["SE2321000131-E999"]}])
            }),
        ),
        (
            "not_a_care_unit",
            with(d.clone(), |v| {
                v["permissions"] =
                    json!([{"permission": "npo", "care_units": ["SE2321000131-E000000000109"]}])
            }),
        ),
        ("permission_not_held", with(d.clone(), |v| v["kind"] = json!("termination"))),
        ("self_attestation", with(d.clone(), |v| v["end_user"] = json!({"hsa_id": FREDRIK}))),
        ("attestant_not_authorized", with(d.clone(), |v| v["attestant_hsa_id"] = json!(MARIE))),
    ];
    for (code, draft) in cases {
        let (s, v) = agda.post("/api/v1/orders/validate", draft).await;
        expect(s, &v, code, &mut seen);
    }
    // too_many_care_units answers with the contract's message and field.
    let (_, v) = agda
        .post(
            "/api/v1/orders/validate",
            with(d.clone(), |v| {
                v["permissions"] = json!([{"permission": "npo", "care_units": [
        "SE2321000131-E000000000101", "SE2321000131-E000000000102", "SE2321000131-E000000000103",
        "SE2321000131-E000000000104", "SE2321000131-E000000000105"]}])
            }),
        )
        .await;
    assert!(v["errors"].as_array().unwrap().contains(&json!({"code": "too_many_care_units", "field": "permissions[0].care_units", "message": "Ange högst fyra vårdenheter"})));
    // Every violation at once.
    let (s, v) = agda.post("/api/v1/orders/validate", json!({})).await;
    assert_eq!(s, 422);
    assert!(codes(&v).len() >= 9, "{v}");

    // already_holds_permission: complete an order first.
    let (_, o) = agda.post("/api/v1/orders", story_draft()).await;
    let n = o["order_number"].as_str().unwrap().to_owned();
    let fredrik = beh.login(FREDRIK).await;
    // nothing_to_approve
    let (s, v) = fredrik
        .post(&format!("/api/v1/orders/{n}/attestation/challenge"), json!({"remove": [1, 2]}))
        .await;
    expect(s, &v, "nothing_to_approve", &mut seen);
    // challenge_expired (unknown challenge)
    let (s, v) = fredrik
        .post(
            &format!("/api/v1/orders/{n}/attestation"),
            json!({"challenge_id": "nope", "signature": "AAAA", "certificates": []}),
        )
        .await;
    expect(s, &v, "challenge_expired", &mut seen);
    // The certificate and signature codes, each with a bad certificate of Fredrik's.
    let fx = fixtures();
    let ca = std::fs::read_to_string(fx.join("ca/person-ca.pem")).unwrap();
    let own_key = std::fs::read_to_string(fx.join(format!("persons/{FREDRIK}-sign.key"))).unwrap();
    let own_cert = std::fs::read_to_string(fx.join(format!("persons/{FREDRIK}-sign.pem"))).unwrap();
    let agda_key = std::fs::read_to_string(fx.join(format!("persons/{AGDA}-sign.key"))).unwrap();
    let agda_cert = std::fs::read_to_string(fx.join(format!("persons/{AGDA}-sign.pem"))).unwrap();
    let bad = |name: &str| {
        (
            std::fs::read_to_string(fx.join(format!("bad/{name}.key"))).unwrap(),
            std::fs::read_to_string(fx.join(format!("bad/{name}.pem"))).unwrap(),
        )
    };
    let mut cases = vec![
        ("certificate_expired", bad("expired"), false),
        ("certificate_not_yet_valid", bad("not-yet-valid"), false),
        ("certificate_revoked", bad("revoked"), false),
        ("certificate_usage", bad("wrong-usage"), false),
        ("certificate_untrusted", bad("self-signed"), false),
        ("signer_mismatch", (agda_key, agda_cert), false),
        ("signature_invalid", (own_key.clone(), own_cert.clone()), true),
    ];
    for (code, (key, cert), tamper) in cases.drain(..) {
        let (s, c) = fredrik
            .post(&format!("/api/v1/orders/{n}/attestation/challenge"), json!({"remove": []}))
            .await;
        assert_eq!(s, 200, "{c}");
        let mut tbs = b64d(c["tbs"].as_str().unwrap());
        if tamper {
            tbs.push(b' ');
        }
        let sig = sign(&key, &tbs);
        let (s, v) = fredrik
            .post(&format!("/api/v1/orders/{n}/attestation"), json!({"challenge_id": c["challenge_id"], "signature": b64e(&sig), "certificates": [cert, ca]}))
            .await;
        expect(s, &v, code, &mut seen);
        // The challenge is used now, valid or not.
        let (s, v) = fredrik
            .post(&format!("/api/v1/orders/{n}/attestation"), json!({"challenge_id": c["challenge_id"], "signature": b64e(&sig), "certificates": [own_cert.clone()]}))
            .await;
        assert_eq!((s, codes(&v)), (409, vec!["challenge_used".to_owned()]));
    }
    // Attest and complete, then order the same again: already_holds_permission.
    assert_eq!(fredrik.attest(&n, &[]).await.0, 200);
    let desk = beh.login(DESK).await;
    assert_eq!(
        desk.post(&format!("/api/v1/orders/{n}/completion"), json!({"note": "ok"})).await.0,
        200
    );
    let (s, v) = agda.post("/api/v1/orders/validate", story_draft()).await;
    expect(s, &v, "already_holds_permission", &mut seen);

    let all: Vec<&str> = vec![
        "invalid_personnummer",
        "invalid_hsa_id",
        "invalid_passport_number",
        "person_not_found",
        "no_vgr_id",
        "missing_field",
        "no_permissions",
        "start_date_in_past",
        "unknown_administration",
        "unknown_choice",
        "unknown_permission",
        "missing_detail",
        "invalid_detail",
        "care_units_required",
        "too_many_care_units",
        "duplicate_care_unit",
        "care_unit_not_found",
        "not_a_care_unit",
        "already_holds_permission",
        "permission_not_held",
        "self_attestation",
        "attestant_not_authorized",
        "nothing_to_approve",
        "signature_invalid",
        "certificate_untrusted",
        "certificate_expired",
        "certificate_not_yet_valid",
        "certificate_revoked",
        "certificate_usage",
        "signer_mismatch",
        "challenge_expired",
    ];
    for code in all {
        assert!(seen.contains(code), "{code} never reached");
    }
    // 403 forbidden: an administration Agda may not order for.
    let (s, v) =
        agda.post("/api/v1/orders/validate", with(d, |v| v["administration"] = json!("su"))).await;
    assert_eq!((s, codes(&v)), (403, vec!["forbidden".to_owned()]));
}

/// Malformed JSON, wrong types, huge bodies, unknown routes and bad identifiers: 4xx with the
/// error document, never 5xx.
#[tokio::test(flavor = "multi_thread")]
async fn malformed_requests_get_4xx_with_the_error_document() {
    let beh = Beh::start(&Db::Sqlite, &config(None, None), &[]);
    let c = beh.login(AGDA).await;
    let anon = Client::new(&beh.base);
    let (_, o) = c.post("/api/v1/orders", story_draft()).await;
    let n = o["order_number"].as_str().unwrap().to_owned();
    let mut bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"{".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"\"x\"".to_vec(),
        b"{\"kind\": 5}".to_vec(),
        b"{\"end_user\": []}".to_vec(),
        b"{\"permissions\": {}}".to_vec(),
        b"{\"start_date\": \"2026-02-30\"}".to_vec(),
        b"{\"end_user\": {\"personnummer\": 1}}".to_vec(),
        vec![0xff, 0xfe, 0x00],
        b"{\"a\":".repeat(100),
        b"{\"permissions\": [{\"permission\": \"npo\", \"care_units\": [1,2]}]}".to_vec(),
        b"{\"approve\": \"x\"}".to_vec(),
        b"{\"challenge_id\": 5}".to_vec(),
        b"{\"comment\": []}".to_vec(),
        "{\"comment\": \"".repeat(3).into_bytes(),
        b"{\"remove\": [-1]}".to_vec(),
        b"{\"remove\": [99999999999]}".to_vec(),
    ];
    let mut seed = 0x2545F4914F6CDD1Du64;
    for _ in 0..60 {
        let len = (seed % 64) as usize;
        let mut b = Vec::with_capacity(len);
        for _ in 0..len {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let alphabet: &[u8] = b"{}[]\":,0123456789abcxyz\\ \xc3\xa5\x00nultrefas";
            b.push(alphabet[(seed % alphabet.len() as u64) as usize]);
        }
        bodies.push(b);
    }
    let posts = [
        "/api/v1/orders",
        "/api/v1/orders/validate",
        "/api/v1/demo/login",
        &format!("/api/v1/orders/{n}/attestation/challenge"),
        &format!("/api/v1/orders/{n}/attestation"),
        &format!("/api/v1/orders/{n}/rejection"),
        &format!("/api/v1/orders/{n}/completion"),
    ];
    let mut count = 0;
    for path in posts {
        for body in &bodies {
            let (s, v) =
                c.raw(reqwest::Method::POST, path, Some("application/json"), body.clone()).await;
            assert!((400..500).contains(&s), "{path} {:?}: {s} {v}", String::from_utf8_lossy(body));
            assert!(v["errors"][0]["code"].is_string(), "{path}: {v}");
            count += 1;
        }
    }
    let (s, v) = c
        .raw(
            reqwest::Method::PUT,
            &format!("/api/v1/orders/{n}/attestant"),
            Some("application/json"),
            b"{\"attestant_hsa_id\": 7}".to_vec(),
        )
        .await;
    assert_eq!((s, v["errors"][0]["field"].as_str()), (400, Some("attestant_hsa_id")));
    // Wrong content type, huge body.
    let (s, v) =
        c.raw(reqwest::Method::POST, "/api/v1/orders", Some("text/plain"), b"{}".to_vec()).await;
    assert_eq!((s, v["errors"][0]["code"].as_str()), (415, Some("bad_request")));
    // (On a connection of its own: the server answers 413 without reading the whole body.)
    let fresh = beh.login(AGDA).await;
    let (s, v) = fresh
        .raw(
            reqwest::Method::POST,
            "/api/v1/orders",
            Some("application/json"),
            vec![b' '; 3 * 1024 * 1024],
        )
        .await;
    assert_eq!((s, v["errors"][0]["code"].as_str()), (413, Some("bad_request")));
    // Unknown routes, methods, bad identifiers, bad query values.
    let gets = [
        "/api/v1/nope",
        "/nope",
        "/api/v1/orders/36539",
        "/api/v1/orders/c0",
        "/api/v1/orders/c99999999",
        "/api/v1/orders/%00",
        "/api/v1/orders/c1/audit",
        "/api/v1/persons",
        "/api/v1/persons?personnummer=123",
        "/api/v1/persons?hsa_id=x",
        "/api/v1/persons?passport=%20",
        "/api/v1/persons?personnummer=197311056290&hsa_id=x",
        "/api/v1/persons?personnummer=191212121212",
        "/api/v1/persons/xyz/permissions",
        "/api/v1/catalog",
        "/api/v1/catalog?administration=nope",
        "/api/v1/attestants?administration=",
        "/api/v1/orders?page=0",
        "/api/v1/orders?page=x",
        "/api/v1/orders?per_page=100000",
        "/api/v1/orders?status=done",
        "/api/v1/orders?role=boss",
        "/api/v1/orders?from=2026-13-01",
        "/api/v1/orders?kind=x",
        "/api/v1/orders?order_number=36539",
        "/api/v1/care-units?q=",
    ];
    for path in gets {
        let (s, v) = c.get(path).await;
        if path == "/api/v1/care-units?q=" {
            assert_eq!(s, 200);
            continue;
        }
        assert!((400..500).contains(&s), "{path}: {s} {v}");
        assert!(v["errors"][0]["code"].is_string(), "{path}: {v}");
        count += 1;
    }
    let (s, v) = c.raw(reqwest::Method::DELETE, "/api/v1/orders", None, vec![]).await;
    assert_eq!((s, v["errors"][0]["code"].as_str()), (405, Some("bad_request")));
    // No identity: 401 with the document.
    for path in ["/api/v1/me", "/api/v1/orders", &format!("/api/v1/orders/{n}")] {
        let (s, v) = anon.get(path).await;
        assert_eq!((s, v["errors"][0]["code"].as_str()), (401, Some("unauthenticated")), "{path}");
        count += 1;
    }
    assert!(count >= 200, "only {count} requests");
    assert!(!beh.log().contains("panicked"));
}

#[tokio::test(flavor = "multi_thread")]
async fn openapi_metrics_health_and_graceful_shutdown() {
    let mut beh = Beh::start(&Db::Sqlite, &config(None, None), &[]);
    let c = Client::new(&beh.base);
    let (s, doc) = c.get("/api/v1/openapi.json").await;
    assert_eq!(s, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for p in [
        "/api/v1/orders",
        "/api/v1/orders/{order_number}/attestation/challenge",
        "/api/v1/care-units",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} missing");
    }
    assert_eq!(c.get("/healthz").await.0, 200);
    let (s, r) = c.get("/readyz").await;
    assert_eq!((s, &r["status"]), (200, &json!("ready")));
    let agda = beh.login(AGDA).await;
    assert_eq!(agda.post("/api/v1/orders", story_draft()).await.0, 201);
    let m = reqwest::get(format!("{}/metrics", beh.base)).await.unwrap().text().await.unwrap();
    assert!(m.contains("beh_orders_submitted_total 1"), "{m}");
    let status = beh.stop();
    assert!(status.success(), "{status:?}");
}

fn beh_cmd(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_beh")).args(args).output().unwrap()
}

/// `beh verify`, `beh migrate`, `beh audit verify`, `beh --help`.
#[tokio::test(flavor = "multi_thread")]
async fn command_line() {
    let help = String::from_utf8(beh_cmd(&["--help"]).stdout).unwrap();
    for c in ["serve", "migrate", "verify", "audit"] {
        assert!(help.contains(c), "{help}");
    }
    // beh verify: valid (0), invalid (1), malformed (2), each with the JSON result on stdout.
    let dir = tempfile::tempdir().unwrap();
    let fx = fixtures();
    let read = |p: &str| std::fs::read_to_string(fx.join(p)).unwrap();
    let tbs = b"beh-attest-v1 test bytes";
    let sig = sign(&read(&format!("persons/{FREDRIK}-sign.key")), tbs);
    let request = |tbs: &[u8]| {
        json!({
            "tbs": b64e(tbs), "signature": b64e(&sig),
            "certificates": [read(&format!("persons/{FREDRIK}-sign.pem")), read("ca/person-ca.pem")],
            "trust_anchors": [read("ca/root-ca.pem")], "at": "2026-12-04T10:00:00Z",
            "crls": [read("crl/person-ca.crl.pem"), read("crl/root-ca.crl.pem")]
        })
    };
    let cases = [
        (request(tbs).to_string(), 0, "\"valid\":true"),
        (request(b"other bytes").to_string(), 1, "signature_invalid"),
        ("{not json".to_owned(), 2, "bad_request"),
    ];
    for (i, (body, code, needle)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("r{i}.json"));
        std::fs::write(&path, body).unwrap();
        let out = beh_cmd(&["verify", "--request", path.to_str().unwrap()]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(*code), "{stdout}");
        assert!(stdout.replace(' ', "").contains(needle), "{stdout}");
    }
    let ok: Value = serde_json::from_str(
        String::from_utf8_lossy(
            &beh_cmd(&["verify", "--request", dir.path().join("r0.json").to_str().unwrap()]).stdout,
        )
        .trim(),
    )
    .unwrap();
    assert_eq!(ok["signer_hsa_id"], FREDRIK);
    assert_eq!(ok["revocation_checked"], true);

    // beh migrate, then a server on that database, then beh audit verify.
    let db = format!("sqlite://{}", dir.path().join("beh.db").display());
    let out = beh_cmd(&["migrate", "--database", &db]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    {
        let beh = Beh::start(&Db::Sqlite, &config(None, None), &[]);
        let agda = beh.login(AGDA).await;
        assert_eq!(agda.post("/api/v1/orders", story_draft()).await.0, 201);
        let db_of_server = format!("sqlite://{}", beh.dir.path().join("beh.db").display());
        let out = beh_cmd(&["audit", "verify", "--database", &db_of_server]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
        assert!(
            stdout.contains("1 orders") && stdout.contains("every audit chain verifies"),
            "{stdout}"
        );
    }
    // A configuration problem is reported with the key's name, not a panic.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_beh"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database", &db])
        .env("BEH__DATABASE__CREDENTIAL_KEYS__K1", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("signing.trust_anchors"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
