//! sqlx errors as beh-core errors: the database being down or overloaded is `unavailable`
//! (never "not found"); a unique-key clash is `conflict`; everything else is `internal`.
//! Details go to the log; sqlx error texts carry no bound values, so no credentials or
//! personnummer reach it.

use beh_core::error::{Code, Error};

/// Maps a sqlx error, logging it.
pub(crate) fn db(e: sqlx::Error) -> Error {
    let code = classify(&e);
    match code {
        Code::Unavailable => tracing::warn!(error = %e, "database unavailable"),
        Code::Conflict => tracing::info!(error = %e, "database conflict"),
        _ => tracing::error!(error = %e, "database error"),
    }
    Error::code(code)
}

fn classify(e: &sqlx::Error) -> Code {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => Code::Unavailable,
        sqlx::Error::Database(d) => {
            let sqlstate = d.code();
            let code = sqlstate.as_deref().unwrap_or("");
            // Unique keys; PostgreSQL serialization failure and deadlock.
            if d.is_unique_violation() || code == "40001" || code == "40P01" {
                Code::Conflict
            // PostgreSQL connection, resource and shutdown classes.
            } else if code.starts_with("08")
                || code.starts_with("53")
                || code.starts_with("57P")
                // SQLite: SQLITE_BUSY (5) and SQLITE_LOCKED (6) with extended codes, after the
                // busy timeout ran out; SQLITE_IOERR (10), SQLITE_FULL (13), SQLITE_CANTOPEN (14).
                || matches!(code.parse::<u32>().map(|c| c & 0xff), Ok(5 | 6 | 10 | 13 | 14))
            {
                Code::Unavailable
            } else {
                Code::Internal
            }
        }
        _ => Code::Internal,
    }
}

/// An undecodable stored value: logged (what, not the value) and `internal`.
pub(crate) fn corrupt(what: &str) -> Error {
    tracing::error!(what, "stored value does not decode");
    Error::code(Code::Internal)
}
