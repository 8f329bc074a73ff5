# PostgreSQL for the store tests (sourced by scripts/test). The machine runs it on
# 127.0.0.1:5432 with trust auth; start the cluster if it is stopped; fail if unreachable.
export BEH_TEST_POSTGRES_URL=${BEH_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
pg_up() { psql "$BEH_TEST_POSTGRES_URL" -Atqc 'select 1' >/dev/null 2>&1; }
if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    for v in /etc/postgresql/*; do pg_ctlcluster --skip-systemctl-redirect "$(basename "$v")" main start || true; done
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  fi
fi
pg_up || die "PostgreSQL is not reachable at $BEH_TEST_POSTGRES_URL (the store tests need it)"
echo "postgres ok: $BEH_TEST_POSTGRES_URL"
