# Sourced by the operations tests (tests/ops/, tests/upgrade/): the four
# real services on private ports against the cluster of tests/lib/with-pg,
# each a separate process that can be stopped, killed and restarted, and
# the checks the fault campaign makes, as functions.
# Needs LEADLINE_DB (with-pg) and ST_BUILD (the build folder).
set -euo pipefail
st_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
st_root=$(cd "$st_lib/../.." && pwd)
ST_BUILD=${ST_BUILD:?ST_BUILD must name the build folder}
ST_BIN=$ST_BUILD/bin
ST_TBIN=$ST_BUILD/tests/bin
ST_SERVICES=(intake sla-watcher notifier reporting)
W=$(mktemp -d "${TMPDIR:-/tmp}/llops.XXXXXX")
chmod 755 "$W"
# shellcheck source=ports.sh
source "$st_lib/ports.sh"
ll_ports
declare -A ST_PID=() ST_HTTP=(
  [intake]=$LEADLINE_INTAKE_HTTP [sla-watcher]=$LEADLINE_SLA_HTTP
  [notifier]=$LEADLINE_NOTIFIER_HTTP [reporting]=$LEADLINE_REPORTING_HTTP)
ST_EXTRA_PIDS=""
export LEADLINE_LOG_LEVEL=${LEADLINE_LOG_LEVEL:-info}

st_cleanup() {
  local s p
  for s in "${!ST_PID[@]}"; do kill -CONT "${ST_PID[$s]}" 2>/dev/null || true; kill -9 "${ST_PID[$s]}" 2>/dev/null || true; done
  for p in $ST_EXTRA_PIDS; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${ST_KEEP:-}" ]; then echo "kept $W" >&2; else rm -rf "$W"; fi
}
trap st_cleanup EXIT

st_fail() {
  echo "FAIL: $*" >&2
  local s
  for s in "${ST_SERVICES[@]}"; do
    [ -f "$W/$s.log" ] && { echo "== $s.log (tail)" >&2; tail -n 8 "$W/$s.log" >&2; }
  done
  exit 1
}
st_step() { echo "--- [${SECONDS}s] $*"; }
st_q() { psql "$LEADLINE_DB" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }

# st_wait TIMEOUT_S DESCRIPTION CMD...: polls CMD until it succeeds.
st_wait() {
  local limit=$1 what=$2; shift 2
  local start=$SECONDS
  until "$@"; do
    [ $((SECONDS - start)) -lt "$limit" ] || st_fail "timed out after ${limit}s waiting for $what"
    sleep 0.2
  done
}

# st_setup [ORG.csv]: migrations in the order of docs/operations.md (intake
# first: schema org), then the organisation (the demo's unless given).
st_setup() {
  local s org=${1:-}
  for s in "${ST_SERVICES[@]}"; do
    "$ST_BIN/leadline-$s" migrate >>"$W/$s.log" 2>&1 || st_fail "leadline-$s migrate"
  done
  if [ -z "$org" ]; then org=$W/org.csv; "$st_root/scripts/demo-data" org "$org"; fi
  "$ST_BIN/leadline" admin import "$org" >/dev/null || st_fail "admin import $org"
}

st_ready() { curl -fsS "http://${ST_HTTP[$1]}/readyz" >/dev/null 2>&1; }
# st_start SVC [BINARY]: starts it (the build's binary unless told) and waits for /readyz.
st_start() {
  local s=$1 exe=${2:-$ST_BIN/leadline-$1}
  "$exe" run >>"$W/$s.log" 2>&1 &
  ST_PID[$s]=$!
  st_wait 30 "$s ready" st_ready "$s"
}
st_start_all() { local s; for s in "${ST_SERVICES[@]}"; do st_start "$s"; done; }
# st_term SVC: SIGTERM, and the exit status must be 0 (a drain, not a crash).
st_term() {
  local s=$1 rc=0
  kill -TERM "${ST_PID[$s]}"
  wait "${ST_PID[$s]}" || rc=$?
  unset "ST_PID[$s]"
  [ "$rc" = 0 ] || st_fail "$s exited $rc after SIGTERM (a drain exits 0)"
}

st_metrics() { curl -fsS "http://${ST_HTTP[$1]}/metrics"; }

