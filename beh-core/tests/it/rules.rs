//! Each rule R1–R18 the core decides: one test where it holds, one where it is violated.

use crate::support::*;
use beh_core::catalog::DetailValue;
use beh_core::directory::PersonKey;
use beh_core::id::{HsaId, OrderNumber};
use beh_core::order::{DraftLine, EndUserRef, LineState, OrderDraft, OrderKind, OrderStatus};
use beh_core::outbox::MessageKind;
use beh_core::ports::{Change, OrderQuery, OrderStore, Role, SignedDecision, Visibility};
use beh_core::service::DecisionRequest;
use beh_core::testing::FakeVerifier;
use beh_core::{Code, ErrorClass};
use chrono::{Duration, NaiveDate};

fn validate(w: &World, orderer: &str, d: &OrderDraft) -> Result<(), beh_core::Error> {
    run(w.service.validate(&w.actor(orderer), d)).map(|_| ())
}

// ---------------------------------------------------------------- R1

#[test]
fn r1_every_end_user_form_is_accepted() {
    let w = world();
    for form in ["197311056290", "19731105-6290", "731105-6290", "7311056290"] {
        let mut d = guide_draft();
        d.end_user = Some(EndUserRef::Personnummer(form.into()));
        validate(&w, STEN, &d).unwrap();
    }
    let mut d = guide_draft();
    d.end_user = Some(EndUserRef::HsaId(STEN.into()));
    validate(&w, STEN, &d).unwrap();
}

#[test]
fn r1_bad_identifiers_are_named_with_their_field() {
    let w = world();
    let mut d = guide_draft();
    d.end_user = Some(EndUserRef::Personnummer("19731105-6291".into()));
    assert_codes(
        validate(&w, STEN, &d),
        &[(Code::InvalidPersonnummer, Some("end_user.personnummer"))],
    );
    d.end_user = Some(EndUserRef::Passport("AB 12".into()));
    assert_codes(
        validate(&w, STEN, &d),
        &[(Code::InvalidPassportNumber, Some("end_user.passport"))],
    );
    d.end_user = Some(EndUserRef::HsaId("SE123-X".into()));
    assert_codes(validate(&w, STEN, &d), &[(Code::InvalidHsaId, Some("end_user.hsa_id"))]);
    let mut d = guide_draft();
    d.attestant_hsa_id = Some("not-an-hsa-id".into());
    assert_codes(validate(&w, STEN, &d), &[(Code::InvalidHsaId, Some("attestant_hsa_id"))]);
}

#[test]
fn r1_seed_example() {
    use beh_core::id::Personnummer;
    assert!(Personnummer::parse("197311056290", today()).is_ok());
    assert_eq!(
        Personnummer::parse("19731105-6291", today()).unwrap_err().code,
        Code::InvalidPersonnummer
    );
}

// ---------------------------------------------------------------- R2

#[test]
fn r2_end_user_must_exist_and_have_a_vgr_id_unless_student() {
    let w = world();
    let mut d = guide_draft();
    // Student without VGR-ID is the exception.
    d.end_user = Some(EndUserRef::HsaId(STUDENT.into()));
    validate(&w, STEN, &d).unwrap();
    d.end_user = Some(EndUserRef::HsaId(UTAN.into()));
    assert_codes(validate(&w, STEN, &d), &[(Code::NoVgrId, Some("end_user"))]);
    // A valid number nobody has.
    d.end_user = Some(EndUserRef::Personnummer("191212121212".into()));
    assert_codes(validate(&w, STEN, &d), &[(Code::PersonNotFound, Some("end_user"))]);
    let err = validate(&w, STEN, &d).unwrap_err();
    assert_eq!(err.class, ErrorClass::Rule);
    assert!(err.violations[0].message.contains("KIV"));
}

#[test]
fn r2_person_lookup_by_every_key() {
    let w = world();
    let a = w.actor(STEN);
    for key in [
        PersonKey::Personnummer(
            beh_core::id::Personnummer::parse("197311056290", today()).unwrap(),
        ),
        PersonKey::HsaId(HsaId::parse(STEN).unwrap()),
        PersonKey::VgrId(beh_core::id::VgrId::parse("steli11").unwrap()),
    ] {
        assert_eq!(run(w.service.find_person(&a, &key)).unwrap().hsa_id.as_str(), STEN);
    }
    let missing = PersonKey::HsaId(HsaId::parse("SE2321000131-P9").unwrap());
    let err = run(w.service.find_person(&a, &missing)).unwrap_err();
    assert_eq!((err.primary(), err.class), (Code::PersonNotFound, ErrorClass::NotFound));
}

