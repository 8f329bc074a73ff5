//! A throwaway OpenLDAP server for tests (feature `slapd`): a temporary `slapd.conf` with core,
//! cosine, inetorgperson and [`SCHEMA`], an mdb database in a temporary folder,
//! listening on a free loopback port. Stopped (and its folder removed) on drop.
//!
//! Needs the Debian packages `slapd` and `ldap-utils` (`scripts/test` installs them); a missing
//! binary is an error, never a reason to skip. Run as root or as a user who may read
//! `/etc/ldap/schema`.
//!
//! ```no_run
//! # async fn f() -> std::io::Result<()> {
//! use beh_store::directory::{slapd::Slapd, LdapDirectory};
//! let server = Slapd::start()?;
//! server.load_demo()?;
//! let directory = LdapDirectory::new(server.config()).map_err(std::io::Error::other)?;
//! # Ok(()) }
//! ```

use super::{to_ldif, LdapConfig, SCHEMA};
use beh_core::directory::DirectoryData;
use std::io::{Error, ErrorKind, Result};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The database suffix of the test server.
pub const SUFFIX: &str = "o=vgr";
/// The test server's root DN.
pub const ROOT_DN: &str = "cn=admin,o=vgr";
/// The test server's root password.
pub const ROOT_PASSWORD: &str = "beh-test-secret";

const SYSTEM_SCHEMAS: [&str; 3] = ["core", "cosine", "inetorgperson"];

/// A running slapd; stopped on drop.
#[derive(Debug)]
pub struct Slapd {
    child: Option<Child>,
    dir: PathBuf,
    port: u16,
}

fn find(name: &str, usual: &[&str]) -> Result<PathBuf> {
    let from_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join(name)).collect::<Vec<_>>())
        .unwrap_or_default();
    usual
        .iter()
        .map(PathBuf::from)
        .chain(from_path)
        .find(|p| p.is_file())
        .ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("{name} is missing: install the Debian packages slapd and ldap-utils (scripts/test does)"),
            )
        })
}

