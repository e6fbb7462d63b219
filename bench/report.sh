# bench/run report — report latency from the roll-ups against the same
# reports computed by plain SQL over the raw per-lead table, on one data set
# built by bench/report_gen.sql, in one run:
#   - station summary and district review over HTTP from leadline-reporting
#     (what a person waits for: SQL, building, rendering), p50/p99, with
#     the report cache off (every report built from the roll-ups) and on
#     (each request asked a second time: answered from memory);
#   - the same reports' SQL from the roll-ups (pgbench, the service's own
#     statements) and from lead_fact alone (pgbench, plain SQL: GROUP BY over
#     the leads of the station or district, indexed by (station_id,
#     card_day) and (district_id, card_day)), p50/p99.
# Size: BENCH_REPORT_LEADS (1000000; 10000000 for the full-size run, whose
# data set takes about 12 minutes to build on 2 cores) leads over FY2027; org of
# BENCH_REPORT_DISTRICTS (50) x 20 offices x 5 stations x 60 employees.
# BENCH_REPORT_REQUESTS (2000) station requests, a quarter as many district
# reviews; BENCH_REPORT_SECONDS (30) per pgbench run.
# BENCH_REPORT_DATA=DIR keeps the cluster and its data set in DIR (stopped,
# not removed, at the end) and reuses them when DIR already holds a data set
# of the same size: build it once, measure many times.
source "$(dirname "$0")/lib.sh"
leads=${BENCH_REPORT_LEADS:-1000000}
if [ -n "${BENCH_REPORT_DATA:-}" ]; then
  mkdir -p "$BENCH_REPORT_DATA"
  BENCH_PGDIR=$(cd "$BENCH_REPORT_DATA" && pwd)
  trap 'for p in ${BENCH_PIDS:-}; do kill -9 "$p" 2>/dev/null || true; done; "$pgc" stop "$BENCH_PGDIR" >/dev/null 2>&1 || true' EXIT
  export LEADLINE_DB=$(PG_FSYNC=on "$pgc" start "$BENCH_PGDIR")
  export BENCH_PGDIR
  PGBENCH="$("$pgc" bindir "$BENCH_PGDIR")/pgbench"
else
  bench_cluster
fi
bin="$bench_build/bin"
tbin="$bench_build/tests/bin"
work="$BENCH_PGDIR/report-bench"
mkdir -p "$work"
districts=${BENCH_REPORT_DISTRICTS:-50}
opd=20; spo=5; eps=60
stations=$((districts * opd * spo))
requests=${BENCH_REPORT_REQUESTS:-2000}
secs=${BENCH_REPORT_SECONDS:-30}

"$bin/leadline-intake" migrate >/dev/null 2>&1        # creates schema org
"$bin/leadline-reporting" migrate >/dev/null 2>&1
# A data set built before migration 002 got its period rows from the
# migration's backfill: vacuum them as report_gen.sql vacuums what it builds.
psql "$LEADLINE_DB" -qX -c "VACUUM ANALYZE reporting.rollup_station_period" 2>/dev/null || true
if [ "$(cat "$work/data-set" 2>/dev/null)" != "$leads $districts" ]; then
  t0=$(now)
  psql "$LEADLINE_DB" -qX -v leads="$leads" -v districts="$districts" -v opd=$opd -v spo=$spo \
    -v eps=$eps -f "$(dirname "$0")/report_gen.sql" >"$work/gen.log" 2>&1 \
    || { tail "$work/gen.log" >&2; exit 1; }
  echo "$leads $districts" >"$work/data-set"
  figure report_data_build_seconds "$(elapsed "$t0" "$(now)")" s
fi
figure report_data_leads "$leads" leads
figure report_data_stations "$stations" stations
figure report_lead_fact_size "$(psql "$LEADLINE_DB" -qAtX -c \
  "SELECT pg_total_relation_size('reporting.lead_fact') / 1048576")" MiB
figure report_rollups_size "$(psql "$LEADLINE_DB" -qAtX -c \
  "SELECT (sum(pg_total_relation_size(c.oid)) / 1048576)::bigint FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = 'reporting' AND c.relname LIKE 'rollup\_%' AND c.relkind = 'r'")" MiB

