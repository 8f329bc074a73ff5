-- Per-person history counts, so the total of "my orders" (a role, optionally one status, no
-- other filter) is a lookup instead of a COUNT over every matching order. Kept by a trigger in
-- the transaction that writes the order row, so they are exact in every snapshot that sees the
-- row. role: 'orderer', 'attestant', 'end_user', or 'any' (the order counted once per person in
-- any role, for a search without a role). Filtered searches still COUNT.
CREATE TABLE order_counts (
    person_hsa TEXT   NOT NULL,
    role       TEXT   NOT NULL,
    status     TEXT   NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (person_hsa, role, status)
);

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
    ) u GROUP BY p, s;

-- One statement per order change, rows locked in key order: two writers that touch the same
-- counters (the same people) wait for each other but cannot deadlock.
CREATE FUNCTION orders_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    o_st TEXT; o_or TEXT; o_at TEXT; o_eu TEXT;
    n_st TEXT; n_or TEXT; n_at TEXT; n_eu TEXT;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        o_st := OLD.status; o_or := OLD.orderer_hsa; o_at := OLD.attestant_hsa; o_eu := OLD.end_user_hsa;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        n_st := NEW.status; n_or := NEW.orderer_hsa; n_at := NEW.attestant_hsa; n_eu := NEW.end_user_hsa;
    END IF;
    IF TG_OP = 'UPDATE' AND o_st = n_st AND o_or = n_or AND o_at = n_at AND o_eu = n_eu THEN
        RETURN NULL;
    END IF;
    INSERT INTO order_counts AS c (person_hsa, role, status, n)
        SELECT p, r, s, SUM(d) FROM (
            SELECT p, r, n_st AS s, 1 AS d FROM (
                VALUES (n_or, 'orderer'), (n_at, 'attestant'), (n_eu, 'end_user'),
                       (n_or, 'any'), (n_at, 'any'), (n_eu, 'any')
            ) v (p, r) WHERE n_st IS NOT NULL GROUP BY p, r
            UNION ALL
            SELECT p, r, o_st, -1 FROM (
                VALUES (o_or, 'orderer'), (o_at, 'attestant'), (o_eu, 'end_user'),
                       (o_or, 'any'), (o_at, 'any'), (o_eu, 'any')
            ) v (p, r) WHERE o_st IS NOT NULL GROUP BY p, r
        ) d GROUP BY p, r, s HAVING SUM(d) <> 0
        ORDER BY p, r, s
        ON CONFLICT (person_hsa, role, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    RETURN NULL;
END;
$$;

CREATE TRIGGER orders_count AFTER INSERT OR UPDATE OR DELETE ON orders
    FOR EACH ROW EXECUTE FUNCTION orders_count();
