-- The per-role history indexes also carry status, kind and ordered_day, so a person's search
-- with those filters counts and pages from the index alone (no table lookup per candidate).
CREATE INDEX orders_by_orderer_cov   ON orders (orderer_hsa, ordered_at_us DESC, number DESC, status, kind, ordered_day);
CREATE INDEX orders_by_attestant_cov ON orders (attestant_hsa, ordered_at_us DESC, number DESC, status, kind, ordered_day);
CREATE INDEX orders_by_end_user_cov  ON orders (end_user_hsa, ordered_at_us DESC, number DESC, status, kind, ordered_day);
DROP INDEX orders_by_orderer;
DROP INDEX orders_by_attestant;
DROP INDEX orders_by_end_user;