// ---------------------------------------------------------------- R3

#[test]
fn r3_every_missing_field_at_once() {
    let w = world();
    let err = validate(&w, STEN, &OrderDraft::default()).unwrap_err();
    let fields: Vec<_> =
        err.violations.iter().map(|v| (v.code, v.field.clone().unwrap())).collect();
    for f in [
        "end_user",
        "administration",
        "kind",
        "area",
        "operation",
        "attestant_hsa_id",
        "start_date",
        "workplace",
    ] {
        assert!(fields.contains(&(Code::MissingField, f.to_owned())), "{f}: {fields:?}");
    }
    assert!(fields.contains(&(Code::NoPermissions, "permissions".to_owned())));
    // Blank text counts as missing.
    let mut d = guide_draft();
    d.workplace = Some("   ".into());
    assert_only(validate(&w, STEN, &d), Code::MissingField);
    // The complete draft passes.
    validate(&w, STEN, &guide_draft()).unwrap();
}

// ---------------------------------------------------------------- R4

#[test]
fn r4_start_date_today_or_later_in_stockholm() {
    let w = world();
    let mut d = guide_draft();
    d.start_date = Some(today());
    validate(&w, STEN, &d).unwrap();
    d.start_date = Some(today() - Duration::days(1));
    assert_codes(validate(&w, STEN, &d), &[(Code::StartDateInPast, Some("start_date"))]);
    // At 23:30 UTC on 4 Dec it is already 5 Dec in Stockholm: 4 Dec is in the past.
    w.clock.set(chrono::DateTime::parse_from_rfc3339("2026-12-04T23:30:00Z").unwrap().into());
    d.start_date = Some(today());
    assert_codes(validate(&w, STEN, &d), &[(Code::StartDateInPast, Some("start_date"))]);
}

// ---------------------------------------------------------------- R5

#[test]
fn r5_administration_choices_and_catalog() {
    let w = world();
    let mut d = guide_draft();
    d.administration = Some("nowhere".into());
    assert_codes(validate(&w, STEN, &d), &[(Code::UnknownAdministration, Some("administration"))]);

    let mut d = guide_draft();
    d.administration = Some("su".into());
    let err = validate(&w, STEN, &d).unwrap_err();
    assert_eq!((err.class, err.primary()), (ErrorClass::Forbidden, Code::Forbidden));

    let mut d = guide_draft();
    d.area = Some("sahlgrenska".into());
    d.operation = Some("nope".into());
    d.project = Some("millennium".into());
    assert_codes(
        validate(&w, STEN, &d),
        &[
            (Code::UnknownChoice, Some("area")),
            (Code::UnknownChoice, Some("operation")),
            (Code::UnknownChoice, Some("project")),
        ],
    );
    d.project = Some("digital-vard".into());
    d.area = Some("vardcentraler".into());
    d.operation = Some("majorna".into());
    validate(&w, STEN, &d).unwrap();
}

#[test]
fn r5_permissions_and_details() {
    let w = world();
    let mut d = guide_draft();
    let role = |r: &str| Some([("role".to_owned(), DetailValue::One(r.into()))].into());
    d.permissions = Some(vec![
        line("quake"),
        line("ivaratt"),
        DraftLine {
            permission: "obstetrix".into(),
            details: Some([("title".to_owned(), DetailValue::One("ssk".into()))].into()),
            care_units: None,
        },
        DraftLine { permission: "postop".into(), details: role("Chef"), care_units: None },
        DraftLine { permission: "surf".into(), details: role("x"), care_units: None },
    ]);
    assert_codes(
        validate(&w, STEN, &d),
        &[
            (Code::UnknownPermission, Some("permissions[0].permission")),
            (Code::MissingDetail, Some("permissions[1].details.role")),
            (Code::InvalidDetail, Some("permissions[3].details.role")),
            (Code::MissingDetail, Some("permissions[3].details.departments")),
            (Code::InvalidDetail, Some("permissions[4].details.role")),
        ],
    );
    // Obstetrix with a title was fine, so it is not named.
    let err = validate(&w, STEN, &d).unwrap_err();
    assert!(!err.violations.iter().any(|v| v
        .field
        .as_deref()
        .unwrap_or("")
        .starts_with("permissions[2]")));

    // Postop with role and departments is valid; VGR IT does not offer Ivarätt.
    let mut d = guide_draft();
    d.permissions = Some(vec![DraftLine {
        permission: "postop".into(),
        details: Some(
            [
                ("role".to_owned(), DetailValue::One("Koordinator".into())),
                ("departments".to_owned(), DetailValue::Many(vec!["AnOpIVA".into(), "SS".into()])),
            ]
            .into(),
        ),
        care_units: None,
    }]);
    validate(&w, STEN, &d).unwrap();
}

