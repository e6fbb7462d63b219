# bench/run backbone — events/s through outbox, relay, PUB and subscriber
# into a consumer's transaction, against pgbench single-row inserts of the
# same row shape on the same cluster.
source "$(dirname "$0")/lib.sh"
bench_cluster
N=${BENCH_BACKBONE_EVENTS:-200000}
bin="$bench_build/tests/bin"
psql "$LEADLINE_DB" -qX -c "CREATE TABLE bench_event (id bigserial PRIMARY KEY, stream text NOT NULL,
  event_id uuid NOT NULL UNIQUE, type text NOT NULL, payload bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now())" >/dev/null
script=$(mktemp)
cat >"$script" <<'SQL'
INSERT INTO bench_event (stream, event_id, type, payload)
VALUES ('bench', gen_random_uuid(), 'lead_entered', '\x0801120a3132333435363738393020012a0361626332080a0638363734353433'::bytea);
SQL
tps1=$(pgbench_tps 1 10 "$script")
tps32=$(pgbench_tps 32 10 "$script")
rm -f "$script"
figure pgbench_single_insert_1_client "$tps1" tps
figure pgbench_single_insert_32_clients "$tps32" tps

export BB_PUB="tcp://127.0.0.1:7911" BB_REPLAY="tcp://127.0.0.1:7912"
export BB_TOTAL=$N BB_TX=${BENCH_BACKBONE_TX:-500}
"$bin/bb_consumer" 2>/dev/null & BENCH_PIDS="$!"
sleep 0.5
start=$(now)
"$bin/bb_producer" 2>/dev/null & BENCH_PIDS="$BENCH_PIDS $!"
while [ "$(psql "$LEADLINE_DB" -qAtX -c "SELECT last_seq FROM bbcons.cursor WHERE stream = 'bb'" 2>/dev/null || echo 0)" != "$N" ]; do
  sleep 0.05
done
secs=$(elapsed "$start" "$(now)")
eps=$(awk -v n="$N" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
figure backbone_events_applied "$eps" events/s
figure backbone_events_total "$N" events
ratio backbone_vs_pgbench_single_insert_32_clients "$eps" "$tps32"
ratio backbone_vs_pgbench_single_insert_1_client "$eps" "$tps1"
