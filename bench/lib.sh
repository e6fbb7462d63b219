# Shared by bench/*.sh: a fresh cluster, pgbench baselines, output lines.
set -euo pipefail
bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_build=${LEADLINE_BUILD:-$bench_root/build}
pgc="$bench_root/scripts/pg-cluster"

figure() { printf 'figure %s %s %s\n' "$1" "$2" "$3"; }
ratio() { printf 'ratio %s %s\n' "$1" "$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# Starts a fresh cluster in a temp dir with durable settings; sets
# LEADLINE_DB, BENCH_PGDIR, PGBENCH. Stopped and removed on exit.
# BENCH_STATEMENTS=FILE: where the store's time went — the run's 25
# costliest statements (pg_stat_statements) are written to FILE at the end.
bench_cluster() {
  BENCH_PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/llbench.XXXXXX")
  trap 'bench_cleanup' EXIT
  local extra=${PG_EXTRA_CONF:-}
  [ -z "${BENCH_STATEMENTS:-}" ] || extra="$extra
shared_preload_libraries = 'pg_stat_statements'"
  PG_FSYNC=on PG_EXTRA_CONF="$extra" "$pgc" start "$BENCH_PGDIR" >/dev/null
  export LEADLINE_DB=$("$pgc" conninfo "$BENCH_PGDIR")
  export BENCH_PGDIR
  PGBENCH="$("$pgc" bindir "$BENCH_PGDIR")/pgbench"
  [ -z "${BENCH_STATEMENTS:-}" ] || psql "$LEADLINE_DB" -qXc "CREATE EXTENSION pg_stat_statements"
}
bench_statements() {
  psql "$LEADLINE_DB" -qX -c "SELECT calls, round(total_exec_time) AS total_ms,
      round((total_exec_time / calls)::numeric, 3) AS ms_per_call, rows,
      left(regexp_replace(query, '\s+', ' ', 'g'), 140) AS statement
    FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 25" >"$BENCH_STATEMENTS" 2>&1 || true
}
bench_cleanup() {
  [ -z "${BENCH_STATEMENTS:-}" ] || bench_statements
  for p in ${BENCH_PIDS:-}; do kill -9 "$p" 2>/dev/null || true; done
  "$pgc" kill "$BENCH_PGDIR" >/dev/null 2>&1 || true
  rm -rf "$BENCH_PGDIR"
}

# pgbench_tps CLIENTS SECONDS SCRIPT: transactions per second of a custom
# script, prepared statements, on the bench cluster.
pgbench_tps() {
  local clients=$1 secs=$2 script=$3 threads=$(( $1 < 2 ? 1 : 2 ))
  "$PGBENCH" -n -M prepared -c "$clients" -j "$threads" -T "$secs" -f "$script" \
      "$LEADLINE_DB" 2>/dev/null | awk '/^tps = / { printf "%.0f", $3 }'
}