#[test]
fn r5_a_permission_named_twice_is_a_bad_request() {
    let w = world();
    let mut d = guide_draft();
    d.permissions = Some(vec![line("flexlab"), line("flexlab")]);
    let err = validate(&w, STEN, &d).unwrap_err();
    assert_eq!((err.class, err.primary()), (ErrorClass::BadRequest, Code::BadRequest));
}

// ---------------------------------------------------------------- R6

fn npo(units: &[&str]) -> OrderDraft {
    let mut d = guide_draft();
    d.permissions = Some(vec![DraftLine {
        permission: "npo".into(),
        details: None,
        care_units: Some(units.iter().map(|s| s.to_string()).collect()),
    }]);
    d
}

#[test]
fn r6_one_to_four_distinct_care_units() {
    let w = world();
    validate(&w, STEN, &npo(&[CARE_1])).unwrap();
    validate(&w, STEN, &npo(&[CARE_1, CARE_2, CARE_3, CARE_4])).unwrap();
    let f = Some("permissions[0].care_units");
    assert_codes(validate(&w, STEN, &npo(&[])), &[(Code::CareUnitsRequired, f)]);
    assert_codes(
        validate(&w, STEN, &npo(&[CARE_1, CARE_2, CARE_3, CARE_4, CARE_5])),
        &[(Code::TooManyCareUnits, f)],
    );
    assert_codes(
        validate(&w, STEN, &npo(&[CARE_1, CARE_2, CARE_3, CARE_4, CARE_1])),
        &[(Code::TooManyCareUnits, f), (Code::DuplicateCareUnit, f)],
    );
    assert_codes(validate(&w, STEN, &npo(&[CARE_1, CARE_1])), &[(Code::DuplicateCareUnit, f)]);
    assert_codes(
        validate(&w, STEN, &npo(&["SE2321000131-E999", NOT_CARE, "junk"])),
        &[
            (Code::CareUnitNotFound, Some("permissions[0].care_units[0]")),
            (Code::NotACareUnit, Some("permissions[0].care_units[1]")),
            (Code::InvalidHsaId, Some("permissions[0].care_units[2]")),
        ],
    );
    let err = validate(&w, STEN, &npo(&[CARE_1, CARE_2, CARE_3, CARE_4, CARE_5])).unwrap_err();
    assert_eq!(err.violations[0].message, "Ange högst fyra vårdenheter");
}

// ---------------------------------------------------------------- R7

#[test]
fn r7_holdings_follow_completed_orders() {
    let w = world();
    let order = w.submit(STEN, &guide_draft()).unwrap();
    let order = w.attest(FREDRIK, &order, &[2]).unwrap();
    let desk = w.actor(DESK);
    run(w.service.complete(&desk, order.number, Some("Klart"), Some("user: steli11"))).unwrap();
    let held = run(w.service.holdings(&w.actor(STEN), &HsaId::parse(STEN).unwrap())).unwrap();
    // Only the approved line (NPÖ) is held; Ivarätt was removed by the attestant.
    assert_eq!(held.iter().map(|h| h.permission.as_str()).collect::<Vec<_>>(), vec!["npo"]);
    assert_eq!(held[0].since_order, order.number);

    // new for a held permission: already_holds_permission.
    assert_codes(
        validate(&w, STEN, &npo(&[CARE_3])),
        &[(Code::AlreadyHoldsPermission, Some("permissions[0].permission"))],
    );
    // change of a held one is fine; change of one not held is permission_not_held.
    let mut d = npo(&[CARE_3]);
    d.kind = Some(OrderKind::Change);
    validate(&w, STEN, &d).unwrap();
    let mut d = guide_draft();
    d.kind = Some(OrderKind::Termination);
    d.permissions = Some(vec![line("surf")]);
    assert_codes(
        validate(&w, STEN, &d),
        &[(Code::PermissionNotHeld, Some("permissions[0].permission"))],
    );

    // Termination, completed, removes the holding.
    let mut d = guide_draft();
    d.kind = Some(OrderKind::Termination);
    d.permissions = Some(vec![line("npo")]);
    let t = w.submit(STEN, &d).unwrap();
    let t = w.attest(FREDRIK, &t, &[]).unwrap();
    run(w.service.complete(&desk, t.number, None, None)).unwrap();
    assert!(run(w.service.holdings(&w.actor(STEN), &HsaId::parse(STEN).unwrap()))
        .unwrap()
        .is_empty());
}

