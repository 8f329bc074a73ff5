//! End-to-end tests of the web pages: real headless Chromium through chromedriver, against
//! the real `beh` binary in demo mode. Each test saves PNG screenshots of the screens it
//! passes into docs/screenshots/ (the user guide shows them).

mod harness;

use harness::*;

/// Steps 1–3 as Sten Lindblom for himself, back and forth, to Kvitto.
async fn order_through_wizard(b: &Browser, s: &Server, shots: bool) -> String {
    b.goto(&format!("{}/bestall", s.url)).await;
    b.wait_text("1. Personuppgifter").await;
    // Enter in the search field searches (the form's default button).
    b.fill("#search", "197311056290\u{E007}").await;
    b.wait_text("Sökningen gav följande träff").await;
    assert_eq!(b.text("#p-vgr").await, "steli11");
    b.fill("#workplace", "Wästerläkarna Centrum").await;
    if shots {
        b.shot("02-personuppgifter").await;
    }
    b.click("#fortsatt").await;
    b.wait_for("li.current").await;
    b.wait_text("Välj ett alternativ").await;
    b.select("#kind", "new").await;
    b.click("#perm-npo").await;
    b.fill("#u-npo-1", "SE2321000131-E000000000101").await;
    b.click("#perm-ivaratt").await;
    b.select("#d-ivaratt-role", "Verksamhetschef").await;
    if shots {
        b.shot("03-behorigheter").await;
    }
    b.click("#nasta").await;
    b.wait_text("Du har valt följande behörigheter").await;
    // Back and forth keeps what was typed.
    b.click("button[value='back']").await;
    b.wait_text("Välj ett alternativ").await;
    assert!(b.wait_for("#perm-npo").await.is_selected().await.unwrap());
    assert_eq!(
        b.wait_for("#u-npo-1").await.prop("value").await.unwrap().as_deref(),
        Some("SE2321000131-E000000000101")
    );
    b.click("#nasta").await;
    let body = b.wait_text("Du har valt följande behörigheter").await;
    assert!(body.contains("NPÖ – Nationell patientöversikt"), "{body}");
    assert!(body.contains("Behörighetsroll: Verksamhetschef"), "{body}");
    b.select("#area", "wasterlakarna").await;
    b.select("#operation", "centrum").await;
    b.select("#attestant", FREDRIK).await;
    b.set_value("start_date", &tomorrow()).await;
    if shots {
        b.shot("04-granska-bestall").await;
    }
    b.click("#skicka").await;
    let body = b.wait_text("Din beställning är nu skapad.").await;
    assert!(body.contains("Ditt ordernummer är c"), "{body}");
    let number = b.text("#ordernummer").await;
    assert!(number.starts_with('c'), "{number}");
    if shots {
        b.shot("05-kvitto").await;
    }
    number
}

#[tokio::test]
async fn the_wizard_goes_to_kvitto() {
    let _one = ONE_AT_A_TIME.lock().await;
    let s = Server::start(false);
    let b = Browser::start().await;
    b.goto(&format!("{}/", s.url)).await;
    b.wait_text("Demoläge: välj en demoperson").await;
    b.wait_text("Problem med att visa sidan").await;
    b.shot("01-inloggning").await;
    b.login(&s, STEN).await;
    assert!(b.text("#inloggad").await.contains("Sten Lindblom (steli11)"));
    let number = order_through_wizard(&b, &s, true).await;
    // The order is there, awaiting Fredrik.
    let api = Api::login(&s, STEN).await;
    let o = api.json(&format!("/api/v1/orders/{number}")).await;
    assert_eq!(o["status"], "awaiting_attestation");
    assert_eq!(o["attestant"]["hsa_id"], FREDRIK);
    assert_eq!(o["lines"].as_array().unwrap().len(), 2);
    // Kvitto's links.
    b.wait_text("Tidigare beställningar").await;
    b.click("a[href='/bestallningar'].button").await;
    b.wait_text(&number).await;
    b.logout().await;
    b.close().await;
}

