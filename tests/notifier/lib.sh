# Shared by the notifier's tests (sourced by notifier-test and
# bench/notify.sh): a work folder, free ports, the test producer, the real
# leadline-notifier and `leadline rep` clients as separate processes, and
# store checks. Needs LEADLINE_DB (tests/lib/with-pg or bench_cluster) and
# NT_BUILD (the build folder).
set -euo pipefail
nt_src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NT_BUILD=${NT_BUILD:?NT_BUILD must name the build folder}
NT_BIN=$NT_BUILD/bin
NT_TBIN=$NT_BUILD/tests/bin
W=$(mktemp -d "${TMPDIR:-/tmp}/llnt.XXXXXX")
# Ten ports in a row that nothing listens on (other tests pick random ports
# too), below the ephemeral range (32768 up) that outgoing connections take
# their local ports from: 1,000 clients take 1,000 of them.
nt_port_free() {
  local used
  used=$(ss -Htln 2>/dev/null | awk '{ n = split($4, a, ":"); print a[n] }')
  for p in $(seq "$1" $(($1 + 9))); do grep -qx "$p" <<<"$used" && return 1; done
  return 0
}
nt_port=$(( 20000 + RANDOM % 12000 ))
for _ in $(seq 20); do nt_port_free "$nt_port" && break; nt_port=$(( 20000 + RANDOM % 12000 )); done
export NT_PUB="tcp://127.0.0.1:$nt_port" NT_REPLAY="tcp://127.0.0.1:$((nt_port + 1))"
export LEADLINE_NOTIFIER_ENDPOINT="tcp://127.0.0.1:$((nt_port + 2))"
export LEADLINE_NOTIFIER_CONNECT="$LEADLINE_NOTIFIER_ENDPOINT"
export LEADLINE_NOTIFIER_HTTP="127.0.0.1:$((nt_port + 3))"
for s in INTAKE SLA REPORTING; do
  export LEADLINE_${s}_PUB_CONNECT="$NT_PUB" LEADLINE_${s}_REPLAY_CONNECT="$NT_REPLAY"
done
export LEADLINE_LOG_LEVEL=${LEADLINE_LOG_LEVEL:-info}
NT_PIDS=""
PRODUCER_PID=""
NOTIFIER_PID=""

nt_cleanup() {
  for p in $NT_PIDS $PRODUCER_PID $NOTIFIER_PID; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${NT_KEEP:-}" ]; then echo "kept $W" >&2; else rm -rf "$W"; fi
}
trap nt_cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  [ -f "$W/notifier.log" ] && { echo "== notifier.log (tail)" >&2; tail -n 20 "$W/notifier.log" >&2; }
  exit 1
}
step() { echo "--- [${SECONDS}s] $*"; }
psql_q() { psql "$LEADLINE_DB" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }

# wait_for TIMEOUT_S DESCRIPTION CMD... : polls CMD until it succeeds.
wait_for() {
  local limit=$1 what=$2; shift 2
  local start=$SECONDS
  until "$@"; do
    [ $((SECONDS - start)) -lt "$limit" ] || fail "timed out after ${limit}s waiting for $what"
    sleep 0.2
  done
}

# The organisation (intake's migrations, then tests/notifier/org.sql) and
# the notifier's schema.
nt_setup_store() {
  "$NT_BIN/leadline-intake" migrate >>"$W/migrate.log" 2>&1 || fail "leadline-intake migrate"
  psql "$LEADLINE_DB" -qX -v ON_ERROR_STOP=1 -f "$nt_src/org.sql" >/dev/null || fail "org fixture"
  "$NT_BIN/leadline-notifier" migrate >>"$W/migrate.log" 2>&1 || fail "leadline-notifier migrate"
}

start_producer() {
  "$NT_TBIN/nt_producer" serve >>"$W/producer.log" 2>&1 &
  PRODUCER_PID=$!
}
start_notifier() {
  "$NT_BIN/leadline-notifier" run >>"$W/notifier.log" 2>&1 &
  NOTIFIER_PID=$!
  wait_for 20 "the notifier's /readyz" curl -sf "http://$LEADLINE_NOTIFIER_HTTP/readyz" -o /dev/null
}
kill_notifier() {
  kill -9 "$NOTIFIER_PID" 2>/dev/null || true
  wait "$NOTIFIER_PID" 2>/dev/null || true
  NOTIFIER_PID=""
}

# emit STREAM TYPE key=value... : one event, committed; prints its id.
emit() { "$NT_TBIN/nt_producer" emit "$@" 2>>"$W/emit.log"; }

# listen PERSON NAME [ARGS...] : a `leadline rep listen --tsv` in the
# background, output in $W/NAME.out; sets LISTEN_PID.
listen() {
  local person=$1 name=$2; shift 2
  "$NT_BIN/leadline" rep listen --person "$person" --tsv "$@" >>"$W/$name.out" 2>>"$W/$name.err" &
  LISTEN_PID=$!
  NT_PIDS="$NT_PIDS $LISTEN_PID"
}
stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
kill9_pid() { kill -9 "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
lines() { [ -f "$1" ] && wc -l <"$1" | tr -d ' ' || echo 0; }

# Notifications in the inbox: "recipient kind" lines, sorted.
# Stops the notifier cleanly (SIGTERM) and fails on any sanitizer report in
# the logs of the notifier and the clients (ASan builds print them there).
nt_finish() {
  if [ -n "$NOTIFIER_PID" ]; then
    kill "$NOTIFIER_PID" 2>/dev/null || true
    wait "$NOTIFIER_PID" 2>/dev/null || true
    NOTIFIER_PID=""
  fi
  for p in $NT_PIDS; do stop_pid "$p"; done
  if grep -l "AddressSanitizer\|LeakSanitizer\|runtime error:" "$W"/*.log "$W"/*.err 2>/dev/null; then
    grep -h -A20 "AddressSanitizer\|LeakSanitizer\|runtime error:" "$W"/*.log "$W"/*.err | head -60 >&2
    fail "sanitizer report above"
  fi
}

metric() {
  curl -sf "http://$LEADLINE_NOTIFIER_HTTP/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}
# Checks for wait_for: their arguments are looked at afresh on every try.
lines_ge() { [ "$(lines "$1")" -ge "$2" ]; }
q_eq() { [ "$(count_q "$1")" = "$2" ]; }
metric_ge() { local v; v=$(metric "$1"); [ -n "$v" ] && [ "${v%.*}" -ge "$2" ]; }
metric_eq() { [ "$(metric "$1")" = "$2" ]; }
inbox_of_lead() {
  psql_q "SELECT recipient_id || ' ' || kind FROM notifier.notification
          WHERE lead_id = '$1' ORDER BY 1"
}
count_q() { psql_q "$1" 2>/dev/null || echo -1; }