// ---------------------------------------------------------------- R8

#[test]
fn r8_nobody_attests_their_own_access() {
    let w = world();
    // Fredrik orders for himself: fine with Agda as attestant...
    let mut d = guide_draft();
    d.end_user = Some(EndUserRef::HsaId(FREDRIK.into()));
    d.attestant_hsa_id = Some(AGDA.into());
    validate(&w, STEN, &d).unwrap();
    // ...but not with himself.
    d.attestant_hsa_id = Some(FREDRIK.into());
    assert_codes(validate(&w, STEN, &d), &[(Code::SelfAttestation, Some("attestant_hsa_id"))]);
    // Nor by changing the attestant afterwards.
    d.attestant_hsa_id = Some(AGDA.into());
    let o = w.submit(STEN, &d).unwrap();
    assert_codes(
        run(w.service.change_attestant(&w.actor(STEN), o.number, FREDRIK)),
        &[(Code::SelfAttestation, Some("attestant_hsa_id"))],
    );
}

// ---------------------------------------------------------------- R9

#[test]
fn r9_orderer_is_attestant_skips_the_attest_step() {
    let w = world();
    let mut d = guide_draft();
    d.administration = Some("su".into());
    d.area = Some("sahlgrenska".into());
    d.operation = Some("medicin".into());
    d.end_user = Some(EndUserRef::HsaId(SUTES.into()));
    d.permissions = Some(vec![line("flexlab")]);
    d.attestant_hsa_id = Some(LINNEA.into());
    let o = w.submit(LINNEA, &d).unwrap();
    assert_eq!(o.status(), OrderStatus::Attested);
    assert!(o.lines.iter().all(|l| l.state == LineState::Approved));
    let kinds: Vec<_> = w.store.outbox_items().iter().map(|i| i.message.kind).collect();
    assert_eq!(kinds, vec![MessageKind::Ticket]);
    let audit = run(w.service.audit(&w.actor(LINNEA), o.number)).unwrap();
    let actions: Vec<_> = audit.entries.iter().map(|e| e.action).collect();
    use beh_core::audit::AuditAction;
    assert_eq!(actions, vec![AuditAction::Submitted, AuditAction::AttestationSkipped]);
    assert!(audit.entries[1].details["reason"].as_str().unwrap().contains("attestant"));

    // With another attestant the step is not skipped and the attestant gets a mail.
    d.attestant_hsa_id = Some(MARIE.into());
    let o = w.submit(LINNEA, &d).unwrap();
    assert_eq!(o.status(), OrderStatus::AwaitingAttestation);
    let last = w.store.outbox_items().last().unwrap().message.clone();
    assert_eq!(
        (last.kind, last.recipient.unwrap().as_str()),
        (MessageKind::AttestationRequest, MARIE)
    );
}

// ---------------------------------------------------------------- R10

#[test]
fn r10_only_the_assigned_authorized_attestant() {
    let w = world();
    let mut d = guide_draft();
    d.attestant_hsa_id = Some(MARIE.into()); // attests in SU, not Wästerläkarna
    assert_codes(
        validate(&w, STEN, &d),
        &[(Code::AttestantNotAuthorized, Some("attestant_hsa_id"))],
    );
    d.attestant_hsa_id = Some("SE2321000131-P000000999999".into()); // nobody
    assert_codes(
        validate(&w, STEN, &d),
        &[(Code::AttestantNotAuthorized, Some("attestant_hsa_id"))],
    );

    let o = w.submit(STEN, &guide_draft()).unwrap();
    // The orderer may see the order but is not its attestant: 403 not_attestant.
    let err = w.attest(STEN, &o, &[]).unwrap_err();
    assert_eq!((err.class, err.primary()), (ErrorClass::Forbidden, Code::NotAttestant));
    let err = run(w.service.reject(&w.actor(STEN), o.number, None)).unwrap_err();
    assert_eq!(err.primary(), Code::NotAttestant);
    // Agda may attest in Wästerläkarna but is not assigned: she cannot even see it.
    assert_only(w.attest(AGDA, &o, &[]), Code::OrderNotFound);
    // Fredrik is.
    assert_eq!(w.attest(FREDRIK, &o, &[]).unwrap().status(), OrderStatus::Attested);
}

// ---------------------------------------------------------------- R11

