-- beh-store schema for PostgreSQL (several server nodes). Times are microseconds since the Unix
-- epoch (BIGINT), the same representation as on SQLite, so both backends compare and sort
-- alike; `ordered_day` is the Europe/Stockholm calendar date of `ordered_at` (YYYY-MM-DD),
-- computed by the application, for the from/to history filters.

-- Order numbers, unique across nodes. The first number is set by the application (setval)
-- before the sequence is first used.
CREATE SEQUENCE order_number_seq AS BIGINT MINVALUE 1;

CREATE TABLE orders (
    number           BIGINT PRIMARY KEY,
    version          BIGINT NOT NULL,
    status           TEXT   NOT NULL,
    kind             TEXT   NOT NULL,
    orderer_hsa      TEXT   NOT NULL,
    attestant_hsa    TEXT   NOT NULL,
    end_user_hsa     TEXT   NOT NULL,
    end_user_hsa_lc  TEXT   NOT NULL,
    end_user_vgr     TEXT,
    end_user_name_lc TEXT   NOT NULL,
    ordered_at_us    BIGINT NOT NULL,
    ordered_day      TEXT   NOT NULL,
    -- The order as JSON text (serde of beh_core::order::Order; never holds credentials).
    body             TEXT   NOT NULL,
    -- Credentials, AES-256-GCM: key id, 96-bit nonce, ciphertext with tag.
    cred_key_id      TEXT,
    cred_nonce       BYTEA,
    cred_ciphertext  BYTEA
);

CREATE INDEX orders_by_orderer   ON orders (orderer_hsa, ordered_at_us DESC, number DESC);
CREATE INDEX orders_by_attestant ON orders (attestant_hsa, ordered_at_us DESC, number DESC);
CREATE INDEX orders_by_end_user  ON orders (end_user_hsa, ordered_at_us DESC, number DESC);
CREATE INDEX orders_by_status    ON orders (status, ordered_at_us DESC, number DESC);
CREATE INDEX orders_by_kind      ON orders (kind, ordered_at_us DESC, number DESC);
CREATE INDEX orders_by_time      ON orders (ordered_at_us DESC, number DESC);
CREATE INDEX orders_by_day       ON orders (ordered_day);
CREATE INDEX orders_by_eu_hsa_lc ON orders (end_user_hsa_lc);
CREATE INDEX orders_by_eu_vgr    ON orders (end_user_vgr);

-- The audit log (R17): append-only, hash-chained per order. `details` is TEXT, not JSONB:
-- JSONB would reorder keys and the stored text must be exactly what was hashed.
CREATE TABLE audit_log (
    order_number BIGINT NOT NULL REFERENCES orders (number),
    seq          BIGINT NOT NULL,
    at_us        BIGINT NOT NULL,
    actor        TEXT   NOT NULL,
    action       TEXT   NOT NULL,
    details      TEXT   NOT NULL,
    prev_hash    TEXT   NOT NULL,
    hash         TEXT   NOT NULL,
    PRIMARY KEY (order_number, seq)
);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Holdings (R7): what a person holds now, from completed orders.
CREATE TABLE holdings (
    person_hsa  TEXT   NOT NULL,
    permission  TEXT   NOT NULL,
    body        TEXT   NOT NULL,
    since_order BIGINT NOT NULL,
    PRIMARY KEY (person_hsa, permission)
);

-- The transactional outbox.
CREATE TABLE outbox (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_number       BIGINT NOT NULL REFERENCES orders (number),
    kind               TEXT   NOT NULL,
    recipient          TEXT,
    idempotency_key    TEXT   NOT NULL UNIQUE,
    state              TEXT   NOT NULL DEFAULT 'pending',
    attempts           BIGINT NOT NULL DEFAULT 0,
    next_attempt_at_us BIGINT NOT NULL,
    last_error         TEXT,
    claimed_by         TEXT,
    claimed_until_us   BIGINT,
    created_at_us      BIGINT NOT NULL,
    delivered_at_us    BIGINT
);

CREATE INDEX outbox_pending ON outbox (next_attempt_at_us, id) WHERE state = 'pending';
CREATE INDEX outbox_dead    ON outbox (id) WHERE state = 'dead';
CREATE INDEX outbox_order   ON outbox (order_number);

-- Attestation challenges (R13): single use.
CREATE TABLE challenges (
    id            TEXT    PRIMARY KEY,
    order_number  BIGINT  NOT NULL,
    body          TEXT    NOT NULL,
    used          BOOLEAN NOT NULL DEFAULT FALSE,
    expires_at_us BIGINT  NOT NULL
);
