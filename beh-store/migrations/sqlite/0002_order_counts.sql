-- Per-person history counts, so the total of "my orders" (a role, optionally one status, no
-- other filter) is a lookup instead of a COUNT over every matching order. Kept by triggers in
-- the transaction that writes the order row, so they are exact whenever the row is visible.
-- role: 'orderer', 'attestant', 'end_user', or 'any' (the order counted once per person in any
-- role, for a search without a role). Filtered searches still COUNT.
CREATE TABLE order_counts (
    person_hsa TEXT    NOT NULL,
    role       TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (person_hsa, role, status)
) WITHOUT ROWID;

INSERT INTO order_counts (person_hsa, role, status, n)
    SELECT orderer_hsa, 'orderer', status, COUNT(*) FROM orders GROUP BY orderer_hsa, status
    UNION ALL
    SELECT attestant_hsa, 'attestant', status, COUNT(*) FROM orders GROUP BY attestant_hsa, status
    UNION ALL
    SELECT end_user_hsa, 'end_user', status, COUNT(*) FROM orders GROUP BY end_user_hsa, status
    UNION ALL
    SELECT p, 'any', s, COUNT(*) FROM (
        SELECT number, status AS s, orderer_hsa AS p FROM orders
        UNION SELECT number, status, attestant_hsa FROM orders
        UNION SELECT number, status, end_user_hsa FROM orders
    ) GROUP BY p, s;

CREATE TRIGGER orders_count_insert AFTER INSERT ON orders
BEGIN
    INSERT INTO order_counts (person_hsa, role, status, n)
        SELECT p, r, NEW.status, 1 FROM (
            SELECT NEW.orderer_hsa AS p, 'orderer' AS r
            UNION ALL SELECT NEW.attestant_hsa, 'attestant'
            UNION ALL SELECT NEW.end_user_hsa, 'end_user'
            UNION SELECT NEW.orderer_hsa, 'any'
            UNION SELECT NEW.attestant_hsa, 'any'
            UNION SELECT NEW.end_user_hsa, 'any'
        ) WHERE true
        ON CONFLICT (person_hsa, role, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER orders_count_update AFTER UPDATE ON orders
WHEN OLD.status IS NOT NEW.status OR OLD.orderer_hsa IS NOT NEW.orderer_hsa
    OR OLD.attestant_hsa IS NOT NEW.attestant_hsa OR OLD.end_user_hsa IS NOT NEW.end_user_hsa
BEGIN
    UPDATE order_counts SET n = n - 1
        WHERE status = OLD.status AND (person_hsa, role) IN (
            SELECT OLD.orderer_hsa, 'orderer'
            UNION ALL SELECT OLD.attestant_hsa, 'attestant'
            UNION ALL SELECT OLD.end_user_hsa, 'end_user'
            UNION SELECT OLD.orderer_hsa, 'any'
            UNION SELECT OLD.attestant_hsa, 'any'
            UNION SELECT OLD.end_user_hsa, 'any'
        );
    INSERT INTO order_counts (person_hsa, role, status, n)
        SELECT p, r, NEW.status, 1 FROM (
            SELECT NEW.orderer_hsa AS p, 'orderer' AS r
            UNION ALL SELECT NEW.attestant_hsa, 'attestant'
            UNION ALL SELECT NEW.end_user_hsa, 'end_user'
            UNION SELECT NEW.orderer_hsa, 'any'
            UNION SELECT NEW.attestant_hsa, 'any'
            UNION SELECT NEW.end_user_hsa, 'any'
        ) WHERE true
        ON CONFLICT (person_hsa, role, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER orders_count_delete AFTER DELETE ON orders
BEGIN
    UPDATE order_counts SET n = n - 1
        WHERE status = OLD.status AND (person_hsa, role) IN (
            SELECT OLD.orderer_hsa, 'orderer'
            UNION ALL SELECT OLD.attestant_hsa, 'attestant'
            UNION ALL SELECT OLD.end_user_hsa, 'end_user'
            UNION SELECT OLD.orderer_hsa, 'any'
            UNION SELECT OLD.attestant_hsa, 'any'
            UNION SELECT OLD.end_user_hsa, 'any'
        );
END;
