//! What only the LDAP adapter can get wrong: credentials, outages, timeouts, connection reuse.

use super::{demo_slapd, ldap};
use beh_core::directory::PersonKey;
use beh_core::error::{Code, Error};
use beh_core::id::{HsaId, VgrId};
use beh_core::ports::Directory;
use beh_store::directory::slapd::{Slapd, ROOT_DN};
use beh_store::directory::{DirectoryError, LdapConfig, LdapDirectory};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn sten() -> PersonKey {
    PersonKey::VgrId(VgrId::parse("steli11").unwrap())
}

fn unit_id(n: u32) -> HsaId {
    HsaId::parse(&format!("SE2321000131-E000000000{n}")).unwrap()
}

#[track_caller]
fn assert_unavailable<T: std::fmt::Debug>(r: Result<T, Error>) {
    match r {
        Err(e) => assert_eq!(e.primary(), Code::Unavailable, "{e:?}"),
        Ok(v) => panic!("expected unavailable, got {v:?}"),
    }
}

/// Every call of the port, each expected to be `unavailable`.
async fn all_unavailable(d: &dyn Directory) {
    assert_unavailable(d.person(&sten()).await);
    assert_unavailable(d.unit(&unit_id(102)).await);
    assert_unavailable(d.search_units("vård", 10).await);
    assert_unavailable(d.attestants("su").await);
    assert_unavailable(d.ping().await);
}

#[tokio::test]
async fn wrong_bind_password_is_refused() {
    let server = demo_slapd();
    let d = ldap(LdapConfig { bind_password: Some("wrong".into()), ..server.config() });
    match d.check().await {
        Err(DirectoryError::Bind { rc: 49, dn, .. }) => assert_eq!(dn, ROOT_DN),
        other => panic!("expected invalid credentials, got {other:?}"),
    }
    // Never "not found": a refused bind is an outage of the directory.
    all_unavailable(&d).await;
}

#[tokio::test]
async fn empty_password_is_refused_before_binding() {
    // No server needed: the configuration is refused before any connection is made.
    let config = LdapConfig::new("ldap://127.0.0.1:9").with_bind(ROOT_DN, "");
    match LdapDirectory::new(config) {
        Err(DirectoryError::Config(text)) => assert!(text.contains("empty"), "{text}"),
        other => panic!("expected a configuration error, got {other:?}"),
    }
    let mut no_password = LdapConfig::new("ldap://127.0.0.1:9");
    no_password.bind_dn = Some(ROOT_DN.into());
    assert!(matches!(LdapDirectory::new(no_password), Err(DirectoryError::Config(_))));
}

#[tokio::test]
async fn password_file_and_anonymous_bind() {
    let server = demo_slapd();
    let file = std::env::temp_dir().join(format!("beh-ldap-pw-{}", server.port()));
    std::fs::write(&file, format!("{}\n", beh_store::directory::slapd::ROOT_PASSWORD)).unwrap();
    let config = LdapConfig {
        bind_password: None,
        bind_password_file: Some(file.clone()),
        ..server.config()
    };
    let d = ldap(config);
    d.check().await.unwrap();
    assert!(d.person(&sten()).await.unwrap().is_some());
    std::fs::remove_file(file).unwrap();

    // slapd's default access lets anonymous clients read.
    let anonymous = ldap(LdapConfig { bind_dn: None, bind_password: None, ..server.config() });
    assert!(anonymous.person(&sten()).await.unwrap().is_some());
}

#[tokio::test]
async fn server_stopped_mid_test_is_unavailable_and_a_restart_is_picked_up() {
    let mut server = demo_slapd();
    let d = ldap(server.config());
    assert!(d.person(&sten()).await.unwrap().is_some());

    server.stop();
    let started = Instant::now();
    all_unavailable(&d).await;
    assert!(started.elapsed() < Duration::from_secs(5), "a refused connection fails fast");

    server.restart().unwrap();
    assert!(d.person(&sten()).await.unwrap().is_some(), "reconnects after the outage");
}

