# bench/run sla — the SLA watcher's timer engine with a million open clocks:
#   1. load 1M open contact clocks (INSERT ... SELECT generate_series);
#   2. steady state: 20,000 of them fall due over 20 s while the rest stay
#      open; lateness = event time - due time, p50/p99 from the event log;
#   3. resident memory of the watcher holding 1M open clocks (VmRSS);
#   4. catch-up: 1M clocks overdue at start; durable events/s until every
#      one has fired (events committed to sla.event_log with the stage move);
#   5. baseline, same cluster, same run: a plain PostgreSQL due-job loop,
#      pgbench with prepared statements, batches of 1000 rows taken with
#      FOR UPDATE SKIP LOCKED, marked fired, one event row inserted each;
#      one client before and after step 4, then 2 and 4 clients.
source "$(dirname "$0")/lib.sh"
bench_cluster
N=${BENCH_SLA_CLOCKS:-1000000}
STEADY=${BENCH_SLA_STEADY:-20000}
watcher="$bench_build/bin/leadline-sla-watcher"
dump="$bench_build/tests/bin/sla_dump"
http=127.0.0.1:9921
export LEADLINE_SLA_PUB=tcp://127.0.0.1:7921 LEADLINE_SLA_REPLAY=tcp://127.0.0.1:7922
export LEADLINE_INTAKE_PUB_CONNECT=tcp://127.0.0.1:7923 LEADLINE_INTAKE_REPLAY_CONNECT=tcp://127.0.0.1:7924
export LEADLINE_SLA_HTTP=$http LEADLINE_SLA_CATCHUP_WAIT_MS=0 LEADLINE_LOG_LEVEL=warn
psql_q() { psql "$LEADLINE_DB" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
now_us() { date +%s%6N; }
metric() {   # metric NAME_WITH_LABELS: its value on the watcher's /metrics
  curl -s "http://$http/metrics" | awk -v m="$1" '$1 == m { printf "%.0f", $2; found = 1 } END { if (!found) print 0 }'
}
start_watcher() { "$watcher" run 2>>"$BENCH_PGDIR/watcher.log" & WATCHER_PID=$!; BENCH_PIDS="${BENCH_PIDS:-} $WATCHER_PID"; }
stop_watcher() { kill "$WATCHER_PID" 2>/dev/null || true; wait "$WATCHER_PID" 2>/dev/null || true; }
# load_clocks FIRST_WARN_US SPACING_US: N open contact clocks whose warnings
# fall due from FIRST_WARN_US on, one every SPACING_US, in 20 offices.
load_clocks() {
  psql_q "TRUNCATE sla.clock, sla.event_log, sla.stream_head;
    INSERT INTO sla.clock (lead_id, deadline, program, office_id, district_id, rep_id,
                           start_us, warn_us, due_us, level2_us, level3_us, stage, next_us)
    SELECT 'lead-' || i, 2, 'customer_connect', 'office-' || i % 20, 'district-' || i % 5,
           'rep-' || i % 500, w - 129600000000, w, w + 43200000000, w + 129600000000,
           w + 302400000000, 0, w
    FROM (SELECT i, $1 + i::bigint * $2 AS w FROM generate_series (1, $N) i) s;
    ANALYZE sla.clock;"
}

"$watcher" migrate 2>/dev/null

# 1 + 2: a million open clocks; STEADY of them due over the next 20 s.
t0=$(now)
load_clocks $(( $(now_us) + 3600 * 1000000 )) 1000
load_s=$(elapsed "$t0" "$(now)")
figure sla_open_clocks_loaded "$N" clocks
figure sla_load_rate "$(awk -v n="$N" -v s="$load_s" 'BEGIN { printf "%.0f", n / s }')" clocks/s
first=$(( $(now_us) + 10 * 1000000 ))
spacing=$(( 20 * 1000000 / STEADY ))
psql_q "UPDATE sla.clock SET warn_us = $first + substr (lead_id, 6)::bigint * $spacing,
          next_us = $first + substr (lead_id, 6)::bigint * $spacing
        WHERE substr (lead_id, 6)::int <= $STEADY"
start_watcher
until [ "$(metric leadline_sla_leader)" = 1 ]; do sleep 0.1; done
sleep 5
rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$WATCHER_PID/status")
figure sla_watcher_rss_1m_open "$(( rss_kb / 1024 ))" MiB
figure sla_rss_per_open_clock "$(awk -v kb="$rss_kb" -v n="$N" 'BEGIN { printf "%.1f", kb * 1024 / n }')" bytes
until [ "$(metric 'leadline_sla_events_total{kind="deadline_warning"}')" -ge "$STEADY" ]; do sleep 0.5; done
stop_watcher
"$dump" | awk -F'\t' '$3 == "deadline_warning" { print ($8 - $7) / 1000 }' | sort -n >"$BENCH_PGDIR/lateness.txt"
count=$(wc -l <"$BENCH_PGDIR/lateness.txt")
p50=$(awk -v n="$count" 'NR == int(n * 0.50 + 0.5) { printf "%.1f", $1 }' "$BENCH_PGDIR/lateness.txt")
p99=$(awk -v n="$count" 'NR == int(n * 0.99 + 0.5) { printf "%.1f", $1 }' "$BENCH_PGDIR/lateness.txt")
max=$(tail -n 1 "$BENCH_PGDIR/lateness.txt")
figure sla_steady_fired "$count" warnings
figure sla_steady_lateness_p50 "$p50" ms
figure sla_steady_lateness_p99 "$p99" ms
figure sla_steady_lateness_max "$max" ms

# 5, set up here: the baseline on the same cluster.
psql_q "CREATE TABLE bench_job (id bigserial PRIMARY KEY, lead_id text NOT NULL,
          due_us bigint NOT NULL, fired boolean NOT NULL DEFAULT false);
        CREATE INDEX bench_job_due ON bench_job (due_us) WHERE NOT fired;
        CREATE TABLE bench_event (id bigserial PRIMARY KEY, stream text NOT NULL,
          event_id uuid NOT NULL UNIQUE, type text NOT NULL, payload bytea NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now())"