# The service, as deployed, with its clock near the fiscal year's end so
# every period asked for is over. Nothing publishes; no producer runs. Two
# instances: one with the report cache off (every request is built from the
# roll-ups) and one with it on (as deployed).
echo $(( $(date -u -d 2027-09-20T18:00:00Z +%s) * 1000000 )) >"$work/clock"
# start_reporting PORT CACHE_MB
start_reporting() {
  LEADLINE_CLOCK_FILE="$work/clock" LEADLINE_REPORTING_HTTP="127.0.0.1:$1" \
  LEADLINE_REPORTING_PUBLISH=no LEADLINE_REPORTING_CACHE_MB="$2" \
  LEADLINE_REPORTING_PUB="ipc://$work/pub$1" LEADLINE_REPORTING_REPLAY="ipc://$work/replay$1" \
  LEADLINE_REPORTING_ENDPOINT="ipc://$work/reports$1" \
  LEADLINE_INTAKE_PUB_CONNECT="ipc://$work/none1" LEADLINE_INTAKE_REPLAY_CONNECT="ipc://$work/none2" \
  LEADLINE_SLA_PUB_CONNECT="ipc://$work/none3" LEADLINE_SLA_REPLAY_CONNECT="ipc://$work/none4" \
    "$bin/leadline-reporting" run 2>>"$work/reporting.log" & BENCH_PIDS="${BENCH_PIDS:-} $!"
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$1/healthz" >/dev/null && break; sleep 0.1; done
}
port=$(( 21000 + RANDOM % 20000 )); cport=$((port + 1))
start_reporting "$port" 0
start_reporting "$cport" 64

# Request lists: random stations and periods P01..P25, districts and
# quarters Q1..Q3, the same seed every run; the warm-up (store pages into
# memory) uses other stations.
urls() {   # urls PORT SEED N KIND
  awk -v n="$3" -v s="$stations" -v d="$districts" -v port="$1" -v seed="$2" -v kind="$4" 'BEGIN {
    srand(seed);
    for (i = 0; i < n; i++)
      if (kind == "station")
        printf "http://127.0.0.1:%d/reports/station?station=S%05d&period=FY2027P%02d&format=json\n",
               port, 1 + int(rand() * s), 1 + int(rand() * 25)
      else
        printf "http://127.0.0.1:%d/reports/district?district=D%02d&quarter=FY2027Q%d&format=json\n",
               port, 1 + int(rand() * d), 1 + int(rand() * 3) }'
}
urls "$port" 7 "$requests" station >"$work/station.urls"
urls "$port" 8 "$((requests / 4))" district >"$work/district.urls"
urls "$cport" 7 "$requests" station >"$work/station-cached.urls"
urls "$cport" 8 "$((requests / 4))" district >"$work/district-cached.urls"
{ urls "$port" 9 200 station; urls "$port" 10 20 district; } >"$work/warm.urls"
"$tbin/rp_bench" "$work/warm.urls" >/dev/null

# percentile FILE: "p50 p99" of pgbench's per-transaction log (microseconds
# in the third field) in milliseconds.
percentiles() {
  cat "$@" | awk '{ print $3 }' | sort -n | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "0 0"; exit }
    printf "%.3f %.3f\n", v[int((NR - 1) * 0.50) + 1] / 1000, v[int((NR - 1) * 0.99) + 1] / 1000 }'
}
# pgbench_report NAME SCRIPT: runs SCRIPT for $secs seconds, one client,
# prints "p50 p99" in ms.
pgbench_report() {
  rm -f "$work/$1"-log*
  (cd "$work" && "$PGBENCH" -n -M prepared -c 1 -T "$secs" -l --log-prefix="$1-log" \
     -D stations="$stations" -D districts="$districts" -f "$2" "$LEADLINE_DB" >"$work/$1.out" 2>&1) \
     || { tail "$work/$1.out" >&2; exit 1; }
  percentiles "$work/$1"-log*
}

