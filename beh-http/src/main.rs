//! The `beh` command: `serve`, `migrate`, `verify`, `audit verify`.

use beh_http::app::{self, ServeOptions};
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// beh — behörighetsbeställning: order access rights, attest with SITHS, hand over to the
/// service desk.
#[derive(Parser)]
#[command(name = "beh", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        /// Demo mode: SQLite ./beh.db, demo directory, demo PKI, demo login, mail to the log.
        #[arg(long)]
        demo: bool,
        /// With --demo: add sample history like the guide's "Tidigare beställningar".
        #[arg(long, requires = "demo")]
        demo_history: bool,
        /// Configuration file (TOML); BEH__SECTION__KEY environment variables override it.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Address to listen on (127.0.0.1:0 picks a free port).
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Database URL (sqlite://FILE or postgres://…).
        #[arg(long)]
        database: Option<String>,
    },
    /// Create or upgrade the database schema.
    Migrate {
        /// Configuration file.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Database URL.
        #[arg(long)]
        database: Option<String>,
    },
    /// Check a signature and chain offline (the JSON request of beh_signature_verify);
    /// exit 0 valid, 1 invalid, 2 malformed request.
    Verify {
        /// The request file ("-" for standard input).
        #[arg(long)]
        request: PathBuf,
    },
    /// Audit log commands.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify every order's hash chain and name the first broken entry.
    Verify {
        /// Configuration file.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Database URL.
        #[arg(long)]
        database: Option<String>,
    },
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("BEH_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("BEH_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Verify { request } = &cli.command {
        let text = if request.as_os_str() == "-" {
            let mut s = String::new();
            match std::io::Read::read_to_string(&mut std::io::stdin(), &mut s) {
                Ok(_) => s,
                Err(e) => {
                    eprintln!("beh verify: {e}");
                    return ExitCode::from(2);
                }
            }
        } else {
            match std::fs::read_to_string(request) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("beh verify: {}: {e}", request.display());
                    return ExitCode::from(2);
                }
            }
        };
        let (outcome, json) = beh_sign::verify_request_json(&text);
        println!("{json}");
        return ExitCode::from(u8::try_from(outcome.exit_code()).unwrap_or(2));
    }
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("beh: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve { demo, demo_history, config, listen, database } => {
                let opts = ServeOptions { demo, demo_history, listen, database };
                let config = app::load_config(config.as_deref(), &opts)?;
                app::serve(config, opts).await
            }
            Command::Migrate { config, database } => {
                let opts = ServeOptions { database, ..ServeOptions::default() };
                let config = app::load_config(config.as_deref(), &opts)?;
                beh_http::adapters::migrate(&config).await
            }
            Command::Audit { command: AuditCommand::Verify { config, database } } => {
                let opts = ServeOptions { database, ..ServeOptions::default() };
                let config = app::load_config(config.as_deref(), &opts)?;
                beh_http::adapters::audit_verify(&config).await
            }
            Command::Verify { .. } => Ok(()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("beh: {e}");
            ExitCode::FAILURE
        }
    }
}
