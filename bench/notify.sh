# bench/run notify — the notifier with 1,000 connected person clients:
#   1. fan-out: notifications/s from events to 1,000 clients (the test
#      producer publishes lead_assigned events as fast as it can through the
#      real backbone; each makes one notification, stored, delivered, acked),
#      against a bare ZeroMQ ROUTER sending same-size Notification frames to
#      the same 1,000 DEALER clients (no store: the transport's ceiling);
#   2. latency at 1,000 leads/s from a terminal's submit to the real
#      leadline-intake to the assignment shown at the rep's client (1,000
#      reps, one client each), against the same bare ROUTER at 1,000
#      messages/s.
#   BENCH_NOTIFY_CLIENTS (1000)  BENCH_NOTIFY_EVENTS (20000)
#   BENCH_NOTIFY_RATE (1000)     BENCH_NOTIFY_LEADS (10000)
source "$(dirname "$0")/lib.sh"
bench_cluster
export NT_BUILD=$bench_build LEADLINE_LOG_LEVEL=warn
source "$bench_root/tests/notifier/lib.sh"
trap 'nt_cleanup; bench_cleanup' EXIT
trap 'exit 143' TERM INT
clients=${BENCH_NOTIFY_CLIENTS:-1000}
events=${BENCH_NOTIFY_EVENTS:-20000}
rate=${BENCH_NOTIFY_RATE:-1000}
leads=${BENCH_NOTIFY_LEADS:-10000}
fan=$NT_TBIN/nt_fanout
val() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
ratio_rt() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# ---- baseline: bare ROUTER -> 1,000 DEALERs, same frame size
run_raw() {   # MESSAGES RATE OUT
  rm -f "$W/raw.endpoint"
  "$fan" raw-server "tcp://127.0.0.1:*" "$clients" "$1" 330 "$2" >"$W/raw.endpoint" 2>>"$W/raw.log" &
  local server=$!
  wait_for 10 "the bare ROUTER" grep -q '^endpoint' "$W/raw.endpoint"
  LEADLINE_NOTIFIER_CONNECT=$(awk '{ print $2 }' "$W/raw.endpoint") \
    "$fan" clients "$clients" RAW "$1" 120 >"$3" 2>>"$W/raw.log" || true
  wait "$server" 2>/dev/null || true
}
run_raw "$events" 0 "$W/raw_fan.out"
raw_rate=$(awk '{ a[$1] = $2 } END { printf "%.0f", (a["seconds"] > 0 ? a["received"] / a["seconds"] : 0) }' "$W/raw_fan.out")
figure zmq_router_fanout_${clients}_clients "$raw_rate" messages/s

# ---- the notifier: events -> inbox -> 1,000 clients. The events are
# published before the notifier starts, so the producer's pace does not
# limit the figure: the notifier catches up on all of them while its
# clients say hello, and the clients time the first to the last arrival.
nt_setup_store
start_producer
"$NT_TBIN/nt_producer" load "$events" 0 F "$clients" >/dev/null 2>>"$W/emit.log"
"$fan" clients "$clients" F "$events" 300 >"$W/fan.out" 2>>"$W/fan.err" &
fan_pid=$!
sleep 2       # the clients are connecting; their hellos wait in the socket
start_notifier
wait "$fan_pid" || echo "# fan-out: not every notification arrived (see $W)" >&2
received=$(val received "$W/fan.out")
fan_rate=$(awk '{ a[$1] = $2 } END { printf "%.0f", (a["seconds"] > 0 ? a["received"] / a["seconds"] : 0) }' "$W/fan.out")
figure notify_fanout_${clients}_clients "$fan_rate" notifications/s
figure notify_fanout_received "$received" notifications
ratio notify_fanout_vs_zmq_router "$fan_rate" "$raw_rate"

