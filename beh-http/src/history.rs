//! `--demo-history`: sample history like the guide's "Tidigare beställningar": orders by
//! Linnea Ericson for aaa1 aaa2 (xsuper), completed by the service desk, one rejected.

use beh_core::order::{DraftLine, EndUserRef, OrderDraft, OrderKind};
use beh_core::OrderService;

const LINNEA: &str = "SE2321000131-P000000001349";
const MARIE: &str = "SE2321000131-P000000230151";
const XSUPER: &str = "SE2321000131-P000000001348";
const DESK: &str = "SE2321000131-F000000000999";

fn draft(kind: OrderKind, permission: &str, admin: &str, attestant: &str) -> OrderDraft {
    let (area, operation) =
        if admin == "vgrit" { ("vgrit", "servicedesk") } else { ("sahlgrenska", "medicin") };
    OrderDraft {
        end_user: Some(EndUserRef::HsaId(XSUPER.into())),
        workplace: Some("Test".into()),
        administration: Some(admin.into()),
        kind: Some(kind),
        permissions: Some(vec![DraftLine {
            permission: permission.into(),
            details: None,
            care_units: None,
        }]),
        area: Some(area.into()),
        operation: Some(operation.into()),
        project: None,
        attestant_hsa_id: Some(attestant.into()),
        start_date: Some(chrono::Utc::now().date_naive() + chrono::Duration::days(1)),
    }
}

/// Adds the sample history through the use cases (so audit chains and holdings are real).
pub async fn add_sample_history(service: &OrderService) -> Result<(), beh_core::Error> {
    let linnea = service.actor(LINNEA).await?;
    let desk = service.actor(DESK).await?;
    let mut steps: Vec<(OrderKind, &str)> = Vec::new();
    for p in ["flexlab", "surf"] {
        steps.push((OrderKind::New, p));
        steps.push((OrderKind::Change, p));
        steps.push((OrderKind::Termination, p));
    }
    steps.extend([
        (OrderKind::New, "flexlab"),
        (OrderKind::New, "surf"),
        (OrderKind::Termination, "flexlab"),
    ]);
    steps.extend([(OrderKind::Change, "surf"), (OrderKind::Termination, "surf")]);
    for (kind, permission) in steps {
        // Linnea attests in VGR IT herself: the attest step is skipped (R9).
        let o = service.submit(&linnea, &draft(kind, permission, "vgrit", LINNEA)).await?;
        service
            .complete(
                &desk,
                o.number,
                Some("Behörigheten är upplagd."),
                Some("Användarnamn: xsuper\nLösenord: Byt-vid-första-inloggning-42"),
            )
            .await?;
    }
    let marie = service.actor(MARIE).await?;
    let o = service.submit(&linnea, &draft(OrderKind::New, "flexlab", "su", MARIE)).await?;
    service.reject(&marie, o.number, Some("Behörigheten behövs inte i tjänsten.")).await?;
    Ok(())
}