#[test]
fn r11_change_attestant_while_awaiting() {
    let w = world();
    let o = w.submit(STEN, &guide_draft()).unwrap();
    let sten = w.actor(STEN);
    // Only the orderer changes it.
    let err = run(w.service.change_attestant(&w.actor(FREDRIK), o.number, AGDA)).unwrap_err();
    assert_eq!(err.primary(), Code::Forbidden);
    let changed = run(w.service.change_attestant(&sten, o.number, AGDA)).unwrap();
    assert_eq!(changed.attestant.hsa_id.as_str(), AGDA);
    let last = w.store.outbox_items().last().unwrap().message.clone();
    assert_eq!(
        (last.kind, last.recipient.unwrap().as_str()),
        (MessageKind::AttestationRequest, AGDA)
    );
    // The old attestant lost access; the new one decides.
    assert_only(w.attest(FREDRIK, &o, &[]), Code::OrderNotFound);
    assert_codes(
        run(w.service.change_attestant(&sten, o.number, MARIE)),
        &[(Code::AttestantNotAuthorized, Some("attestant_hsa_id"))],
    );
    w.attest(AGDA, &o, &[]).unwrap();
    // Not after attestation.
    assert_only(run(w.service.change_attestant(&sten, o.number, FREDRIK)), Code::InvalidTransition);
}

// ---------------------------------------------------------------- R12

#[test]
fn r12_remove_lines_but_not_all() {
    let w = world();
    let o = w.submit(STEN, &guide_draft()).unwrap();
    assert_codes(w.attest(FREDRIK, &o, &[1, 2]), &[(Code::NothingToApprove, Some("remove"))]);
    let fredrik = w.actor(FREDRIK);
    let err = run(w.service.challenge(
        &fredrik,
        o.number,
        &DecisionRequest { approve: vec![1], remove: vec![1] },
    ))
    .unwrap_err();
    assert_eq!(err.class, ErrorClass::BadRequest);
    let err = run(w.service.challenge(
        &fredrik,
        o.number,
        &DecisionRequest { approve: vec![], remove: vec![9] },
    ))
    .unwrap_err();
    assert_eq!(err.class, ErrorClass::BadRequest);
    let done = w.attest(FREDRIK, &o, &[1]).unwrap();
    let states: Vec<_> = done.lines.iter().map(|l| l.state).collect();
    assert_eq!(states, vec![LineState::Removed, LineState::Approved]);
}

// ---------------------------------------------------------------- R13

#[test]
fn r13_signature_checks_and_single_use_challenges() {
    let w = world();
    let o = w.submit(STEN, &guide_draft()).unwrap();
    let fredrik = w.actor(FREDRIK);
    // Signed by someone else.
    let agda = HsaId::parse(AGDA).unwrap();
    assert_codes(
        w.attest_with(FREDRIK, &o, |tbs| FakeVerifier::sign(&agda, tbs)),
        &[(Code::SignerMismatch, None)],
    );
    // Over other bytes.
    let me = HsaId::parse(FREDRIK).unwrap();
    assert_codes(
        w.attest_with(FREDRIK, &o, |_| FakeVerifier::sign(&me, b"other")),
        &[(Code::SignatureInvalid, None)],
    );
    // With an expired certificate.
    assert_codes(
        w.attest_with(FREDRIK, &o, |tbs| {
            let SignedDecision::Raw { signature, .. } = FakeVerifier::sign(&me, tbs) else {
                unreachable!()
            };
            SignedDecision::Raw {
                signature,
                certificates: vec![format!("test-cert-expired:{FREDRIK}")],
            }
        }),
        &[(Code::CertificateExpired, None)],
    );
    // A used challenge, valid signature or not, is used.
    let c = run(w.service.challenge(&fredrik, o.number, &DecisionRequest::default())).unwrap();
    let bad = FakeVerifier::sign(&me, b"x");
    assert!(run(w.service.attest(&fredrik, o.number, &c.id, &bad)).is_err());
    let good = FakeVerifier::sign(&me, &c.tbs);
    let err = run(w.service.attest(&fredrik, o.number, &c.id, &good)).unwrap_err();
    assert_eq!((err.class, err.primary()), (ErrorClass::Conflict, Code::ChallengeUsed));
    // An expired challenge.
    let c = run(w.service.challenge(&fredrik, o.number, &DecisionRequest::default())).unwrap();
    w.clock.advance(Duration::minutes(6));
    assert_codes(
        run(w.service.attest(&fredrik, o.number, &c.id, &FakeVerifier::sign(&me, &c.tbs))),
        &[(Code::ChallengeExpired, Some("challenge_id"))],
    );
    assert_codes(
        run(w.service.attest(&fredrik, o.number, "nope", &good)),
        &[(Code::ChallengeExpired, Some("challenge_id"))],
    );
    // Nothing changed so far; a fresh, valid signature approves.
    assert_eq!(
        run(w.service.get(&fredrik, o.number)).unwrap().status,
        OrderStatus::AwaitingAttestation
    );
    let done = w.attest(FREDRIK, &o, &[]).unwrap();
    assert_eq!(done.status(), OrderStatus::Attested);
    // The TBS names the order, the attestant and the Swedish text.
    let c_text = beh_core::signing::sign_text(&o, &o.attestant, &[]);
    assert!(c_text.starts_with("Jag, Fredrik Dahlbom (freda3), godkänner behörighetsbeställning c"));
}