# Station summary, period p of station s: the statements the service runs
# (the period's row of rollup_station_period, the past-deadline list from
# its index, the trend; all seven in one round trip, as the service sends
# them) and the same answers from lead_fact alone (raw). pgbench would take
# the ":MI" of a time format for a variable: chr(58) spells the colon (a
# constant, folded when the statement is planned).
cat >"$work/station_rollup.sql" <<'SQL'
\set s random(1, :stations)
\set p random(1, 25)
\startpipeline
SELECT s.id, s.name, o.id, o.name, d.id, d.name, d.time_zone, ((timestamptz '2027-09-20 18:00+00' AT TIME ZONE d.time_zone)::date - date '1970-01-01'), to_char(timestamptz '2027-09-20 18:00+00' AT TIME ZONE d.time_zone, 'YYYY-MM-DD HH24' || chr(58) || 'MI') FROM org.stations s JOIN org.offices o ON o.id = s.office_id JOIN org.districts d ON d.id = o.district_id WHERE s.id = 'S' || lpad(:s::text, 5, '0');
SELECT k.program, r.program_measures [(k.i - 1) * 15 + 1], r.program_measures [(k.i - 1) * 15 + 2], r.program_measures [(k.i - 1) * 15 + 3], r.program_measures [(k.i - 1) * 15 + 4], r.program_measures [(k.i - 1) * 15 + 5], r.program_measures [(k.i - 1) * 15 + 6], r.program_measures [(k.i - 1) * 15 + 7], r.program_measures [(k.i - 1) * 15 + 8], r.program_measures [(k.i - 1) * 15 + 9], r.program_measures [(k.i - 1) * 15 + 10], r.program_measures [(k.i - 1) * 15 + 11], r.program_measures [(k.i - 1) * 15 + 12], r.program_measures [(k.i - 1) * 15 + 13], r.program_measures [(k.i - 1) * 15 + 14], r.program_measures [(k.i - 1) * 15 + 15] FROM reporting.rollup_station_period r, unnest (r.programs) WITH ORDINALITY k (program, i) WHERE r.station_id = 'S' || lpad(:s::text, 5, '0') AND r.term = 'FY2027P' || lpad(:p::text, 2, '0') ORDER BY k.program;
SELECT k.key >> 16, (k.key & 65535) - 32768, r.product_measures [k.i * 3 - 2], r.product_measures [k.i * 3 - 1], r.product_measures [k.i * 3] FROM reporting.rollup_station_period r, unnest (r.products) WITH ORDINALITY k (key, i) WHERE r.station_id = 'S' || lpad(:s::text, 5, '0') AND r.term = 'FY2027P' || lpad(:p::text, 2, '0') ORDER BY k.key;
SELECT (SELECT count(*) FROM org.employees WHERE station_id = 'S' || lpad(:s::text, 5, '0')), (SELECT count(*) FROM reporting.rollup_station_period r, generate_subscripts (r.employees, 1) i WHERE r.station_id = 'S' || lpad(:s::text, 5, '0') AND r.term = 'FY2027P' || lpad(:p::text, 2, '0') AND r.employee_measures [i * 3 - 2] > 0);
SELECT u.employee_id, coalesce (e.name, ''), u.originals, u.won, u.revenue_cents FROM (SELECT r.employees [i] AS employee_id, r.employee_measures [i * 3 - 2] AS originals, r.employee_measures [i * 3 - 1] AS won, r.employee_measures [i * 3] AS revenue_cents FROM reporting.rollup_station_period r, generate_subscripts (r.employees, 1) i WHERE r.station_id = 'S' || lpad(:s::text, 5, '0') AND r.term = 'FY2027P' || lpad(:p::text, 2, '0') AND r.employee_measures [i * 3 - 2] > 0 ORDER BY 2 DESC, 3 DESC, 4 DESC, 1 LIMIT 10) u LEFT JOIN org.employees e ON e.id = u.employee_id ORDER BY 3 DESC, 4 DESC, 5 DESC, 1;
SELECT f.lead_id, f.business_name, coalesce ((SELECT e.name FROM org.employees e WHERE e.id = f.employee_id), f.employee_id, ''), to_char (f.entered_at AT TIME ZONE z.zone, 'YYYY-MM-DD HH24' || chr(58) || 'MI'), to_char ((f.entered_at + interval '48 hours') AT TIME ZONE z.zone, 'YYYY-MM-DD HH24' || chr(58) || 'MI'), greatest (0, floor (extract (epoch FROM timestamptz '2027-09-20 18:00+00' - f.entered_at - interval '48 hours') / 3600))::bigint, coalesce ((SELECT r.name FROM org.reps r WHERE r.id = f.rep_id), f.rep_id, ''), f.escalation_level, c.total FROM (SELECT lead_id, business_name, employee_id, entered_at, rep_id, escalation_level FROM reporting.lead_fact WHERE station_id = 'S' || lpad(:s::text, 5, '0') AND contacted_at IS NULL AND outcome = 0 AND NOT duplicate AND entered_at IS NOT NULL AND (contact_breached OR entered_at + interval '48 hours' < timestamptz '2027-09-20 18:00+00') ORDER BY entered_at, lead_id LIMIT 50) f CROSS JOIN (SELECT count(*) AS total FROM reporting.lead_fact WHERE station_id = 'S' || lpad(:s::text, 5, '0') AND contacted_at IS NULL AND outcome = 0 AND NOT duplicate AND entered_at IS NOT NULL AND (contact_breached OR entered_at + interval '48 hours' < timestamptz '2027-09-20 18:00+00')) c CROSS JOIN (SELECT d.time_zone AS zone FROM org.stations s JOIN org.offices o ON o.id = s.office_id JOIN org.districts d ON d.id = o.district_id WHERE s.id = 'S' || lpad(:s::text, 5, '0')) z ORDER BY f.entered_at, f.lead_id;
SELECT term, cards FROM reporting.rollup_station_period WHERE station_id = 'S' || lpad(:s::text, 5, '0') AND term BETWEEN 'FY2027P01' AND 'FY2027P' || lpad(:p::text, 2, '0') ORDER BY term;
\endpipeline
SQL
cat >"$work/station_raw.sql" <<'SQL'
\set s random(1, :stations)
\set p random(1, 25)
SELECT s.id, s.name, o.id, o.name, d.id, d.name, d.time_zone FROM org.stations s JOIN org.offices o ON o.id = s.office_id JOIN org.districts d ON d.id = o.district_id WHERE s.id = 'S' || lpad(:s::text, 5, '0');
SELECT program, count(*), count(*) FILTER (WHERE duplicate), count(*) FILTER (WHERE entry_on_time), count(*) FILTER (WHERE NOT entry_on_time), count(*) FILTER (WHERE NOT duplicate AND contacted_at IS NOT NULL), count(*) FILTER (WHERE contact_on_time), count(*) FILTER (WHERE NOT contact_on_time), count(*) FILTER (WHERE NOT duplicate AND outcome = 1), count(*) FILTER (WHERE NOT duplicate AND outcome = 2), count(*) FILTER (WHERE NOT duplicate AND outcome = 3), coalesce(sum(revenue_cents) FILTER (WHERE NOT duplicate AND outcome = 1), 0), count(*) FILTER (WHERE entry_breached), count(*) FILTER (WHERE contact_breached), count(*) FILTER (WHERE reassignments > 0) FROM reporting.lead_fact WHERE station_id = 'S' || lpad(:s::text, 5, '0') AND card_day BETWEEN date '2026-10-01' + (:p - 1) * 14 AND date '2026-10-01' + (:p - 1) * 14 + 13 GROUP BY program;
SELECT program, p, count(*), count(*) FILTER (WHERE NOT duplicate), count(*) FILTER (WHERE NOT duplicate AND outcome = 1) FROM reporting.lead_fact, unnest(products) p WHERE station_id = 'S' || lpad(:s::text, 5, '0') AND card_day BETWEEN date '2026-10-01' + (:p - 1) * 14 AND date '2026-10-01' + (:p - 1) * 14 + 13 GROUP BY 1, 2;
SELECT (SELECT count(*) FROM org.employees WHERE station_id = 'S' || lpad(:s::text, 5, '0')), (SELECT count(DISTINCT employee_id) FROM reporting.lead_fact WHERE station_id = 'S' || lpad(:s::text, 5, '0') AND NOT duplicate AND card_day BETWEEN date '2026-10-01' + (:p - 1) * 14 AND date '2026-10-01' + (:p - 1) * 14 + 13);
SELECT f.employee_id, coalesce(e.name, ''), count(*), count(*) FILTER (WHERE outcome = 1), coalesce(sum(revenue_cents) FILTER (WHERE outcome = 1), 0) FROM reporting.lead_fact f LEFT JOIN org.employees e ON e.id = f.employee_id WHERE f.station_id = 'S' || lpad(:s::text, 5, '0') AND NOT f.duplicate AND f.card_day BETWEEN date '2026-10-01' + (:p - 1) * 14 AND date '2026-10-01' + (:p - 1) * 14 + 13 GROUP BY f.employee_id, e.name ORDER BY 3 DESC, 4 DESC, 5 DESC, 1 LIMIT 10;
SELECT f.lead_id, f.business_name, f.entered_at, f.rep_id, count(*) OVER () FROM reporting.lead_fact f WHERE f.station_id = 'S' || lpad(:s::text, 5, '0') AND f.contacted_at IS NULL AND f.outcome = 0 AND NOT f.duplicate AND f.entered_at IS NOT NULL AND (f.contact_breached OR f.entered_at + interval '48 hours' < timestamptz '2027-09-20 18:00+00') ORDER BY f.entered_at, f.lead_id LIMIT 50;
SELECT reporting.term_period(card_day), count(*), count(*) FILTER (WHERE NOT duplicate), count(*) FILTER (WHERE NOT duplicate AND outcome = 1) FROM reporting.lead_fact WHERE station_id = 'S' || lpad(:s::text, 5, '0') AND card_day BETWEEN date '2026-10-01' AND date '2026-10-01' + (:p - 1) * 14 + 13 GROUP BY 1;
SQL
# District review, quarter q of district d.
cat >"$work/district_rollup.sql" <<'SQL'
\set d random(1, :districts)
\set q random(1, 3)
SELECT o.id, o.name, (SELECT c.name FROM org.coordinators c WHERE c.office_id = o.id AND c.role = 'union'), (SELECT c.name FROM org.coordinators c WHERE c.office_id = o.id AND c.role = 'management'), (SELECT count(*) FROM org.stations s WHERE s.office_id = o.id), (SELECT count(*) FROM org.employees e JOIN org.stations s ON s.id = e.station_id WHERE s.office_id = o.id) FROM org.offices o WHERE o.district_id = 'D' || lpad(:d::text, 2, '0') ORDER BY o.id;
SELECT office_id, sum(cards), sum(originals), sum(duplicates), sum(entry_on_time), sum(entry_late), sum(contacted), sum(contact_on_time), sum(contact_late), sum(won), sum(lost), sum(no_interest), sum(revenue_cents), sum(entry_breached), sum(contact_breached), sum(reassigned) FROM reporting.rollup_term_station WHERE district_id = 'D' || lpad(:d::text, 2, '0') AND term = 'FY2027Q' || :q GROUP BY office_id;
SELECT office_id, count(DISTINCT employee_id) FROM reporting.rollup_term_employee WHERE district_id = 'D' || lpad(:d::text, 2, '0') AND term = 'FY2027Q' || :q AND originals > 0 GROUP BY office_id;
SELECT term, sum(cards), sum(originals), sum(won) FROM reporting.rollup_term_station WHERE district_id = 'D' || lpad(:d::text, 2, '0') AND term BETWEEN 'FY2027P' || lpad(((:q - 1) * 13 / 2 + 1)::text, 2, '0') AND 'FY2027P' || lpad(((:q) * 13 / 2 + 1)::text, 2, '0') GROUP BY term;
SQL
cat >"$work/district_raw.sql" <<'SQL'
\set d random(1, :districts)
\set q random(1, 3)
SELECT o.id, o.name, (SELECT c.name FROM org.coordinators c WHERE c.office_id = o.id AND c.role = 'union'), (SELECT c.name FROM org.coordinators c WHERE c.office_id = o.id AND c.role = 'management'), (SELECT count(*) FROM org.stations s WHERE s.office_id = o.id), (SELECT count(*) FROM org.employees e JOIN org.stations s ON s.id = e.station_id WHERE s.office_id = o.id) FROM org.offices o WHERE o.district_id = 'D' || lpad(:d::text, 2, '0') ORDER BY o.id;
SELECT office_id, count(*), count(*) FILTER (WHERE duplicate), count(*) FILTER (WHERE entry_on_time), count(*) FILTER (WHERE NOT entry_on_time), count(*) FILTER (WHERE NOT duplicate AND contacted_at IS NOT NULL), count(*) FILTER (WHERE contact_on_time), count(*) FILTER (WHERE NOT contact_on_time), count(*) FILTER (WHERE NOT duplicate AND outcome = 1), count(*) FILTER (WHERE NOT duplicate AND outcome = 2), count(*) FILTER (WHERE NOT duplicate AND outcome = 3), coalesce(sum(revenue_cents) FILTER (WHERE NOT duplicate AND outcome = 1), 0), count(*) FILTER (WHERE entry_breached), count(*) FILTER (WHERE contact_breached), count(*) FILTER (WHERE reassignments > 0) FROM reporting.lead_fact WHERE district_id = 'D' || lpad(:d::text, 2, '0') AND card_day BETWEEN (make_date(2026 + (:q > 1)::int, (9 + (:q - 1) * 3) % 12 + 1, 1)) AND (make_date(2026 + (:q > 1)::int, (9 + (:q - 1) * 3) % 12 + 1, 1) + interval '3 months' - interval '1 day')::date GROUP BY office_id;
SELECT office_id, count(DISTINCT employee_id) FROM reporting.lead_fact WHERE district_id = 'D' || lpad(:d::text, 2, '0') AND NOT duplicate AND card_day BETWEEN (make_date(2026 + (:q > 1)::int, (9 + (:q - 1) * 3) % 12 + 1, 1)) AND (make_date(2026 + (:q > 1)::int, (9 + (:q - 1) * 3) % 12 + 1, 1) + interval '3 months' - interval '1 day')::date GROUP BY office_id;
SELECT reporting.term_period(card_day), count(*), count(*) FILTER (WHERE NOT duplicate), count(*) FILTER (WHERE NOT duplicate AND outcome = 1) FROM reporting.lead_fact WHERE district_id = 'D' || lpad(:d::text, 2, '0') AND card_day BETWEEN (make_date(2026 + (:q > 1)::int, (9 + (:q - 1) * 3) % 12 + 1, 1)) AND (make_date(2026 + (:q > 1)::int, (9 + (:q - 1) * 3) % 12 + 1, 1) + interval '3 months' - interval '1 day')::date GROUP BY 1;
SQL