script=$(mktemp)
cat >"$script" <<'SQL'
WITH due AS (
  SELECT id FROM bench_job WHERE NOT fired AND due_us <= 9000000000000000
  ORDER BY due_us LIMIT 1000 FOR UPDATE SKIP LOCKED),
done AS (
  UPDATE bench_job j SET fired = true FROM due WHERE j.id = due.id
  RETURNING j.lead_id, j.due_us)
INSERT INTO bench_event (stream, event_id, type, payload)
SELECT 'sla', gen_random_uuid (), 'deadline_warning',
       convert_to (rpad (lead_id || ':' || due_us, 110, '.'), 'UTF8')
FROM done;
SQL
baseline() {   # baseline CLIENTS: events/s firing N due jobs
  psql_q "TRUNCATE bench_job, bench_event;
          INSERT INTO bench_job (lead_id, due_us)
          SELECT 'lead-' || i, 1700000000000000 + i FROM generate_series (1, $N) i"
  psql_q "VACUUM ANALYZE bench_job"
  local t0 secs
  t0=$(now)
  "$PGBENCH" -n -M prepared -c "$1" -j "$(( $1 < 2 ? 1 : 2 ))" -t "$(( N / 1000 / $1 ))" \
      -f "$script" "$LEADLINE_DB" >/dev/null 2>&1
  secs=$(elapsed "$t0" "$(now)")
  awk -v n="$(psql_q "SELECT count(*) FROM bench_event")" -v s="$secs" 'BEGIN { printf "%.0f", n / s }'
}
# The machine is shared: the baseline's one-client run goes both before and
# after the watcher's catch-up, and the ratio uses their mean.
b1a=$(baseline 1)

# 4: catch-up. Every clock's warning fell due in the last 1000 s (the
# breach is still ahead), as after a long stop; the watcher starts cold.
load_clocks $(( $(now_us) - 1000 * 1000000 )) $(( 1000 * 1000000 / N ))
t0=$(now)
start_watcher
until [ "$(metric 'leadline_sla_events_total{kind="deadline_warning"}')" -ge "$N" ]; do sleep 0.2; done
catchup_s=$(elapsed "$t0" "$(now)")
stop_watcher
logged=$(psql_q "SELECT count(*) FROM sla.event_log")
left=$(psql_q "SELECT count(*) FROM sla.clock WHERE next_us <= $(now_us) - 1000000")
eps=$(awk -v n="$logged" -v s="$catchup_s" 'BEGIN { printf "%.0f", n / s }')
figure sla_catchup_events "$logged" events
figure sla_catchup_left_due "$left" clocks
figure sla_catchup_seconds "$catchup_s" s
figure sla_catchup_rate "$eps" events/s

# 5: the baseline on the same cluster, after.
b1b=$(baseline 1)
b1=$(awk -v a="$b1a" -v b="$b1b" 'BEGIN { printf "%.0f", (a + b) / 2 }')
b2=$(baseline 2)
b4=$(baseline 4)
rm -f "$script"
figure baseline_skip_locked_1_client_before "$b1a" events/s
figure baseline_skip_locked_1_client_after "$b1b" events/s
figure baseline_skip_locked_1_client "$b1" events/s
figure baseline_skip_locked_2_clients "$b2" events/s
figure baseline_skip_locked_4_clients "$b4" events/s
best=$(printf '%s\n' "$b1a" "$b1b" "$b2" "$b4" | sort -n | tail -n 1)
ratio sla_catchup_vs_best_skip_locked_baseline "$eps" "$best"
ratio sla_catchup_vs_skip_locked_1_client "$eps" "$b1"