# ---- the notifier alone at the paced rate: event committed by the test
# producer -> shown at the client (no intake in the path)
# The clients gauge counts the fan-out run's clients until their silence
# drops them: wait for each new client to hear from the notifier instead.
NT_FANOUT_READY="$W/paced.ready" "$fan" clients "$clients" F "$leads" 300 >"$W/paced.out" 2>>"$W/fan.err" &
fan_pid=$!
wait_for 60 "$clients clients connected" test -f "$W/paced.ready"
"$NT_TBIN/nt_producer" load "$leads" "$rate" F "$clients" >/dev/null 2>>"$W/emit.log" &
load_pid=$!
NT_PIDS="$NT_PIDS $load_pid"
wait "$load_pid" || true
wait "$fan_pid" || echo "# paced run: not every notification arrived (see $W)" >&2
figure notify_event_to_client_p50_at_${rate}_per_s "$(val latency_p50_ms "$W/paced.out")" ms
figure notify_event_to_client_p99_at_${rate}_per_s "$(val latency_p99_ms "$W/paced.out")" ms
kill_notifier

# ---- baseline latency: bare ROUTER at the same rate
run_raw "$leads" "$rate" "$W/raw_lat.out"
figure zmq_router_latency_p50_at_${rate}_per_s "$(val latency_p50_ms "$W/raw_lat.out")" ms
figure zmq_router_latency_p99_at_${rate}_per_s "$(val latency_p99_ms "$W/raw_lat.out")" ms

# ---- terminal submit -> intake -> notifier -> rep client, 1,000 reps
{
  echo "district,DB1,Bench,America/New_York"
  echo "office,OB1,DB1,Bench Post Office,10001"
  echo "station,SB1,OB1,Bench Station"
  echo "employee,EB1,SB1,Bench Carrier,city_carrier,"
  for i in $(seq 0 $((clients - 1))); do echo "rep,B$i,Bench Rep $i,,100000,1,yes,,office:OB1,all"; done
} >"$W/org.csv"
"$NT_BIN/leadline" admin import "$W/org.csv" >/dev/null 2>>"$W/admin.log" || { tail "$W/admin.log" >&2; exit 1; }
ip=$((nt_port + 7))
export LEADLINE_INTAKE_ENDPOINT="tcp://127.0.0.1:$ip" LEADLINE_INTAKE_PUB="tcp://127.0.0.1:$((ip + 1))"
export LEADLINE_INTAKE_REPLAY="tcp://127.0.0.1:$((ip + 2))" LEADLINE_INTAKE_HTTP=0
export LEADLINE_INTAKE_CONNECT=$LEADLINE_INTAKE_ENDPOINT
export LEADLINE_INTAKE_PUB_CONNECT=$LEADLINE_INTAKE_PUB LEADLINE_INTAKE_REPLAY_CONNECT=$LEADLINE_INTAKE_REPLAY
LEADLINE_LOG_LEVEL=info "$NT_BIN/leadline-intake" run 2>>"$W/intake.log" &
NT_PIDS="$NT_PIDS $!"
wait_for 30 "intake ready" grep -q '"intake.ready"' "$W/intake.log"
# The notifier's intake cursor followed the test producer above; the real
# intake's stream starts again at 1.
psql_q "UPDATE notifier.cursor SET last_seq = 0 WHERE stream = 'intake'" >/dev/null
start_notifier
# The first second's cards warm intake and the notifier up (cold pages
# and plans, the reps' first read); the next $leads are measured.
NT_FANOUT_WARMUP=$rate "$fan" intake "$clients" B "$rate" "$((leads + rate))" SB1 EB1 300 \
  >"$W/lat.out" 2>>"$W/lat.err" || true
figure notify_submit_to_rep_p50_at_${rate}_leads_per_s "$(val latency_p50_ms "$W/lat.out")" ms
figure notify_submit_to_rep_p99_at_${rate}_leads_per_s "$(val latency_p99_ms "$W/lat.out")" ms
figure notify_submit_to_rep_max_at_${rate}_leads_per_s "$(val latency_max_ms "$W/lat.out")" ms
figure intake_ack_p50_at_${rate}_leads_per_s "$(val ack_p50_ms "$W/lat.out")" ms
figure intake_ack_p99_at_${rate}_leads_per_s "$(val ack_p99_ms "$W/lat.out")" ms
figure notify_submit_to_rep_matched "$(val latency_n "$W/lat.out")" leads
echo "ratio notify_submit_to_rep_p99_vs_zmq_router_p99 $(ratio_rt "$(val latency_p99_ms "$W/lat.out")" "$(val latency_p99_ms "$W/raw_lat.out")")"
