//! Login with real client certificates from the test PKI: mTLS on the server itself, and a
//! trusted reverse proxy that forwards the certificate.

use crate::support::*;
use std::process::Command;

/// A self-signed server certificate for 127.0.0.1, made with openssl.
fn server_cert(dir: &std::path::Path) -> (String, String) {
    let (cert, key) = (dir.join("server.pem"), dir.join("server.key"));
    let st = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));
    (cert.display().to_string(), key.display().to_string())
}

fn identity(cert: &str, key: &str, chain: &[&str]) -> reqwest::Identity {
    let fx = fixtures();
    let mut pem = std::fs::read(fx.join(key)).unwrap();
    pem.extend(std::fs::read(fx.join(cert)).unwrap());
    for c in chain {
        pem.extend(std::fs::read(fx.join(c)).unwrap());
    }
    reqwest::Identity::from_pem(&pem).unwrap()
}

fn client(id: reqwest::Identity) -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .identity(id)
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn mtls_login_with_siths_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = server_cert(dir.path());
    let cfg =
        format!("{}[tls]\ncertificate = \"{cert}\"\nprivate_key = \"{key}\"\n", config(None, None));
    let beh = Beh::start(&Db::Sqlite, &cfg, &[]);
    assert!(beh.base.starts_with("https://"), "{}", beh.base);

    // A valid authentication certificate logs in; the HSA-id in it is the actor.
    let sten = client(identity(
        &format!("persons/{STEN}-auth.pem"),
        &format!("persons/{STEN}-auth.key"),
        &["ca/person-ca.pem"],
    ));
    let r = sten.get(format!("{}/api/v1/me", beh.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let me: serde_json::Value = r.json().await.unwrap();
    assert_eq!(me["hsa_id"], STEN);
    // The service desk's function certificate too.
    let desk = client(identity(
        &format!("persons/{DESK}-auth.pem"),
        &format!("persons/{DESK}-auth.key"),
        &["ca/function-ca.pem"],
    ));
    let me: serde_json::Value =
        desk.get(format!("{}/api/v1/me", beh.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["roles"], serde_json::json!(["service_desk"]));

    // Expired, revoked, wrong usage, unknown issuer: refused at the handshake or with 401.
    for bad in
        ["expired", "revoked", "wrong-usage", "unknown-issuer", "not-yet-valid", "self-signed"]
    {
        let c = client(identity(
            &format!("bad/{bad}.pem"),
            &format!("bad/{bad}.key"),
            &["ca/person-ca.pem"],
        ));
        match c.get(format!("{}/api/v1/me", beh.base)).send().await {
            Err(_) => {}
            Ok(r) => assert_eq!(r.status(), 401, "{bad} was let in"),
        }
    }
    // A signature certificate (nonRepudiation) is not a login certificate.
    let c = client(identity(
        &format!("persons/{STEN}-sign.pem"),
        &format!("persons/{STEN}-sign.key"),
        &["ca/person-ca.pem"],
    ));
    match c.get(format!("{}/api/v1/me", beh.base)).send().await {
        Err(_) => {}
        Ok(r) => assert_eq!(r.status(), 401, "signature certificate let in"),
    }
    // Without a client certificate: no connection.
    let anon = reqwest::Client::builder()
        .use_rustls_tls()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    match anon.get(format!("{}/api/v1/me", beh.base)).send().await {
        Err(_) => {}
        Ok(r) => assert_eq!(r.status(), 401),
    }
    assert!(beh.log().contains("refused at the handshake"));
}

fn escaped(pem_files: &[&str]) -> String {
    let fx = fixtures();
    let mut pem = String::new();
    for f in pem_files {
        pem.push_str(&std::fs::read_to_string(fx.join(f)).unwrap());
    }
    percent_encoding::utf8_percent_encode(&pem, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn trusted_proxy_forwards_the_client_certificate() {
    let cfg = config(None, None).replace("[auth]\n", "[auth]\ntrusted_proxies = [\"127.0.0.1\"]\n");
    let beh = Beh::start(&Db::Sqlite, &cfg, &[]);
    let http = reqwest::Client::new();
    let good = escaped(&[&format!("persons/{STEN}-auth.pem"), "ca/person-ca.pem"]);
    let r = http
        .get(format!("{}/api/v1/me", beh.base))
        .header("X-SSL-Client-Cert", &good)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let me: serde_json::Value = r.json().await.unwrap();
    assert_eq!(me["hsa_id"], STEN);
    for bad in ["expired", "revoked", "wrong-usage", "unknown-issuer"] {
        let h = escaped(&[&format!("bad/{bad}.pem"), "ca/person-ca.pem"]);
        let r = http
            .get(format!("{}/api/v1/me", beh.base))
            .header("X-SSL-Client-Cert", h)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{bad}");
        let v: serde_json::Value = r.json().await.unwrap();
        assert!(v["errors"][0]["code"].as_str().unwrap().starts_with("certificate_"), "{bad}: {v}");
    }

    // From an address that is not a trusted proxy the header is ignored.
    let beh2 = Beh::start(&Db::Sqlite, &config(None, None), &[]);
    let r = http
        .get(format!("{}/api/v1/me", beh2.base))
        .header("X-SSL-Client-Cert", &good)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(beh2.log().contains("untrusted address"));
}