#[test]
fn r13_tbs_is_canonical_and_round_trips() {
    let w = world();
    let o = w.submit(STEN, &guide_draft()).unwrap();
    let c = run(w.service.challenge(
        &w.actor(FREDRIK),
        o.number,
        &DecisionRequest { approve: vec![1], remove: vec![2] },
    ))
    .unwrap();
    let t = beh_core::signing::TbsV1::from_bytes(&c.tbs).unwrap();
    assert_eq!(t.format, "beh-attest-v1");
    assert_eq!(t.order_number, o.number);
    assert_eq!(t.attestant_hsa_id.as_str(), FREDRIK);
    assert_eq!(t.challenge_id, c.id);
    assert_eq!(t.approved.len(), 1);
    assert_eq!(t.removed[0].permission, "ivaratt");
    assert_eq!(t.text, c.text);
    assert!(
        beh_core::signing::TbsV1::from_bytes(&[c.tbs.clone(), b" ".to_vec()].concat()).is_none()
    );
}

// ---------------------------------------------------------------- R14

#[test]
fn r14_nothing_reaches_the_service_desk_before_attestation() {
    let w = world();
    let desk = w.actor(DESK);
    let o = w.submit(STEN, &guide_draft()).unwrap();
    assert_only(run(w.service.get(&desk, o.number)), Code::OrderNotFound);
    assert_only(run(w.service.complete(&desk, o.number, None, None)), Code::OrderNotFound);
    assert!(!w.store.outbox_items().iter().any(|i| i.message.kind == MessageKind::Ticket));
    let page = run(w.service.search(&desk, OrderQuery::all(Visibility::ServiceDesk))).unwrap();
    assert_eq!(page.total, 0);
    w.attest(FREDRIK, &o, &[]).unwrap();
    assert_eq!(run(w.service.get(&desk, o.number)).unwrap().status, OrderStatus::Attested);
    assert_eq!(
        w.store.outbox_items().iter().filter(|i| i.message.kind == MessageKind::Ticket).count(),
        1
    );
}

// ---------------------------------------------------------------- R15

#[test]
fn r15_only_the_orderer_reads_credentials() {
    let w = world();
    let mut d = guide_draft();
    d.end_user = Some(EndUserRef::HsaId(AGDA.into()));
    let o = w.submit(STEN, &d).unwrap();
    w.attest(FREDRIK, &o, &[]).unwrap();
    // Only the service desk completes.
    assert_only(
        run(w.service.complete(&w.actor(STEN), o.number, None, Some("x"))),
        Code::Forbidden,
    );
    let done = run(w.service.complete(
        &w.actor(DESK),
        o.number,
        Some("Klart"),
        Some("Användarnamn agand1, lösen Hemligt123"),
    ))
    .unwrap();
    assert!(!format!("{done:?}").contains("Hemligt123"));
    assert!(!serde_json::to_string(&done).unwrap().contains("Hemligt123"));
    let view = run(w.service.get(&w.actor(STEN), o.number)).unwrap();
    assert_eq!(
        view.credentials.as_ref().unwrap().expose(),
        "Användarnamn agand1, lösen Hemligt123"
    );
    assert!(serde_json::to_value(&view).unwrap()["credentials"].is_string());
    for other in [FREDRIK, AGDA, DESK] {
        let v = run(w.service.get(&w.actor(other), o.number)).unwrap();
        assert!(v.has_credentials && v.credentials.is_none(), "{other}");
        assert!(serde_json::to_value(&v).unwrap().get("credentials").is_none());
    }
    // The audit log never holds them.
    let audit = run(w.service.audit(&w.actor(STEN), o.number)).unwrap();
    assert!(!serde_json::to_string(&audit).unwrap().contains("Hemligt123"));
    // Nor the outbox message.
    assert!(!format!("{:?}", w.store.outbox_items()).contains("Hemligt123"));
}

// ---------------------------------------------------------------- R16

