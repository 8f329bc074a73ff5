//! Composition: the one place that picks adapters (store, directory, verifier) from the
//! configuration, builds the state, starts the workers and serves.

use crate::auth::CertificateLogin;
use crate::config::{Config, DirectoryKind};
use crate::state::{AppState, Inner, Metrics};
use axum_extra::extract::cookie::Key;
use beh_core::catalog::Catalog;
use beh_core::id::HsaId;
use beh_core::ports::{Directory, OrderStore, Outbox, SignatureVerifier, SystemClock};
use beh_core::service::{Ports, ServiceConfig};
use beh_core::{Code, OrderService};
use beh_sign::{Policy, Revocation, Verifier};
use chrono::{DateTime, Utc};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::watch;

/// Options of `beh serve` from the command line.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// Demo mode.
    pub demo: bool,
    /// Add sample history (demo mode).
    pub demo_history: bool,
    /// Listen address override.
    pub listen: Option<SocketAddr>,
    /// Database URL override.
    pub database: Option<String>,
}

impl CertificateLogin for Verifier {
    fn login(&self, chain: &[Vec<u8>], now: DateTime<Utc>) -> Result<HsaId, Code> {
        let refs: Vec<&[u8]> = chain.iter().map(Vec::as_slice).collect();
        let v = self.verify_login(&refs, now).map_err(|f| {
            f.codes()
                .first()
                .map(|c| beh_sign::port::core_code(*c))
                .unwrap_or(Code::CertificateUntrusted)
        })?;
        HsaId::parse(&v.signer_hsa_id).map_err(|_| Code::CertificateUntrusted)
    }
}

/// The verifier of the configuration (demo: the demo PKI compiled in).
pub fn verifier(config: &Config, demo: bool) -> Result<Verifier, String> {
    let mut b = Verifier::builder();
    if demo && config.signing.trust_anchors.is_empty() {
        b = b
            .add_trust_anchors(crate::demo::ROOT.as_bytes())
            .map_err(|e| format!("demo root: {e}"))?;
        for i in crate::demo::INTERMEDIATES {
            b = b.add_intermediates(i.as_bytes()).map_err(|e| format!("demo CA: {e}"))?;
        }
        for c in crate::demo::CRLS {
            b = b.add_crls(c.as_bytes()).map_err(|e| format!("demo CRL: {e}"))?;
        }
    } else {
        if config.signing.trust_anchors.is_empty() {
            return Err("signing.trust_anchors: at least one SITHS root is needed".to_owned());
        }
        for p in &config.signing.trust_anchors {
            b = b
                .add_trust_anchor_file(p)
                .map_err(|e| format!("signing.trust_anchors {}: {e}", p.display()))?;
        }
        for p in &config.signing.crls {
            b = b.add_crl_file(p).map_err(|e| format!("signing.crls {}: {e}", p.display()))?;
        }
    }
    let revocation = if config.signing.allow_missing_crl {
        Revocation::IfAvailable
    } else {
        Revocation::Required
    };
    b.policy(Policy::default().with_revocation(revocation))
        .build()
        .map_err(|e| format!("signing: {e}"))
}

async fn directory(config: &Config, demo: bool) -> Result<Arc<dyn Directory>, String> {
    match config.directory.kind {
        DirectoryKind::Demo if demo => Ok(Arc::new(beh_core::testing::MemoryDirectory::demo())),
        DirectoryKind::Demo => Err("directory.kind = \"demo\" is for demo mode only".to_owned()),
        DirectoryKind::Ldap => crate::adapters::ldap_directory(config).await,
    }
}

