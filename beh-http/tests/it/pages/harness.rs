//! The real things the page tests drive: the `beh` binary in demo mode, chromedriver with
//! headless Chromium, and a JSON API client for setting up orders. Missing Chromium or
//! chromedriver fails the tests (scripts/test installs Debian `chromium` and `chromium-driver`).

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Browser tests run one at a time: two cores do not carry several Chromiums well.
pub static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub const STEN: &str = "SE2321000131-P000000230147";
pub const FREDRIK: &str = "SE2321000131-P000000230148";
pub const LINNEA: &str = "SE2321000131-P000000001349";
pub const ERIK: &str = "SE2321000131-P000000230150";
pub const MARIE: &str = "SE2321000131-P000000230151";
pub const SU_TEST: &str = "SE2321000131-P000000230153";
pub const XSUPER: &str = "SE2321000131-P000000001348";
pub const DESK: &str = "SE2321000131-F000000000999";

/// A child process killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `beh serve --demo` on a free port.
pub struct Server {
    _child: Process,
    pub url: String,
    _dir: tempfile::TempDir,
}

impl Server {
    pub fn start(history: bool) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite://{}", dir.path().join("beh.db").display());
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_beh"));
        cmd.args(["serve", "--demo", "--database", &db, "--listen", "127.0.0.1:0"])
            .current_dir(dir.path());
        if history {
            cmd.arg("--demo-history");
        }
        let log = std::env::temp_dir().join(format!("beh-pages-{}.log", std::process::id()));
        let stderr = std::fs::OpenOptions::new().create(true).append(true).open(&log).unwrap();
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .env("BEH_LOG", "warn")
            .spawn()
            .expect("start the beh binary");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().expect("beh printed nothing").unwrap();
        let url = first
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from beh: {first}"))
            .trim()
            .to_owned();
        // Keep draining stdout so that the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { _child: Process(child), url, _dir: dir }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn find_program(env: &str, names: &[&str]) -> PathBuf {
    if let Ok(p) = std::env::var(env) {
        return PathBuf::from(p);
    }
    let path = std::env::var("PATH").unwrap_or_default();
    for name in names {
        for dir in std::env::split_paths(&path).chain([PathBuf::from("/usr/bin")]) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "{} not found (set {env} or install Debian `chromium` and `chromium-driver`; \
         scripts/test does): the page tests need a real browser",
        names.join(" / ")
    );
}

/// chromedriver on a free port with a headless Chromium session.
pub struct Browser {
    pub c: Client,
    _driver: Process,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> Browser {
        let driver = find_program("CHROMEDRIVER", &["chromedriver"]);
        let chromium = find_program("CHROMIUM", &["chromium", "chromium-browser", "google-chrome"]);
        let port = free_port();
        let child = Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", driver.display()));
        let driver_process = Process(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen on {port}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--lang=sv-SE".to_owned(),
            "--window-size=1280,1000".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".to_owned(),
            json!({"binary": chromium.display().to_string(), "args": args}),
        );
        let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a WebDriver session with headless Chromium");
        Browser { c, _driver: driver_process, _profile: profile }
    }

    pub async fn close(self) {
        let _ = self.c.clone().close().await;
    }

    pub async fn goto(&self, url: &str) {
        self.c.goto(url).await.unwrap();
    }

    /// Logs in as a demo person through the login page.
    pub async fn login(&self, server: &Server, hsa_id: &str) {
        self.goto(&format!("{}/logga-in", server.url)).await;
        self.click(&format!("button[value='{hsa_id}']")).await;
        self.wait_for("#inloggad").await;
    }

    pub async fn logout(&self) {
        self.click("form[action='/logga-ut'] button").await;
        self.wait_text("Du är nu utloggad").await;
    }