#[test]
fn r16_status_machine_and_conflicts() {
    let w = world();
    let o = w.submit(STEN, &guide_draft()).unwrap();
    let sten = w.actor(STEN);
    // Completing before attestation is not allowed (the desk cannot even see it).
    assert_only(run(w.service.complete(&w.actor(DESK), o.number, None, None)), Code::OrderNotFound);
    run(w.service.withdraw(&sten, o.number)).unwrap();
    // Final: nothing leaves withdrawn.
    assert_only(run(w.service.withdraw(&sten, o.number)), Code::InvalidTransition);
    assert_only(run(w.service.reject(&w.actor(FREDRIK), o.number, None)), Code::InvalidTransition);
    let err = w.attest(FREDRIK, &o, &[]).unwrap_err();
    assert_eq!((err.class, err.primary()), (ErrorClass::Conflict, Code::InvalidTransition));

    // A challenge issued before another change of the order is stale: conflict.
    let o = w.submit(STEN, &guide_draft()).unwrap();
    let fredrik = w.actor(FREDRIK);
    let c = run(w.service.challenge(&fredrik, o.number, &DecisionRequest::default())).unwrap();
    run(w.service.change_attestant(&sten, o.number, FREDRIK)).unwrap();
    let signed = FakeVerifier::sign(fredrik.hsa_id(), &c.tbs);
    let err = run(w.service.attest(&fredrik, o.number, &c.id, &signed)).unwrap_err();
    assert_eq!((err.class, err.primary()), (ErrorClass::Conflict, Code::Conflict));

    // Two writes from the same version: exactly one wins.
    let current = run(w.store.get(o.number)).unwrap().unwrap();
    let mut a = current.clone();
    a.reject(None, now()).unwrap();
    let mut b = current.clone();
    b.withdraw(now()).unwrap();
    let ev = |order: &beh_core::order::Order| beh_core::audit::AuditEvent {
        order_number: order.number,
        at: now(),
        actor: order.orderer.hsa_id.clone(),
        action: beh_core::audit::AuditAction::Rejected,
        details: serde_json::json!({}),
    };
    let first = run(w.store.write(Change {
        order: &a,
        expected_version: Some(current.version),
        events: vec![ev(&a)],
        outbox: vec![],
    }));
    let second = run(w.store.write(Change {
        order: &b,
        expected_version: Some(current.version),
        events: vec![ev(&b)],
        outbox: vec![],
    }));
    assert!(first.is_ok());
    assert_eq!(second.unwrap_err().primary(), Code::Conflict);
}

// ---------------------------------------------------------------- R17

#[test]
fn r17_every_change_is_audited_and_chained() {
    use beh_core::audit::AuditAction as A;
    let w = world();
    let o = w.submit(STEN, &guide_draft()).unwrap();
    run(w.service.change_attestant(&w.actor(STEN), o.number, AGDA)).unwrap();
    w.attest(AGDA, &o, &[2]).unwrap();
    run(w.service.complete(&w.actor(DESK), o.number, Some("Klart"), None)).unwrap();
    let report = run(w.service.audit(&w.actor(STEN), o.number)).unwrap();
    assert!(report.verified);
    let actions: Vec<_> = report.entries.iter().map(|e| e.action).collect();
    assert_eq!(actions, vec![A::Submitted, A::AttestantChanged, A::Attested, A::Completed]);
    assert_eq!(report.entries[2].actor.as_str(), AGDA);
    assert_eq!(report.entries[2].details["signature"]["mode"], "signed");
    assert_eq!(report.entries[3].actor.as_str(), DESK);
    // Tampering is detected and the entry named.
    w.store.tamper_audit(o.number, 2, serde_json::json!({"signature": "forged"}));
    let report = run(w.service.audit(&w.actor(STEN), o.number)).unwrap();
    assert_eq!((report.verified, report.first_broken), (false, Some(2)));
}

// ---------------------------------------------------------------- R18

