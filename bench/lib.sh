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
# BENCH_SERVER_LOG=FILE: PostgreSQL's log is kept there (add settings such
# as log_checkpoints with PG_EXTRA_CONF).
# BENCH_WARM_WAL_MB (400): WAL written and checkpointed before the run, so
# the run reuses WAL files as a cluster that has been running does. A new
# cluster makes each 16 MB WAL file from zeros while it holds the WAL write
# lock: at 1,000 leads/s every commit of every service stalled 14-27 ms
# once every ~3.7 s. 0 measures the new cluster as it is.
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
  bench_warm_wal "${BENCH_WARM_WAL_MB:-400}"
}
bench_warm_wal() {   # MB: about 4,000 rows of this table make 1 MB of WAL
  case $1 in
    ''|*[!0-9]*) echo "bench: BENCH_WARM_WAL_MB must be a whole number of MB, 0 for none (got '$1')" >&2; exit 2 ;;
  esac
  [ "$1" -gt 0 ] || return 0
  psql "$LEADLINE_DB" -qX -v ON_ERROR_STOP=1 \
    -c "CREATE TABLE public.bench_wal_warm AS SELECT g, repeat('x', 200) AS pad FROM generate_series(1, $1 * 4000) g" \
    -c "DROP TABLE public.bench_wal_warm" -c "CHECKPOINT" >/dev/null
  echo "# store: $1 MB of WAL written and checkpointed first, so WAL files are reused (BENCH_WARM_WAL_MB=0: a new cluster)"
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
  [ -z "${BENCH_SERVER_LOG:-}" ] || cp "$BENCH_PGDIR/server.log" "$BENCH_SERVER_LOG" 2>/dev/null || true
  rm -rf "$BENCH_PGDIR"
}

# pgbench_tps CLIENTS SECONDS SCRIPT: transactions per second of a custom
# script, prepared statements, on the bench cluster.
pgbench_tps() {
  local clients=$1 secs=$2 script=$3 threads=$(( $1 < 2 ? 1 : 2 ))
  "$PGBENCH" -n -M prepared -c "$clients" -j "$threads" -T "$secs" -f "$script" \
      "$LEADLINE_DB" 2>/dev/null | awk '/^tps = / { printf "%.0f", $3 }'
}