/// Builds the state of the server (without starting anything).
pub async fn build(config: Config, demo: bool) -> Result<AppState, String> {
    let (store, outbox): (Arc<dyn OrderStore>, Arc<dyn Outbox>) =
        crate::adapters::store(&config, demo).await?;
    let verifier = Arc::new(verifier(&config, demo)?);
    let ports = Ports {
        directory: directory(&config, demo).await?,
        store,
        verifier: verifier.clone() as Arc<dyn SignatureVerifier>,
        clock: Arc::new(SystemClock),
        ids: Arc::new(crate::util::OsIds),
    };
    let key = match &config.auth.session_secret {
        Some(s) => Key::try_from(
            crate::util::b64_decode(s).map_err(|_| "auth.session_secret: not base64")?.as_slice(),
        )
        .map_err(|_| "auth.session_secret: at least 64 bytes".to_owned())?,
        None => Key::generate(),
    };
    let service = OrderService::new(Catalog::demo(), ports, ServiceConfig::default());
    Ok(AppState(Arc::new(Inner {
        service,
        demo,
        demo_keys: demo.then(crate::demo::DemoKeys::default),
        key,
        cert_login: Some(verifier as Arc<dyn CertificateLogin>),
        outbox,
        metrics: Metrics::default(),
        config,
    })))
}

/// Loads the configuration for `serve` (demo defaults when `--demo`).
pub fn load_config(path: Option<&std::path::Path>, opts: &ServeOptions) -> Result<Config, String> {
    let mut env: Vec<(String, String)> = std::env::vars().collect();
    if opts.demo {
        // Demo defaults come first so that the file and the environment still win.
        let mut demo = vec![
            ("BEH__DIRECTORY__KIND".to_owned(), "demo".to_owned()),
            ("BEH__DATABASE__URL".to_owned(), "sqlite://beh.db".to_owned()),
        ];
        if path.is_some() {
            demo.retain(|(k, _)| std::env::var(k).is_err());
        }
        demo.append(&mut env);
        env = demo;
    }
    if let Some(db) = &opts.database {
        env.push(("BEH__DATABASE__URL".to_owned(), format!("\"{db}\"")));
    }
    let mut config = Config::load(path, env).map_err(|e| e.to_string())?;
    if let Some(l) = opts.listen {
        config.listen = l;
    }
    if opts.demo && config.public_base_url == "http://127.0.0.1:8080" {
        config.public_base_url = String::new();
    }
    Ok(config)
}

/// `beh serve`: builds, starts the outbox worker, serves until Ctrl-C / SIGTERM, then finishes
/// in-flight requests and the outbox batch in hand.
pub async fn serve(mut config: Config, opts: ServeOptions) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let scheme = if config.tls.is_some() { "https" } else { "http" };
    if config.public_base_url.is_empty() {
        config.public_base_url = format!("{scheme}://{addr}");
    }
    let delivery = crate::workers::Delivery::new(&config)?;
    let state = build(config, opts.demo).await?;
    let tls = match (&state.config.tls, &state.cert_login) {
        (Some(t), Some(login)) => Some(crate::tls::server_config(t, login.clone())?),
        _ => None,
    };
    if opts.demo && opts.demo_history {
        crate::history::add_sample_history(&state.service)
            .await
            .map_err(|e| format!("demo history: {e}"))?;
    }
    let (tx, rx) = watch::channel(false);
    let worker = tokio::spawn(crate::workers::run(state.clone(), delivery, rx.clone()));
    let app = crate::state::router(state.clone());
    println!("listening on {scheme}://{addr}");
    if opts.demo {
        println!("demo: öppna {scheme}://{addr}/ i webbläsaren och välj en demoperson");
    }
    let signal = async {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing requests and deliveries in flight");
        let _ = tx.send(true);
    };
    match tls {
        Some(tls) => {
            let ((), ()) = tokio::join!(crate::tls::serve(listener, app, tls, rx.clone()), signal);
        }
        None => {
            let mut rx_server = rx.clone();
            let server =
                axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
                    .with_graceful_shutdown(async move {
                        let _ = rx_server.changed().await;
                    });
            let (served, ()) = tokio::join!(server, signal);
            served.map_err(|e| e.to_string())?;
        }
    }
    let _ = worker.await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