#[test]
fn r18_users_see_only_their_orders() {
    let w = world();
    let o = w.submit(STEN, &guide_draft()).unwrap();
    for who in [STEN, FREDRIK] {
        assert_eq!(run(w.service.get(&w.actor(who), o.number)).unwrap().order_number, o.number);
    }
    for who in [AGDA, LINNEA, MARIE, DESK] {
        assert_only(run(w.service.get(&w.actor(who), o.number)), Code::OrderNotFound);
        assert_only(run(w.service.audit(&w.actor(who), o.number)), Code::OrderNotFound);
    }
    // A number that does not exist answers the same.
    assert_only(
        run(w.service.get(&w.actor(STEN), OrderNumber::from_number(1).unwrap())),
        Code::OrderNotFound,
    );
    // Search: each sees their own, by role.
    let q = |who: &str, role: Option<Role>| {
        let mut q = OrderQuery::all(Visibility::Person(HsaId::parse(who).unwrap()));
        q.role = role;
        run(w.service.search(&w.actor(who), q)).unwrap().total
    };
    assert_eq!(q(STEN, None), 1);
    assert_eq!(q(STEN, Some(Role::Orderer)), 1);
    assert_eq!(q(STEN, Some(Role::EndUser)), 1);
    assert_eq!(q(STEN, Some(Role::Attestant)), 0);
    assert_eq!(q(FREDRIK, Some(Role::Attestant)), 1);
    assert_eq!(q(AGDA, None), 0);
    // The inbox of the attestant.
    assert_eq!(run(w.service.inbox(&w.actor(FREDRIK), 1)).unwrap().items.len(), 1);
    // A search by someone else for this end user finds nothing.
    let mut q2 = OrderQuery::all(Visibility::ServiceDesk);
    q2.end_user = Some("steli11".into());
    assert_eq!(run(w.service.search(&w.actor(AGDA), q2)).unwrap().total, 0);
}

#[test]
fn history_paging_and_filters() {
    let w = world();
    let mut numbers = Vec::new();
    for i in 0..12 {
        let mut d = guide_draft();
        d.permissions = Some(vec![line(if i % 2 == 0 { "flexlab" } else { "surf" })]);
        if i % 3 == 0 {
            d.kind = Some(OrderKind::New);
        }
        numbers.push(w.submit(STEN, &d).unwrap().number);
        w.clock.advance(Duration::minutes(1));
    }
    let sten = w.actor(STEN);
    let mut q = OrderQuery::all(Visibility::Person(sten.hsa_id().clone()));
    q.per_page = 5;
    let p1 = run(w.service.search(&sten, q.clone())).unwrap();
    assert_eq!((p1.total, p1.page, p1.pages, p1.items.len()), (12, 1, 3, 5));
    // Newest first.
    assert_eq!(p1.items[0].order_number, *numbers.last().unwrap());
    q.page = 3;
    let p3 = run(w.service.search(&sten, q.clone())).unwrap();
    assert_eq!(p3.items.len(), 2);
    assert_eq!(p3.items[1].order_number, numbers[0]);
    q.page = 0;
    assert_eq!(run(w.service.search(&sten, q.clone())).unwrap_err().class, ErrorClass::BadRequest);
    q.page = 1;
    q.per_page = 1000;
    assert_eq!(run(w.service.search(&sten, q.clone())).unwrap_err().class, ErrorClass::BadRequest);
    let mut q = OrderQuery::all(Visibility::Person(sten.hsa_id().clone()));
    q.order_number = Some(numbers[3]);
    assert_eq!(run(w.service.search(&sten, q.clone())).unwrap().total, 1);
    q.order_number = None;
    q.from = Some(NaiveDate::from_ymd_opt(2026, 12, 5).unwrap());
    assert_eq!(run(w.service.search(&sten, q.clone())).unwrap().total, 0);
    q.from = Some(today());
    q.to = Some(today());
    q.end_user = Some("lindblom".into());
    q.status = Some(OrderStatus::AwaitingAttestation);
    assert_eq!(run(w.service.search(&sten, q)).unwrap().total, 12);
}

#[test]
fn outages_are_unavailable_not_not_found() {
    let w = world();
    w.directory.set_down(true);
    let err = run(w.service.validate(&w.actor_unchecked(), &guide_draft())).unwrap_err();
    assert_eq!((err.class, err.primary()), (ErrorClass::Unavailable, Code::Unavailable));
    w.directory.set_down(false);
    w.store.set_down(true);
    let err = w.submit(STEN, &guide_draft()).unwrap_err();
    assert_eq!(err.class, ErrorClass::Unavailable);
    assert!(run(w.service.ready()).is_err());
}

impl World {
    fn actor_unchecked(&self) -> beh_core::Actor {
        beh_core::Actor { person: beh_core::directory::DirectoryData::demo().persons[0].clone() }
    }
}

#[test]
fn unknown_people_are_unauthenticated() {
    let w = world();
    for who in ["SE2321000131-P000000999999", "garbage"] {
        let err = run(w.service.actor(who)).unwrap_err();
        assert_eq!(err.primary(), Code::Unauthenticated);
    }
    let me = w.service.me(&w.actor(LINNEA));
    assert_eq!(me.roles, vec!["orderer", "attestant"]);
    assert_eq!(
        me.administrations.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        vec!["su", "vgrit"]
    );
    assert_eq!(w.service.me(&w.actor(DESK)).roles, vec!["service_desk"]);
}