# rp_bench_p URLFILE: "p50 p99" in ms.
rp_bench_p() {
  "$tbin/rp_bench" "$1" | tr ' ' '\n' | awk -F= '$1 == "p50" { a = $2 } $1 == "p99" { b = $2 } END { print a, b }'
}
read -r st50 st99 < <(rp_bench_p "$work/station.urls")
read -r di50 di99 < <(rp_bench_p "$work/district.urls")
# Cached: a first pass fills the cache (the roll-up path), the second is
# measured (every request a repeat, answered from memory).
rp_bench_p "$work/station-cached.urls" >/dev/null; rp_bench_p "$work/district-cached.urls" >/dev/null
read -r sc50 sc99 < <(rp_bench_p "$work/station-cached.urls")
read -r dc50 dc99 < <(rp_bench_p "$work/district-cached.urls")
read -r sr50 sr99 < <(pgbench_report station_rollup "$work/station_rollup.sql")
read -r sx50 sx99 < <(pgbench_report station_raw "$work/station_raw.sql")
read -r dr50 dr99 < <(pgbench_report district_rollup "$work/district_rollup.sql")
read -r dx50 dx99 < <(pgbench_report district_raw "$work/district_raw.sql")

figure report_station_http_p50 "$st50" ms
figure report_station_http_p99 "$st99" ms
figure report_station_http_cached_p50 "$sc50" ms
figure report_station_http_cached_p99 "$sc99" ms
figure report_station_rollup_sql_p50 "$sr50" ms
figure report_station_rollup_sql_p99 "$sr99" ms
figure report_station_raw_sql_p50 "$sx50" ms
figure report_station_raw_sql_p99 "$sx99" ms
figure report_district_http_p50 "$di50" ms
figure report_district_http_p99 "$di99" ms
figure report_district_http_cached_p50 "$dc50" ms
figure report_district_http_cached_p99 "$dc99" ms
figure report_district_rollup_sql_p50 "$dr50" ms
figure report_district_rollup_sql_p99 "$dr99" ms
figure report_district_raw_sql_p50 "$dx50" ms
figure report_district_raw_sql_p99 "$dx99" ms
# How many times faster than plain SQL over the raw table: the whole HTTP
# report built from the roll-ups (SQL + building + rendering + HTTP), the
# same answered from the report cache, and the SQL alone.
ratio report_station_raw_sql_vs_http_p99 "$sx99" "$st99"
ratio report_station_raw_sql_vs_http_p50 "$sx50" "$st50"
ratio report_station_raw_sql_vs_http_cached_p99 "$sx99" "$sc99"
ratio report_station_raw_sql_vs_http_cached_p50 "$sx50" "$sc50"
ratio report_station_raw_sql_vs_rollup_sql_p50 "$sx50" "$sr50"
ratio report_district_raw_sql_vs_http_p99 "$dx99" "$di99"
ratio report_district_raw_sql_vs_http_p50 "$dx50" "$di50"
ratio report_district_raw_sql_vs_http_cached_p99 "$dx99" "$dc99"
ratio report_district_raw_sql_vs_http_cached_p50 "$dx50" "$dc50"
ratio report_district_raw_sql_vs_rollup_sql_p50 "$dx50" "$dr50"