fn temp_dir() -> Result<PathBuf> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("beh-slapd-{}-{n}-{nanos}", std::process::id()));
    std::fs::create_dir_all(dir.join("db"))?;
    Ok(dir)
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Slapd {
    /// Starts a server with an empty database (suffix [`SUFFIX`]).
    pub fn start() -> Result<Slapd> {
        let slapd = find("slapd", &["/usr/sbin/slapd"])?;
        for schema in SYSTEM_SCHEMAS {
            let path = format!("/etc/ldap/schema/{schema}.schema");
            if !Path::new(&path).is_file() {
                return Err(Error::new(
                    ErrorKind::NotFound,
                    format!("{path} is missing (package slapd)"),
                ));
            }
        }
        let dir = temp_dir()?;
        std::fs::write(dir.join("hsa.schema"), SCHEMA)?;
        std::fs::write(dir.join("slapd.conf"), slapd_conf(&dir))?;
        let mut last_log = String::new();
        let mut server = Slapd { child: None, dir, port: 0 };
        // The port is free when picked but may be taken before slapd binds it: try again.
        for _ in 0..5 {
            server.port = free_port()?;
            if server.spawn(&slapd)? {
                return Ok(server);
            }
            last_log = std::fs::read_to_string(server.dir.join("slapd.log")).unwrap_or_default();
            server.stop();
        }
        // Dropping `server` removes the folder.
        Err(Error::other(format!("slapd did not start: {last_log}")))
    }

    /// Starts slapd on this server's folder and port; whether it came up.
    fn spawn(&mut self, slapd: &Path) -> Result<bool> {
        let log = std::fs::File::create(self.dir.join("slapd.log"))?;
        let child = Command::new(slapd)
            .arg("-d")
            .arg("0")
            .arg("-f")
            .arg(self.dir.join("slapd.conf"))
            .arg("-h")
            .arg(format!("ldap://127.0.0.1:{}/", self.port))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        self.child = Some(child);
        self.wait_ready()
    }

    /// Starts a stopped server again on the same port with the same data (to test that
    /// clients reconnect).
    pub fn restart(&mut self) -> Result<()> {
        self.stop();
        let slapd = find("slapd", &["/usr/sbin/slapd"])?;
        if self.spawn(&slapd)? {
            Ok(())
        } else {
            let log = std::fs::read_to_string(self.dir.join("slapd.log")).unwrap_or_default();
            Err(Error::other(format!("slapd did not restart: {log}")))
        }
    }

    fn wait_ready(&mut self) -> Result<bool> {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut() {
                if child.try_wait()?.is_some() {
                    return Ok(false);
                }
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(true);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        Ok(false)
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `ldap://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    /// The adapter's configuration for this server: KIV defaults, bound as the root DN, short
    /// timeouts, no unit cache.
    pub fn config(&self) -> LdapConfig {
        let mut c = LdapConfig::new(self.url()).with_bind(ROOT_DN, ROOT_PASSWORD);
        c.connect_timeout_ms = 2_000;
        c.timeout_ms = 2_000;
        c.unit_cache_ttl_secs = 0;
        c
    }

    /// Adds the entries of `ldif` with `ldapadd` as the root DN.
    pub fn ldapadd(&self, ldif: &str) -> Result<()> {
        let ldapadd = find("ldapadd", &["/usr/bin/ldapadd"])?;
        let file = self.dir.join(format!("add-{}.ldif", free_port()?));
        std::fs::write(&file, ldif)?;
        let out = Command::new(ldapadd)
            .args(["-x", "-H", &self.url(), "-D", ROOT_DN, "-w", ROOT_PASSWORD, "-f"])
            .arg(&file)
            .stdin(Stdio::null())
            .output()?;
        if !out.status.success() {
            return Err(Error::other(format!(
                "ldapadd failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(())
    }

    /// Loads `data` as LDIF for `config` (with the entries from [`SUFFIX`] down to its bases).
    pub fn load(&self, data: &DirectoryData, config: &LdapConfig) -> Result<()> {
        let ldif = to_ldif(data, config, Some(SUFFIX)).map_err(Error::other)?;
        self.ldapadd(&ldif)
    }

    /// Loads the demo directory (`DirectoryData::demo()`) with the default attribute names.
    pub fn load_demo(&self) -> Result<()> {
        self.load(&DirectoryData::demo(), &LdapConfig::default())
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    fn signal(&self, signal: &str) -> Result<()> {
        let pid = self.pid().ok_or_else(|| Error::other("slapd is not running"))?;
        let status =
            Command::new("kill").arg(format!("-{signal}")).arg(pid.to_string()).status()?;
        if status.success() {
            Ok(())
        } else {
            Err(Error::other(format!("kill -{signal} {pid} failed")))
        }
    }

    /// Freezes the server (SIGSTOP): connections stay open and nothing answers.
    pub fn pause(&self) -> Result<()> {
        self.signal("STOP")
    }

    /// Thaws a paused server (SIGCONT).
    pub fn resume(&self) -> Result<()> {
        self.signal("CONT")
    }

    /// Kills the server and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGKILL ends a paused (SIGSTOPped) server too.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn slapd_conf(dir: &Path) -> String {
    let d = dir.display();
    let includes: String =
        SYSTEM_SCHEMAS.iter().map(|s| format!("include /etc/ldap/schema/{s}.schema\n")).collect();
    format!(
        "{includes}include {d}/hsa.schema\n\
         pidfile {d}/slapd.pid\n\
         argsfile {d}/slapd.args\n\
         modulepath /usr/lib/ldap\n\
         moduleload back_mdb\n\
         database mdb\n\
         maxsize 67108864\n\
         suffix \"{SUFFIX}\"\n\
         rootdn \"{ROOT_DN}\"\n\
         rootpw {ROOT_PASSWORD}\n\
         directory {d}/db\n\
         index objectClass eq\n"
    )
}