#[tokio::test]
async fn missing_fields_show_swedish_errors() {
    let _one = ONE_AT_A_TIME.lock().await;
    let s = Server::start(false);
    let b = Browser::start().await;
    b.login(&s, STEN).await;
    b.goto(&format!("{}/bestall", s.url)).await;
    b.click("#fortsatt").await;
    let body = b.wait_text("Arbetsplats måste anges.").await;
    assert!(body.contains("Användare måste anges."), "{body}");
    assert_eq!(
        b.wait_for("#workplace").await.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    b.shot("10-fel-personuppgifter").await;
    // A personnummer that fails the check digit.
    b.fill("#search", "197311056291").await;
    b.click("#sok").await;
    b.wait_text("Ogiltigt personnummer").await;
    // Step 2 without a permission, then step 3 without its mandatory fields.
    b.fill("#search", "197311056290").await;
    b.fill("#workplace", "Centrum").await;
    b.click("#fortsatt").await;
    b.wait_text("Välj ett alternativ").await;
    b.click("#nasta").await;
    b.wait_text("Välj minst en behörighet.").await;
    b.click("#perm-ivaratt").await;
    b.click("#nasta").await;
    b.wait_text("Behörighetsroll måste anges").await;
    b.select("#d-ivaratt-role", "Läkare").await;
    b.click("#nasta").await;
    b.wait_text("Du har valt följande behörigheter").await;
    b.click("#skicka").await;
    let body = b.wait_text("Område måste anges.").await;
    for m in ["Verksamhet måste anges.", "Attestant måste anges.", "Startdatum måste anges."] {
        assert!(body.contains(m), "{m} missing in:\n{body}");
    }
    b.shot("11-fel-granska").await;
    // The layout holds at 1024 px and on a phone.
    for (w, h, name) in [(1024, 900, "12-granska-1024"), (390, 844, "13-granska-mobil")] {
        b.c.set_window_size(w, h).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(b.fits_width().await, "sideways scrolling at {w} px");
        b.shot(name).await;
    }
    b.close().await;
}

#[tokio::test]
async fn the_attestant_removes_a_line_and_signs_then_the_desk_completes() {
    let _one = ONE_AT_A_TIME.lock().await;
    let s = Server::start(false);
    let erik = Api::login(&s, ERIK).await;
    let number = erik.order(su_draft(MARIE)).await;
    let b = Browser::start().await;
    b.login(&s, MARIE).await;
    b.goto(&format!("{}/attestera", s.url)).await;
    b.wait_text("Nya beställningar att attestera").await;
    b.wait_text(&number).await;
    b.shot("06-nya-bestallningar-att-attestera").await;
    // The mail's link.
    b.goto(&format!("{}/attest/{number}", s.url)).await;
    b.wait_text(&format!("Attest av beställning {number}")).await;
    b.shot("07-attest-av-bestallning").await;
    b.click("#line-2").await;
    b.click("#ta-bort").await;
    b.wait_for("tr.removed[data-line='2']").await;
    b.wait_text("Tas bort").await;
    b.click("#godkann").await;
    b.wait_for("#sign-panel").await;
    let text = b.text("#sign-text").await;
    assert!(text.contains(&number), "sign text: {text}");
    b.wait_for("#sign-button:not([disabled])").await;
    b.shot("08-signera-bestallning").await;
    b.click("#sign-button").await;
    b.wait_for("#signed-panel").await;
    b.wait_text("Beställningen signerades").await;
    b.shot("09-bestallningen-signerades").await;
    b.click("#close-window").await;
    b.wait_text("Nya beställningar att attestera").await;
    let o = erik.json(&format!("/api/v1/orders/{number}")).await;
    assert_eq!(o["status"], "attested");
    let states: Vec<&str> =
        o["lines"].as_array().unwrap().iter().map(|l| l["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["approved", "removed", "approved"]);
    b.logout().await;

    // The service desk completes it with credentials.
    b.login(&s, DESK).await;
    b.wait_text("Attesterade beställningar").await;
    b.wait_text(&number).await;
    b.shot("14-servicedesk").await;
    b.goto(&format!("{}/orders/{number}", s.url)).await;
    b.fill("#credentials", "Användarnamn: sutes1\nLösenord: Byt-vid-första-inloggning").await;
    b.shot("15-avsluta-bestallning").await;
    b.click("#avsluta").await;
    b.wait_text("Beställningen är avslutad").await;
    b.logout().await;

    // Erik reads the credentials from Tidigare beställningar.
    b.login(&s, ERIK).await;
    b.goto(&format!("{}/bestallningar", s.url)).await;
    b.wait_text("Totalt 1 st. Sida 1 av 1.").await;
    b.click(&format!("a[href='/orders/{number}/inloggningsuppgifter']")).await;
    b.wait_text("Lösenord: Byt-vid-första-inloggning").await;
    b.shot("16-inloggningsuppgifter").await;
    b.close().await;
}

#[tokio::test]
async fn history_pages_through_linneas_orders() {
    let _one = ONE_AT_A_TIME.lock().await;
    let s = Server::start(true);
    let b = Browser::start().await;
    b.login(&s, LINNEA).await;
    b.goto(&format!("{}/bestallningar", s.url)).await;
    let body = b.wait_text("Totalt 12 st. Sida 1 av 1.").await;
    for col in [
        "Beställd",
        "Ordernummer",
        "Beställare",
        "Slutanvändare",
        "Status",
        "Typ",
        "Återkopplingsinfo",
    ] {
        assert!(body.contains(col), "column {col}");
    }
    assert_eq!(b.c.find_all(fantoccini::Locator::Css("#orders tbody tr")).await.unwrap().len(), 12);
    let links = b.c.find_all(fantoccini::Locator::LinkText("Inloggningsuppgifter")).await.unwrap();
    assert_eq!(links.len(), 11, "every completed order has credentials, the rejected one none");
    b.shot("17-tidigare-bestallningar").await;
    // Search options: five per page.
    b.click("details.search summary").await;
    b.select("#per_sida", "5").await;
    b.click("#sok").await;
    b.wait_text("Totalt 12 st. Sida 1 av 3.").await;
    b.click("#next-page").await;
    b.wait_text("Totalt 12 st. Sida 2 av 3.").await;
    assert_eq!(b.c.find_all(fantoccini::Locator::Css("#orders tbody tr")).await.unwrap().len(), 5);
    b.click("#next-page").await;
    b.wait_text("Totalt 12 st. Sida 3 av 3.").await;
    assert_eq!(b.c.find_all(fantoccini::Locator::Css("#orders tbody tr")).await.unwrap().len(), 2);
    b.shot("18-tidigare-bestallningar-sida-3").await;
    // Filter by status.
    b.goto(&format!("{}/bestallningar?status=rejected", s.url)).await;
    let body = b.wait_text("Totalt 1 st. Sida 1 av 1.").await;
    assert!(body.contains("Avslagen"), "{body}");
    b.close().await;
}

#[tokio::test]
async fn byt_attestant_moves_the_order_to_another_attestant() {
    let _one = ONE_AT_A_TIME.lock().await;
    let s = Server::start(false);
    let erik = Api::login(&s, ERIK).await;
    let number = erik.order(su_draft(MARIE)).await;
    let b = Browser::start().await;
    b.login(&s, ERIK).await;
    b.goto(&format!("{}/bestallningar", s.url)).await;
    b.click(&format!("a[href='/orders/{number}']")).await;
    b.wait_text("Väntar på attest").await;
    assert!(b.text("#attestant").await.contains("Marie Hedberg (marhe12)"));
    b.shot("19-bestallning-byt-attestant").await;
    b.select("#new-attestant", LINNEA).await;
    b.click("#byt-attestant").await;
    b.wait_text("Attestanten är nu Linnea Ericson (linerb)").await;
    assert!(b.text("#attestant").await.contains("Linnea Ericson (linerb)"));
    b.click("#stang").await;
    b.wait_text("Tidigare beställningar").await;
    b.logout().await;
    // Marie no longer sees it; Linnea has it in her inbox.
    let marie = Api::login(&s, MARIE).await;
    assert_eq!(marie.get(&format!("/attest/{number}")).await.0, 404);
    b.login(&s, LINNEA).await;
    b.goto(&format!("{}/attestera", s.url)).await;
    b.wait_text(&number).await;
    b.close().await;
}

#[tokio::test]
async fn only_the_orderer_opens_the_credentials() {
    let _one = ONE_AT_A_TIME.lock().await;
    let s = Server::start(true);
    let linnea = Api::login(&s, LINNEA).await;
    let page = linnea.json("/api/v1/orders?status=completed&per_page=1").await;
    let number = page["items"][0]["order_number"].as_str().unwrap().to_owned();
    let path = format!("/orders/{number}/inloggningsuppgifter");
    assert_eq!(linnea.get(&path).await.0, 200);
    // The end user may see the order but not the credentials.
    let xsuper = Api::login(&s, XSUPER).await;
    let (status, body) = xsuper.get(&path).await;
    assert_eq!(status, 403, "{body}");
    assert!(!body.contains("Lösenord"), "{body}");
    // Someone who may not see the order at all gets 404.
    let marie = Api::login(&s, MARIE).await;
    assert_eq!(marie.get(&path).await.0, 404);
    let b = Browser::start().await;
    b.login(&s, XSUPER).await;
    b.goto(&format!("{}/bestallningar", s.url)).await;
    b.wait_text(&number).await;
    assert!(
        b.c.find_all(fantoccini::Locator::LinkText("Inloggningsuppgifter"))
            .await
            .unwrap()
            .is_empty(),
        "no credentials links for the end user"
    );
    b.goto(&format!("{}{path}", s.url)).await;
    let body =
        b.wait_text("Endast beställaren av aktuell behörighet kan se inloggningsuppgifter.").await;
    assert!(!body.contains("Lösenord"), "{body}");
    b.shot("20-inloggningsuppgifter-nekad").await;
    // A form without the CSRF token is refused.
    let (status, _) = post_form(&s, XSUPER, "/logga-ut", "").await;
    assert_eq!(status, 403);
    b.close().await;
}

async fn post_form(s: &Server, hsa_id: &str, path: &str, body: &str) -> (u16, String) {
    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    http.post(format!("{}/api/v1/demo/login", s.url))
        .json(&serde_json::json!({"hsa_id": hsa_id}))
        .send()
        .await
        .unwrap();
    let r = http
        .post(format!("{}{path}", s.url))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, text)
}
