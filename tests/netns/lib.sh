# Sourced by tests/netns/netns-test: Leadline across hosts on one machine.
# Each role (PostgreSQL, each service instance, the clients) runs in its own
# network namespace with one veth into a bridge that lives in a hub
# namespace, so every connection crosses a real network stack: addresses
# 10.77.0.N, default ports (every host has its own), nothing on loopback
# but each service's ops endpoint.
# Namespaces are named ll-<case>-<pid>-<role>, and all of them go on exit;
# ones left by an aborted run (whose pid is gone) are removed on start.
# Needs root, ip (iproute2) and network namespaces; else exits 77 (skip).
set -euo pipefail
nn_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
nn_root=$(cd "$nn_lib/../.." && pwd)
NN_BUILD=${NN_BUILD:?NN_BUILD must name the build folder}
NN_BIN=$NN_BUILD/bin
NN_CASE=${NN_CASE:?NN_CASE must name the case}
NN_PREFIX="ll-$NN_CASE-$$"
NN_SUBNET=10.77.0
declare -A NN_IP=() NN_PID=()
NN_NEXT=10
NN_PG=""

nn_skip() { echo "SKIP: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || nn_skip "network namespaces need root"
command -v ip >/dev/null || nn_skip "ip (iproute2) is not installed"
for b in leadline leadline-intake leadline-sla-watcher leadline-notifier leadline-reporting; do
  [ -x "$NN_BIN/$b" ] || { echo "netns: $NN_BIN/$b is missing; build first" >&2; exit 2; }
done

# Namespaces of aborted runs of any case: their pid is gone.
for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }' | grep -E '^ll-[a-z0-9]+-[0-9]+-' || true); do
  pid=$(echo "$ns" | cut -d- -f3)
  kill -0 "$pid" 2>/dev/null || ip netns del "$ns" 2>/dev/null || true
done
ip netns add "$NN_PREFIX-hub" 2>/dev/null || nn_skip "cannot create a network namespace here"

W=$(mktemp -d "${TMPDIR:-/tmp}/llnetns.XXXXXX")
chmod 755 "$W"
nn_cleanup() {
  local p ns
  for p in "${NN_PID[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "$NN_PG" ] && "$nn_root/scripts/pg-cluster" kill "$NN_PG" >/dev/null 2>&1 || true
  for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }' | grep "^$NN_PREFIX-" || true); do
    ip netns del "$ns" 2>/dev/null || true
  done
  if [ -n "${NN_KEEP:-}" ]; then echo "kept $W" >&2; else rm -rf "$W"; fi
}
trap nn_cleanup EXIT
trap 'exit 130' INT TERM
ip -n "$NN_PREFIX-hub" link add br0 type bridge
ip -n "$NN_PREFIX-hub" link set br0 up