#[tokio::test]
async fn a_server_that_stops_answering_times_out_as_unavailable() {
    let server = demo_slapd();
    let mut config = server.config();
    config.timeout_ms = 500;
    config.connect_timeout_ms = 500;
    let d = ldap(config);
    assert!(d.person(&sten()).await.unwrap().is_some());

    // Frozen: the open connection and new connections are accepted by the kernel, but nothing
    // answers.
    server.pause().unwrap();
    let started = Instant::now();
    match d.find_person(&sten()).await {
        Err(DirectoryError::Timeout { ms: 500 }) => {}
        other => panic!("expected a timeout, got {other:?}"),
    }
    all_unavailable(&d).await;
    assert!(started.elapsed() < Duration::from_secs(6), "{:?}", started.elapsed());

    server.resume().unwrap();
    assert!(d.person(&sten()).await.unwrap().is_some(), "recovers once the server answers");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_that_never_answers_the_bind_times_out() {
    // Accepts TCP connections and never says a word.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut config =
        LdapConfig::new(format!("ldap://127.0.0.1:{port}")).with_bind(ROOT_DN, "secret");
    config.connect_timeout_ms = 300;
    config.timeout_ms = 300;
    let d = ldap(config);
    let started = Instant::now();
    assert!(matches!(d.check().await, Err(DirectoryError::Timeout { ms: 300 })));
    assert_unavailable(d.ping().await);
    assert!(started.elapsed() < Duration::from_secs(3));

    // Requests that arrive during one failed connect share its answer rather than each
    // waiting out a timeout of their own in turn.
    let d = Arc::new(d);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let d = Arc::clone(&d);
        tasks.spawn(async move { d.person(&sten()).await });
    }
    while let Some(r) = tasks.join_next().await {
        assert_unavailable(r.unwrap());
    }
    assert!(started.elapsed() < Duration::from_millis(1500), "{:?}", started.elapsed());
    drop(listener);
}

#[tokio::test]
async fn nothing_listening_is_unavailable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let d = ldap(LdapConfig::new(format!("ldap://127.0.0.1:{port}")));
    assert!(matches!(d.check().await, Err(DirectoryError::Connection(_))));
    all_unavailable(&d).await;
}

#[tokio::test]
async fn a_missing_base_dn_is_unavailable_not_empty() {
    let server = demo_slapd();
    let d = ldap(LdapConfig { people_base: "ou=Saknas,o=vgr".into(), ..server.config() });
    assert!(matches!(d.check().await, Err(DirectoryError::Result { rc: 32, .. })));
    assert_unavailable(d.person(&sten()).await);
}

#[tokio::test]
async fn unit_cache_answers_within_its_ttl() {
    let mut server = demo_slapd();
    let d = ldap(LdapConfig { unit_cache_ttl_secs: 60, ..server.config() });
    let cached = d.unit(&unit_id(101)).await.unwrap().unwrap();
    assert!(d.unit(&unit_id(999)).await.unwrap().is_none());
    server.stop();
    assert_eq!(d.unit(&unit_id(101)).await.unwrap(), Some(cached));
    assert_eq!(d.unit(&unit_id(999)).await.unwrap(), None, "not-found is cached too");
    assert_unavailable(d.unit(&unit_id(102)).await);
    assert_unavailable(d.person(&sten()).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_connection_serves_many_requests_at_once() {
    let server = demo_slapd();
    let d = Arc::new(ldap(server.config()));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..40 {
        let d = Arc::clone(&d);
        tasks.spawn(async move {
            if i % 2 == 0 {
                d.person(&sten()).await.map(|p| usize::from(p.is_some()))
            } else {
                d.search_units("vårdcentral", 50).await.map(|u| u.len())
            }
        });
    }
    let mut answers = Vec::new();
    while let Some(r) = tasks.join_next().await {
        answers.push(r.unwrap().unwrap());
    }
    assert_eq!(answers.iter().filter(|n| **n == 1).count(), 20);
    assert_eq!(answers.iter().filter(|n| **n == 5).count(), 20);
}

#[tokio::test]
async fn paged_search_reads_past_the_page_size_and_max_scan_caps_it() {
    let server = demo_slapd();
    // Pages of two entries: the ten demo units take five pages.
    let d = ldap(LdapConfig { page_size: 2, ..server.config() });
    assert_eq!(d.search_units("", 50).await.unwrap().len(), 10);
    assert_eq!(d.attestants("su").await.unwrap().len(), 2);
    let capped = ldap(LdapConfig { page_size: 2, max_scan: 3, ..server.config() });
    assert_eq!(capped.search_units("", 50).await.unwrap().len(), 3);
    // The connection is still good after a search was cut short.
    assert!(capped.person(&sten()).await.unwrap().is_some());
}

#[test]
fn slapd_guard_stops_the_server() {
    let server = Slapd::start().expect("start slapd");
    let port = server.port();
    let pid = server.pid().unwrap();
    drop(server);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
}
