//! Test harness: the server, an SMTP receiver (aiosmtpd), a ticket receiver, API clients.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const STEN: &str = "SE2321000131-P000000230147";
pub const FREDRIK: &str = "SE2321000131-P000000230148";
pub const LINNEA: &str = "SE2321000131-P000000001349";
pub const ERIK: &str = "SE2321000131-P000000230150";
pub const MARIE: &str = "SE2321000131-P000000230151";
pub const SUTES: &str = "SE2321000131-P000000230153";
pub const AGDA: &str = "SE2321000131-P000000230154";
pub const DESK: &str = "SE2321000131-F000000000999";
pub const CARE_1: &str = "SE2321000131-E000000000101";
pub const CARE_2: &str = "SE2321000131-E000000000102";

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../beh-sign/fixtures")
}

/// Waits until `f` returns Some, up to `secs`.
pub async fn eventually<T>(secs: u64, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < Duration::from_secs(secs), "timed out after {secs}s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A real SMTP server (Python aiosmtpd) writing each message into a maildir.
pub struct Smtp {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Smtp {
    pub fn start() -> Smtp {
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("mail");
        for _ in 0..5 {
            let port = free_port();
            let child = Command::new("python3")
                .args([
                    "-m",
                    "aiosmtpd",
                    "-n",
                    "-l",
                    &format!("127.0.0.1:{port}"),
                    "-c",
                    "aiosmtpd.handlers.Mailbox",
                ])
                .arg(&maildir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("python3 with aiosmtpd is needed (scripts/test installs it)");
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(10) {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Smtp { child, port, dir };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let mut child = child;
            let _ = child.kill();
        }
        panic!("aiosmtpd did not start (is `python3 -m aiosmtpd` installed?)");
    }

    /// Every message received so far, as text.
    pub fn messages(&self) -> Vec<String> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(rd) = std::fs::read_dir(self.dir.path().join("mail").join(sub)) {
                for e in rd.flatten() {
                    if let Ok(bytes) = std::fs::read(e.path()) {
                        out.push(decode_mail(&String::from_utf8_lossy(&bytes)));
                    }
                }
            }
        }
        out
    }

    /// Messages whose text contains every needle.
    pub fn find(&self, needles: &[&str]) -> Vec<String> {
        self.messages().into_iter().filter(|m| needles.iter().all(|n| m.contains(n))).collect()
    }
}

/// Decodes encoded-words in headers and base64/quoted-printable bodies, enough for asserts.
fn decode_mail(raw: &str) -> String {
    use base64::Engine;
    let (head, body) =
        raw.split_once("\n\n").or_else(|| raw.split_once("\r\n\r\n")).unwrap_or((raw, ""));
    let mut text = String::new();
    // Unfold continuation lines; whitespace between adjacent encoded-words is not text.
    let head = head
        .replace("\r\n", "\n")
        .replace("\n ", " ")
        .replace("\n\t", " ")
        .replace("?= =?", "?==?");
    for line in head.lines() {
        let mut l = line.to_owned();
        while let Some(start) = l.find("=?utf-8?b?").or_else(|| l.find("=?UTF-8?B?")) {
            let rest = &l[start + 10..];
            let Some(end) = rest.find("?=") else { break };
            let decoded =
                base64::engine::general_purpose::STANDARD.decode(&rest[..end]).unwrap_or_default();
            l = format!("{}{}{}", &l[..start], String::from_utf8_lossy(&decoded), &rest[end + 2..]);
        }
        text.push_str(&l);
        text.push('\n');
    }
    text.push('\n');
    let lower = head.to_ascii_lowercase();
    if lower.contains("content-transfer-encoding: base64") {
        let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
        let decoded = base64::engine::general_purpose::STANDARD.decode(compact).unwrap_or_default();
        text.push_str(&String::from_utf8_lossy(&decoded));
    } else if lower.contains("content-transfer-encoding: quoted-printable") {
        let joined = body.replace("=\r\n", "").replace("=\n", "");
        let mut bytes = Vec::new();
        let b = joined.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'=' && i + 2 < b.len() {
                if let Ok(v) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                    bytes.push(v);
                    i += 3;
                    continue;
                }
            }
            bytes.push(b[i]);
            i += 1;
        }
        text.push_str(&String::from_utf8_lossy(&bytes));
    } else {
        text.push_str(body);
    }
    text
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A ticket receiver: records every POST (Idempotency-Key and JSON); answers 503 to the first
/// `fail_first` calls.
#[derive(Clone)]
pub struct Tickets {
    pub url: String,
    pub received: Arc<Mutex<Vec<(String, Value)>>>,
}

impl Tickets {
    pub async fn start(fail_first: usize) -> Tickets {
        use axum::routing::post;
        let received = Arc::new(Mutex::new(Vec::new()));
        let fail = Arc::new(Mutex::new(fail_first));
        let (r, f) = (received.clone(), fail);
        let app = axum::Router::new().route(
            "/tickets",
            post(move |headers: axum::http::HeaderMap, body: axum::Json<Value>| {
                let (r, f) = (r.clone(), f.clone());
                async move {
                    let mut left = f.lock().unwrap();
                    if *left > 0 {
                        *left -= 1;
                        return axum::http::StatusCode::SERVICE_UNAVAILABLE;
                    }
                    let key = headers
                        .get("idempotency-key")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    r.lock().unwrap().push((key, body.0));
                    axum::http::StatusCode::CREATED
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Tickets { url: format!("http://{addr}/tickets"), received }
    }

    pub fn for_order(&self, n: &str) -> Vec<(String, Value)> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, v)| v["order_number"] == n)
            .cloned()
            .collect()
    }
}

/// The `beh` binary, running.
pub struct Beh {
    child: Child,
    pub base: String,
    pub dir: tempfile::TempDir,
}

/// Which database a test server uses.
#[derive(Clone, Debug)]
pub enum Db {
    /// SQLite on a file in the server's temp dir.
    Sqlite,
    /// PostgreSQL: a fresh database on BEH_TEST_POSTGRES_URL's server.
    Postgres,
}

pub fn postgres_base() -> String {
    std::env::var("BEH_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A fresh PostgreSQL database; fails (never skips) when the server is unreachable.
pub fn fresh_postgres_db() -> String {
    let base = postgres_base();
    let name = format!("beh_http_{}", std::process::id()) + &format!("_{}", free_port());
    let out = Command::new("psql")
        .arg(&base)
        .args(["-v", "ON_ERROR_STOP=1", "-qc", &format!("CREATE DATABASE {name}")])
        .output()
        .expect("psql is needed for the PostgreSQL tests");
    assert!(
        out.status.success(),
        "PostgreSQL at {base} is unreachable: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (prefix, _) = base.rsplit_once('/').unwrap();
    format!("{prefix}/{name}")
}

impl Beh {
    /// Starts `beh serve --demo` with `config` (TOML) on a free port.
    pub fn start(db: &Db, config: &str, extra: &[&str]) -> Beh {
        let dir = tempfile::tempdir().unwrap();
        let url = match db {
            Db::Sqlite => format!("sqlite://{}", dir.path().join("beh.db").display()),
            Db::Postgres => fresh_postgres_db(),
        };
        let cfg = dir.path().join("beh.toml");
        std::fs::write(&cfg, config).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_beh"))
            .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--database", &url, "--config"])
            .arg(&cfg)
            .args(extra)
            .current_dir(dir.path())
            .env("BEH_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.path().join("stderr.log")).unwrap())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let line = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_else(|_| {
            let log = std::fs::read_to_string(dir.path().join("stderr.log")).unwrap_or_default();
            panic!("beh did not start: {log}")
        });
        let base =
            line.strip_prefix("listening on ").expect("first line names the address").to_owned();
        Beh { child, base, dir }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default()
    }

    /// A client with its own cookie jar, logged in as a demo person.
    pub async fn login(&self, hsa_id: &str) -> Client {
        let c = Client::new(&self.base);
        let r = c.post("/api/v1/demo/login", json!({"hsa_id": hsa_id})).await;
        assert_eq!(r.0, 200, "login {hsa_id}: {}", r.1);
        c
    }

    /// Sends SIGTERM and waits for the process to end.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let start = Instant::now();
        loop {
            if let Ok(Some(s)) = self.child.try_wait() {
                return s;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "beh did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Beh {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The configuration of a test server.
pub fn config(smtp: Option<&Smtp>, tickets: Option<&Tickets>) -> String {
    let mut c = String::from(
        "[outbox]\npoll_interval_ms = 100\nbase_delay_secs = 1\nmax_delay_secs = 2\nmax_attempts = 5\n\n\
         [auth]\nservice_desk_tokens = [{ token_sha256 = \"",
    );
    c.push_str(&sha256_hex(b"desk-token"));
    c.push_str(&format!("\", hsa_id = \"{DESK}\" }}]\n\n"));
    c.push_str("[database]\ncredential_keys = { k1 = \"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\" }\nactive_credential_key = \"k1\"\n\n");
    if let Some(s) = smtp {
        c.push_str(&format!("[mail]\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {}\nsecurity = \"none\"\nfrom = \"VGR IT <noreply@vgregion.se>\"\n\n", s.port));
    }
    if let Some(t) = tickets {
        c.push_str(&format!("[ticket]\nendpoint = \"{}\"\n\n", t.url));
    }
    c
}

pub fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect()
}

/// An API client with a cookie jar.
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

impl Client {
    pub fn new(base: &str) -> Client {
        Client {
            http: reqwest::Client::builder().cookie_store(true).build().unwrap(),
            base: base.to_owned(),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(self.http.get(format!("{}{path}", self.base))).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(self.http.post(format!("{}{path}", self.base)).json(&body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(self.http.put(format!("{}{path}", self.base)).json(&body)).await
    }

    pub async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> (u16, Value) {
        let mut r = self.http.request(method, format!("{}{path}", self.base)).body(body);
        if let Some(ct) = content_type {
            r = r.header("content-type", ct);
        }
        self.send(r).await
    }

    /// Challenge, sign with the logged-in person's demo key (or `key_pem`/`certs`), attest.
    pub async fn attest(&self, n: &str, remove: &[u32]) -> (u16, Value) {
        let (s, c) = self
            .post(
                &format!("/api/v1/orders/{n}/attestation/challenge"),
                json!({"approve": [], "remove": remove}),
            )
            .await;
        assert_eq!(s, 200, "{c}");
        let (s, key) = self.get("/api/v1/demo/signing-key").await;
        assert_eq!(s, 200, "{key}");
        let tbs = b64d(c["tbs"].as_str().unwrap());
        let sig = sign(key["private_key"].as_str().unwrap(), &tbs);
        self.post(
            &format!("/api/v1/orders/{n}/attestation"),
            json!({"challenge_id": c["challenge_id"], "signature": b64e(&sig), "certificates": key["certificates"]}),
        )
        .await
    }
}

pub fn b64d(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

pub fn b64e(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// RSASSA-PKCS1-v1_5 SHA-256 with the openssl CLI (a test key; no private-key code in beh).
pub fn sign(key_pem: &str, data: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let (k, d, s) = (dir.path().join("k.pem"), dir.path().join("d.bin"), dir.path().join("s.bin"));
    std::fs::write(&k, key_pem).unwrap();
    std::fs::write(&d, data).unwrap();
    let st = Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(&k)
        .arg("-out")
        .arg(&s)
        .arg(&d)
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::read(&s).unwrap()
}

/// A draft for the guide's story: Agda orders NPÖ (two care units) and Flexlab for Sten,
/// Fredrik attests.
pub fn story_draft() -> Value {
    json!({
        "end_user": {"personnummer": "197311056290"},
        "workplace": "Wästerläkarna Centrum",
        "administration": "wasterlakarna",
        "kind": "new",
        "permissions": [
            {"permission": "npo", "care_units": [CARE_1, CARE_2]},
            {"permission": "flexlab"}
        ],
        "area": "wasterlakarna",
        "operation": "centrum",
        "project": null,
        "attestant_hsa_id": FREDRIK,
        "start_date": tomorrow(),
    })
}

pub fn tomorrow() -> String {
    (chrono::Utc::now() + chrono::Duration::days(2)).format("%Y-%m-%d").to_string()
}