nn_fail() {
  echo "FAIL: $*" >&2
  local f
  for f in "$W"/*.log; do [ -f "$f" ] && { echo "== $(basename "$f") (tail)" >&2; tail -n 6 "$f" >&2; }; done
  exit 1
}
nn_step() { echo "--- [${SECONDS}s] $*"; }
nn_wait() {
  local limit=$1 what=$2; shift 2
  local start=$SECONDS
  until "$@"; do
    [ $((SECONDS - start)) -lt "$limit" ] || nn_fail "timed out after ${limit}s waiting for $what"
    sleep 0.3
  done
}

# nn_host ROLE: a namespace with one veth into the hub's bridge and the
# next address.
nn_host() {
  local role=$1 ns="$NN_PREFIX-$1" n=$NN_NEXT
  NN_NEXT=$((NN_NEXT + 1))
  ip netns add "$ns"
  ip -n "$NN_PREFIX-hub" link add "v$n" type veth peer name eth0 netns "$ns"
  ip -n "$NN_PREFIX-hub" link set "v$n" master br0 up
  ip -n "$ns" addr add "$NN_SUBNET.$n/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
  NN_IP[$role]=$NN_SUBNET.$n
}
nn_exec() { local role=$1; shift; ip netns exec "$NN_PREFIX-$role" "$@"; }
# nn_bg ROLE NAME CMD...: runs CMD in ROLE's namespace in the background,
# output to $W/NAME.log; its pid is NN_PID[NAME].
nn_bg() {
  local role=$1 name=$2; shift 2
  ip netns exec "$NN_PREFIX-$role" "$@" >>"$W/$name.log" 2>&1 &
  NN_PID[$name]=$!
}

# PostgreSQL on its own host, listening on its veth address.
nn_postgres() {
  nn_host pg
  NN_PG=$W/pg
  PG_FSYNC=off PG_LISTEN="${NN_IP[pg]}:5432" nn_exec pg "$nn_root/scripts/pg-cluster" start "$NN_PG" >/dev/null \
    || nn_fail "PostgreSQL did not start in its namespace"
  export LEADLINE_DB="host=${NN_IP[pg]} port=5432 dbname=leadline user=leadline connect_timeout=5"
}

# Where each service is, for the others and the clients; set once the
# hosts exist. A second instance of a service is another host.
nn_wire() {
  local i=${NN_IP[intake]} s=${NN_IP[slavip]:-${NN_IP[sla]:-}} n=${NN_IP[notifier]:-${NN_IP[notifier1]:-}} r=${NN_IP[reporting]}
  export LEADLINE_INTAKE_PUB_CONNECT=tcp://$i:7101 LEADLINE_INTAKE_REPLAY_CONNECT=tcp://$i:7102
  export LEADLINE_REPORTING_INTAKE_PUB=tcp://$i:7101 LEADLINE_REPORTING_INTAKE_REPLAY=tcp://$i:7102
  export LEADLINE_SLA_PUB_CONNECT=tcp://$s:7111 LEADLINE_SLA_REPLAY_CONNECT=tcp://$s:7112
  export LEADLINE_REPORTING_SLA_PUB=tcp://$s:7111 LEADLINE_REPORTING_SLA_REPLAY=tcp://$s:7112
  export LEADLINE_REPORTING_PUB_CONNECT=tcp://$r:7131 LEADLINE_REPORTING_REPLAY_CONNECT=tcp://$r:7132
  export LEADLINE_INTAKE_CONNECT=tcp://$i:7100 LEADLINE_NOTIFIER_CONNECT=tcp://$n:7120
  export LEADLINE_REPORTING_HTTP=0.0.0.0:9103 LEADLINE_REPORTING_URL=http://$r:9103
  export LEADLINE_TERMINAL_TIMEOUT_MS=5000 LEADLINE_SPOOL_DIR=$W/spool
}

declare -A NN_HTTP_PORT=([intake]=9100 [sla-watcher]=9101 [notifier]=9102 [reporting]=9103)
# nn_service ROLE SVC: starts leadline-SVC on ROLE's host (log $W/ROLE.log).
nn_service() { nn_bg "$1" "$1" "$NN_BIN/leadline-$2" run; }
nn_ready() { nn_exec "$1" curl -fsS "http://127.0.0.1:${NN_HTTP_PORT[$2]}/readyz" >/dev/null 2>&1; }
nn_readyz() { nn_exec "$1" curl -sS "http://127.0.0.1:${NN_HTTP_PORT[$2]}/readyz" 2>&1 || true; }
nn_metric() { nn_exec "$1" curl -fsS "http://127.0.0.1:${NN_HTTP_PORT[$2]}/metrics" 2>/dev/null | awk -v k="$3" '$1 == k { print $2 }'; }

# Migrations from intake's host (intake first: schema org), the demo's
# organisation from the clients' host.
nn_setup() {
  local s
  for s in intake sla-watcher notifier reporting; do
    nn_exec client "$NN_BIN/leadline-$s" migrate >>"$W/migrate.log" 2>&1 || nn_fail "leadline-$s migrate over the network"
  done
  "$nn_root/scripts/demo-data" org "$W/org.csv"
  nn_exec client "$NN_BIN/leadline" admin import "$W/org.csv" >/dev/null || nn_fail "admin import"
}

nn_q() { nn_exec client psql "$LEADLINE_DB" -qAtX -c "$1"; }

# nn_cards FILE N [SKEW_S]: the demo's cards, handed in now (minus SKEW_S,
# so that two files have different keys).
nn_cards() {
  local now
  now=$(awk -v o="${LEADLINE_CLOCK_ORIGIN:-0}" -v s="${LEADLINE_CLOCK_START:-0}" -v k="${LEADLINE_CLOCK_SPEED:-1}" \
        -v r="$(date +%s.%N)" 'BEGIN { if (o == 0) printf "%d", r; else printf "%d", s + (r - o) * k }')
  NOW_EPOCH=$(( now - ${3:-0} )) "$nn_root/scripts/demo-data" cards "$1" "$2"
}

# nn_terminal ENDPOINT FILE: hands FILE in from the clients' host; prints the
# terminal's summary line; fails unless every card was answered.
nn_terminal() {
  local out n
  out=$(LEADLINE_INTAKE_CONNECT=$1 nn_exec client "$NN_BIN/leadline" terminal --file "$2" 2>&1 | tail -n 1) || true
  echo "  $out"
  n=$(sed -n 's/.*: \([0-9]*\) cards: .*/\1/p' <<<"$out")
  [[ "$out" == *" 0 rejected, 0 spooled" ]] && [ -n "$n" ] || nn_fail "not every card was acknowledged by $1: $out"
}

# nn_listen NAME PERSON ENDPOINT: a rep client on the clients' host.
nn_listen() {
  nn_bg client "listen-$1" env LEADLINE_NOTIFIER_CONNECT="$3" "$NN_BIN/leadline" rep listen --person "$2" --tsv
}

# PostgreSQL crash restart on its host (immediate mode, then start again on
# its veth address: the address is in the cluster's configuration).
nn_pg_restart() { nn_exec pg "$nn_root/scripts/pg-cluster" restart "$NN_PG" >/dev/null; }

# nn_netem ROLE ARGS...: packet delay/loss on everything ROLE's host sends
# (a netem qdisc at the root of its eth0), e.g. nn_netem pg delay 50ms 10ms
# loss 2%; nn_netem_clear ROLE takes it off. Needs the kernel's sch_netem:
# where it is missing, nn_netem fails and says so on stderr.
nn_netem() { local role=$1; shift; nn_exec "$role" tc qdisc add dev eth0 root netem "$@"; }
nn_netem_clear() { nn_exec "$1" tc qdisc del dev eth0 root 2>/dev/null || true; }

# nn_own_pid PID BINARY: PID is BINARY's own process (ip netns exec and the
# shell exec it, so $! of nn_bg is the program, not a wrapper); waits up to
# a second for the exec.
nn_own_pid() {
  local pid=$1 bin=$2 i exe=""
  for i in $(seq 50); do
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
    [ "${exe##*/}" = "$bin" ] && return 0
    sleep 0.02
  done
  echo "netns: pid $pid is '${exe:-gone}', not $bin" >&2
  return 1
}
