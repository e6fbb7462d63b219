# Shared by the terminal's shell tests: a temp folder, a fake or real intake
# the test starts and stops by pid, and checks that print what went wrong.
# Usage: source lib.sh LEADLINE_BINARY [FAKE_OR_INTAKE_BINARY]
set -euo pipefail
LEADLINE=$1
SERVER=${2:-}
T=$(mktemp -d "${TMPDIR:-/tmp}/llterm.XXXXXX")
SERVER_PID=""
export TZ=UTC
export LEADLINE_SPOOL_DIR=$T/spool
export LEADLINE_INTAKE_ENDPOINT=ipc://$T/intake.ipc
export LEADLINE_TERMINAL_TIMEOUT_MS=${LEADLINE_TERMINAL_TIMEOUT_MS:-3000}
export LEADLINE_LOG_LEVEL=${LEADLINE_LOG_LEVEL:-warn}

cleanup() {
  if [ -n "$SERVER_PID" ]; then
    { kill -9 "$SERVER_PID"; wait "$SERVER_PID"; } 2>/dev/null || true
  fi
  if [ "${KEEP_TMP:-0}" != 1 ]; then rm -rf "$T"; else echo "kept $T" >&2; fi
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- [${SECONDS}s] $*"; }

# run NAME EXPECTED_RC ARGS... : runs leadline terminal, keeps stdout/stderr
# in $T/NAME.out / $T/NAME.err, checks the exit code.
run() {
  local name=$1 want=$2; shift 2
  local rc=0
  "$LEADLINE" terminal "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null || rc=$?
  if [ "$rc" != "$want" ]; then
    echo "== stdout"; cat "$T/$name.out"; echo "== stderr"; cat "$T/$name.err"
    fail "$name: exit code $rc, expected $want"
  fi
}

# expect NAME TEXT : stdout of run NAME contains TEXT
expect() {
  grep -qF -- "$2" "$T/$1.out" || { cat "$T/$1.out"; fail "$1: output lacks '$2'"; }
}
expect_err() {
  grep -qF -- "$2" "$T/$1.err" || { cat "$T/$1.err"; fail "$1: stderr lacks '$2'"; }
}
expect_not() {
  if grep -qF -- "$2" "$T/$1.out"; then cat "$T/$1.out"; fail "$1: output has '$2'"; fi
}

spool_count() {
  find "$LEADLINE_SPOOL_DIR" -maxdepth 1 -name '*.card' 2>/dev/null | wc -l
}

# Fake intake: start_fake [ENV=VALUE...]
start_fake() {
  : >>"$T/fake.log"
  env "$@" "$SERVER" "$LEADLINE_INTAKE_ENDPOINT" "$T/fake.log" &
  SERVER_PID=$!
  for _ in $(seq 100); do
    grep -q ready "$T/fake.log" 2>/dev/null && [ -S "$T/intake.ipc" ] && return 0
    sleep 0.05
  done
  fail "fake intake did not start"
}
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    { kill -9 "$SERVER_PID"; wait "$SERVER_PID"; } 2>/dev/null || true
    SERVER_PID=""
  fi
  rm -f "$T/intake.ipc"
}
# count WORD KEY : lines "WORD KEY" in the fake's log
log_count() { grep -c "^$1 $2\$" "$T/fake.log" || true; }

# The real intake, on the private PostgreSQL of tests/lib/with-pg.
# setup_intake ORG_CSV: migrate and load the organisation.
setup_intake() {
  [ -n "${LEADLINE_DB:-}" ] || fail "run under tests/lib/with-pg"
  export LEADLINE_INTAKE_PUB=ipc://$T/pub.ipc
  export LEADLINE_INTAKE_REPLAY=ipc://$T/replay.ipc
  export LEADLINE_INTAKE_HTTP=127.0.0.1:0
  export LEADLINE_INTAKE_RETRY_MS=200
  "$SERVER" migrate 2>>"$T/intake.log" || { tail -20 "$T/intake.log"; fail "intake migrate"; }
  "$LEADLINE" admin import "$1" >"$T/import.out" 2>&1 || { cat "$T/import.out"; fail "org import"; }
}
start_intake() {
  local before
  before=$(grep -c '"event":"intake.ready"' "$T/intake.log" 2>/dev/null || true)
  LEADLINE_LOG_LEVEL=info "$SERVER" run 2>>"$T/intake.log" &
  SERVER_PID=$!
  for _ in $(seq 1500); do
    [ "$(grep -c '"event":"intake.ready"' "$T/intake.log" || true)" -gt "$before" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$T/intake.log"; fail "intake exited while starting"; }
    sleep 0.04
  done
  fail "intake did not become ready"
}
sql() { psql "$LEADLINE_DB" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