# The fault campaign's load: tests/bin/loadgen hands in cards with their own
# keys, retries each until intake answers, and logs its fate.
st_load_start() {
  ST_LOAD_PREFIX=${1:-t$$}
  "$ST_TBIN/loadgen" --rate "${ST_RATE:-20}" --log "$W/loadgen.log" --prefix "$ST_LOAD_PREFIX" \
      2>>"$W/loadgen.err" &
  ST_LOAD_PID=$!
  ST_EXTRA_PIDS="$ST_EXTRA_PIDS $ST_LOAD_PID"
}
st_load_stop() {
  kill -TERM "$ST_LOAD_PID"
  wait "$ST_LOAD_PID" || true
}
st_acked() { grep -c '^ack ' "$W/loadgen.log" || true; }

# Every consumer has applied every event intake numbered.
st_caught_up() {
  local v
  v=$(st_q "SELECT (SELECT count(*) FROM intake.stream_head h JOIN sla.cursor c USING (stream) WHERE c.last_seq < h.last_seq)
       + (SELECT count(*) FROM intake.stream_head h JOIN notifier.cursor c USING (stream) WHERE c.last_seq < h.last_seq)
       + (SELECT count(*) FROM intake.stream_head h JOIN reporting.cursor c USING (stream) WHERE c.last_seq < h.last_seq)" 2>/dev/null)
  [ "$v" = 0 ]
}

# The checker: every acknowledged lead stored exactly once, with its
# assignment notification exactly once and its contact clock; prints one
# line and fails the test on any loss or double.
st_check() {
  st_wait 120 "consumers to catch up" st_caught_up
  local acked lost doubled n_missing n_doubled clocks_missing unacked rejected
  acked=$(st_acked)
  rejected=$(grep -c '^rejected ' "$W/loadgen.log" || true)
  grep '^ack ' "$W/loadgen.log" | awk '{ print $2 "\t" $3 "\t" $4 }' >"$W/acked.tsv"
  psql "$LEADLINE_DB" -qX -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE TABLE IF NOT EXISTS public.ops_acked (key text, lead_id text, rep_id text);
TRUNCATE public.ops_acked;
\copy public.ops_acked FROM '$W/acked.tsv'
SQL
  lost=$(st_q "SELECT count(*) FROM ops_acked a WHERE NOT EXISTS (SELECT 1 FROM intake.leads l WHERE l.id::text = a.lead_id)")
  doubled=$(st_q "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) n FROM intake.leads
               WHERE notes LIKE '$ST_LOAD_PREFIX-card-%' GROUP BY notes HAVING count(*) > 1) d")
  unacked=$(st_q "SELECT count(*) FROM intake.leads l WHERE notes LIKE '$ST_LOAD_PREFIX-card-%'
               AND NOT EXISTS (SELECT 1 FROM ops_acked a WHERE a.key = l.notes)")
  n_missing=$(st_q "SELECT count(*) FROM ops_acked a WHERE a.rep_id <> '-' AND NOT EXISTS
                 (SELECT 1 FROM notifier.notification n WHERE n.lead_id = a.lead_id AND n.kind = 1 AND n.recipient_id = a.rep_id)")
  n_doubled=$(st_q "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) n FROM notifier.notification
                 WHERE kind = 1 GROUP BY lead_id HAVING count(*) > 1) d")
  clocks_missing=$(st_q "SELECT count(*) FROM ops_acked a WHERE NOT EXISTS
                      (SELECT 1 FROM sla.clock c WHERE c.lead_id = a.lead_id AND c.deadline = 2)")
  echo "leads acked $acked lost $lost doubled $doubled rejected $rejected (stored unacked $unacked);" \
       "assignment notifications missing $n_missing doubled $n_doubled; contact clocks missing $clocks_missing"
  [ "$acked" -gt 0 ] || st_fail "no lead was acknowledged"
  [ "$lost" = 0 ] && [ "$doubled" = 0 ] && [ "$rejected" = 0 ] && [ "$n_missing" = 0 ] \
    && [ "$n_doubled" = 0 ] && [ "$clocks_missing" = 0 ] || st_fail "something acknowledged was lost or doubled"
}
