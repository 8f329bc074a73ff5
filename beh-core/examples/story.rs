//! The guide's story over the in-memory ports: Sten orders NPÖ and Ivarätt for himself,
//! Fredrik removes one line and signs, the service desk completes with credentials that only
//! Sten can read.
//!
//! Run: `cargo run -p beh-core --features testing --example story`

use beh_core::catalog::{Catalog, DetailValue};
use beh_core::order::{DraftLine, EndUserRef, OrderDraft, OrderKind};
use beh_core::service::{DecisionRequest, Ports, ServiceConfig};
use beh_core::testing::{FakeVerifier, FixedClock, MemoryDirectory, MemoryStore, SeqIds};
use beh_core::OrderService;
use chrono::Utc;
use std::sync::Arc;

fn main() -> Result<(), beh_core::Error> {
    futures_executor::block_on(story())
}

async fn story() -> Result<(), beh_core::Error> {
    let store = Arc::new(MemoryStore::default());
    let service = OrderService::new(
        Catalog::demo(),
        Ports {
            directory: Arc::new(MemoryDirectory::demo()),
            store: store.clone(),
            verifier: Arc::new(FakeVerifier),
            clock: Arc::new(FixedClock::new(Utc::now())),
            ids: Arc::new(SeqIds::default()),
        },
        ServiceConfig::default(),
    );
    let sten = service.actor("SE2321000131-P000000230147").await?;
    let fredrik = service.actor("SE2321000131-P000000230148").await?;
    let desk = service.actor("SE2321000131-F000000000999").await?;

    let draft = OrderDraft {
        end_user: Some(EndUserRef::Personnummer("197311056290".into())),
        workplace: Some("Wästerläkarna Centrum".into()),
        administration: Some("wasterlakarna".into()),
        kind: Some(OrderKind::New),
        permissions: Some(vec![
            DraftLine {
                permission: "npo".into(),
                details: None,
                care_units: Some(vec![
                    "SE2321000131-E000000000101".into(),
                    "SE2321000131-E000000000102".into(),
                ]),
            },
            DraftLine {
                permission: "ivaratt".into(),
                details: Some([("role".into(), DetailValue::One("Verksamhetschef".into()))].into()),
                care_units: None,
            },
        ]),
        area: Some("wasterlakarna".into()),
        operation: Some("centrum".into()),
        project: None,
        attestant_hsa_id: Some("SE2321000131-P000000230148".into()),
        start_date: Some(service.today()),
    };
    let order = service.submit(&sten, &draft).await?;
    println!("Din beställning är nu skapad. Ditt ordernummer är {}.", order.number);

    let decision = DecisionRequest { approve: vec![1], remove: vec![2] };
    let challenge = service.challenge(&fredrik, order.number, &decision).await?;
    println!("Signera: {}", challenge.text);
    let signed = FakeVerifier::sign(fredrik.hsa_id(), &challenge.tbs);
    service.attest(&fredrik, order.number, &challenge.id, &signed).await?;
    println!("Beställningen signerades.");

    service.complete(&desk, order.number, Some("Klart"), Some("Lösenord: demo123")).await?;
    let seen_by_sten = service.get(&sten, order.number).await?;
    let seen_by_fredrik = service.get(&fredrik, order.number).await?;
    println!(
        "Status {}; Sten ser inloggningsuppgifter: {}; Fredrik: {}",
        seen_by_sten.status.label(),
        seen_by_sten.credentials.is_some(),
        seen_by_fredrik.credentials.is_some()
    );
    let audit = service.audit(&sten, order.number).await?;
    println!(
        "Granskningslogg: {} poster, kedjan verifierar: {}",
        audit.entries.len(),
        audit.verified
    );
    Ok(())
}
