//! Orders, outbox and audit log in SQLite and PostgreSQL (issue 4): not built yet.
