-- beh-store schema for SQLite (the embedded default). Times are microseconds since the Unix
-- epoch (INTEGER) so that they sort and compare exactly; `ordered_day` is the Europe/Stockholm
-- calendar date of `ordered_at` (YYYY-MM-DD), computed by the application, for the from/to
-- history filters.

-- Order numbers: one row, advanced with UPDATE ... RETURNING in its own write transaction.
CREATE TABLE order_counter (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    next_number INTEGER NOT NULL
);

CREATE TABLE orders (
    number           INTEGER PRIMARY KEY,
    version          INTEGER NOT NULL,
    status           TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    orderer_hsa      TEXT    NOT NULL,
    attestant_hsa    TEXT    NOT NULL,
    end_user_hsa     TEXT    NOT NULL,
    end_user_hsa_lc  TEXT    NOT NULL,
    end_user_vgr     TEXT,
    end_user_name_lc TEXT    NOT NULL,
    ordered_at_us    INTEGER NOT NULL,
    ordered_day      TEXT    NOT NULL,
    -- The order as JSON (serde of beh_core::order::Order; never holds credentials).
    body             TEXT    NOT NULL,
    -- Credentials, AES-256-GCM: key id, 96-bit nonce, ciphertext with tag.
    cred_key_id      TEXT,
    cred_nonce       BLOB,
    cred_ciphertext  BLOB
);

-- History pages are newest first: (ordered_at, number) descending behind each equality filter.
CREATE INDEX orders_by_orderer   ON orders (orderer_hsa, ordered_at_us DESC, number DESC);
CREATE INDEX orders_by_attestant ON orders (attestant_hsa, ordered_at_us DESC, number DESC);
CREATE INDEX orders_by_end_user  ON orders (end_user_hsa, ordered_at_us DESC, number DESC);
CREATE INDEX orders_by_status    ON orders (status, ordered_at_us DESC, number DESC);
CREATE INDEX orders_by_kind      ON orders (kind, ordered_at_us DESC, number DESC);
CREATE INDEX orders_by_time      ON orders (ordered_at_us DESC, number DESC);
CREATE INDEX orders_by_day       ON orders (ordered_day);
CREATE INDEX orders_by_eu_hsa_lc ON orders (end_user_hsa_lc);
CREATE INDEX orders_by_eu_vgr    ON orders (end_user_vgr);

-- The audit log (R17): append-only, hash-chained per order.
CREATE TABLE audit_log (
    order_number INTEGER NOT NULL REFERENCES orders (number),
    seq          INTEGER NOT NULL,
    at_us        INTEGER NOT NULL,
    actor        TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    -- JSON text exactly as hashed (not re-encoded, so key order is kept).
    details      TEXT    NOT NULL,
    prev_hash    TEXT    NOT NULL,
    hash         TEXT    NOT NULL,
    PRIMARY KEY (order_number, seq)
);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Holdings (R7): what a person holds now, from completed orders.
CREATE TABLE holdings (
    person_hsa  TEXT    NOT NULL,
    permission  TEXT    NOT NULL,
    -- serde of beh_core::order::Holding.
    body        TEXT    NOT NULL,
    since_order INTEGER NOT NULL,
    PRIMARY KEY (person_hsa, permission)
);

-- The transactional outbox.
CREATE TABLE outbox (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    order_number       INTEGER NOT NULL REFERENCES orders (number),
    kind               TEXT    NOT NULL,
    recipient          TEXT,
    idempotency_key    TEXT    NOT NULL UNIQUE,
    state              TEXT    NOT NULL DEFAULT 'pending',
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_us INTEGER NOT NULL,
    last_error         TEXT,
    claimed_by         TEXT,
    claimed_until_us   INTEGER,
    created_at_us      INTEGER NOT NULL,
    delivered_at_us    INTEGER
);

CREATE INDEX outbox_pending ON outbox (next_attempt_at_us, id) WHERE state = 'pending';
CREATE INDEX outbox_dead    ON outbox (id) WHERE state = 'dead';
CREATE INDEX outbox_order   ON outbox (order_number);

-- Attestation challenges (R13): single use.
CREATE TABLE challenges (
    id            TEXT    PRIMARY KEY,
    order_number  INTEGER NOT NULL,
    body          TEXT    NOT NULL,
    used          INTEGER NOT NULL DEFAULT 0,
    expires_at_us INTEGER NOT NULL
);