    pub async fn click(&self, css: &str) {
        self.wait_for(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let e = self.wait_for(css).await;
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    pub async fn select(&self, css: &str, value: &str) {
        self.wait_for(css).await.select_by_value(value).await.unwrap();
    }

    /// Sets an input's value directly (date inputs take typed text in the browser's locale).
    pub async fn set_value(&self, id: &str, value: &str) {
        self.c
            .execute(
                "document.getElementById(arguments[0]).value = arguments[1];",
                vec![json!(id), json!(value)],
            )
            .await
            .unwrap();
    }

    /// Waits for a visible element.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(e) = self.c.find(Locator::Css(css)).await {
                if e.is_displayed().await.unwrap_or(false) {
                    return e;
                }
            }
            if Instant::now() > deadline {
                let body = self.body().await;
                panic!("no visible {css}; the page says:\n{body}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn body(&self) -> String {
        match self.c.find(Locator::Css("body")).await {
            Ok(b) => b.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until the page's visible text contains `needle`.
    pub async fn wait_text(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let body = self.body().await;
            if body.contains(needle) {
                return body;
            }
            if Instant::now() > deadline {
                panic!("the page never said {needle:?}; it says:\n{body}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn text(&self, css: &str) -> String {
        self.wait_for(css).await.text().await.unwrap()
    }

    /// Saves a PNG screenshot of the whole page as docs/screenshots/{name}.png.
    pub async fn shot(&self, name: &str) {
        // The whole page: make the window as tall as the document, then restore it.
        let (w, h) = self.c.get_window_size().await.unwrap();
        let doc = self
            .c
            .execute("window.scrollTo(0, 0); return document.documentElement.scrollHeight;", vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap_or(h);
        let tall = u32::try_from((doc + 120).clamp(h, 4000)).unwrap();
        self.c.set_window_size(u32::try_from(w).unwrap(), tall).await.unwrap();
        tokio::time::sleep(Duration::from_millis(150)).await;
        let png = self.c.screenshot().await.unwrap();
        self.c.set_window_size(u32::try_from(w).unwrap(), u32::try_from(h).unwrap()).await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Whether the page is no wider than the window (no sideways scrolling).
    pub async fn fits_width(&self) -> bool {
        let v = self
            .c
            .execute("return document.documentElement.scrollWidth <= window.innerWidth;", vec![])
            .await
            .unwrap();
        v == Value::Bool(true)
    }
}

/// The JSON API as a logged-in demo person, for setting up what a test needs.
pub struct Api {
    http: reqwest::Client,
    url: String,
}

impl Api {
    pub async fn login(server: &Server, hsa_id: &str) -> Api {
        let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let r = http
            .post(format!("{}/api/v1/demo/login", server.url))
            .json(&json!({"hsa_id": hsa_id}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "demo login {hsa_id}: {}", r.status());
        Api { http, url: server.url.clone() }
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let r = self.http.get(format!("{}{path}", self.url)).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.text().await.unwrap())
    }

    pub async fn json(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).unwrap()
    }

    /// Submits an order and returns its number.
    pub async fn order(&self, draft: Value) -> String {
        let r = self
            .http
            .post(format!("{}/api/v1/orders", self.url))
            .json(&draft)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let body: Value = r.json().await.unwrap();
        assert_eq!(status.as_u16(), 201, "submit: {body}");
        body["order_number"].as_str().unwrap().to_owned()
    }
}

pub fn tomorrow() -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(2)).format("%Y-%m-%d").to_string()
}

/// An SU order by Erik for SU Testperson with three permissions, attestant as given.
pub fn su_draft(attestant: &str) -> Value {
    json!({
        "end_user": {"hsa_id": SU_TEST},
        "workplace": "Sahlgrenska, avdelning 33",
        "administration": "su",
        "kind": "new",
        "permissions": [
            {"permission": "flexlab"},
            {"permission": "ivaratt", "details": {"role": "Verksamhetschef"}},
            {"permission": "postop", "details": {"role": "Koordinator", "departments": ["AnOpIVA", "SS"]}}
        ],
        "area": "sahlgrenska", "operation": "anestesi", "project": null,
        "attestant_hsa_id": attestant,
        "start_date": tomorrow()
    })
}
