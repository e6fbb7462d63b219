#!/usr/bin/env bash
# The terminal's offline spool against the real leadline-intake:
#  1. intake down: cards from flags and a file are spooled (exit 3);
#     intake up: `leadline terminal flush` delivers each exactly once
#     (rows counted in intake.leads), and a second flush sends nothing;
#  2. intake killed (-9) in the middle of a flush: nothing lost, nothing
#     doubled once a later flush completes;
#  3. PostgreSQL down under a running intake: UNAVAILABLE keeps the card
#     spooled; after PostgreSQL returns, the next submit delivers it first.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$@"
setup_intake "$here/org.csv"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# card N NAME: sets C to the flags of a valid card for NAME, key fault-key-N
card() {
  C=(--station S-T1 --employee E-T1 --program clerks-care --card-time "$now"
     --business "$2" --zip 02134 --contact Pat --phone "617-556-$(printf '%04d' "$1")"
     --product pm --key "fault-key-$1")
}
leads() { sql "SELECT count(*) FROM intake.leads WHERE $1"; }
doubled() { sql "SELECT count(*) FROM (SELECT idempotency_key FROM intake.leads GROUP BY 1 HAVING count(*) > 1) d"; }

step "1. intake down: 5 cards from flags and 20 from a file are spooled"
export LEADLINE_TERMINAL_TIMEOUT_MS=500
for i in 1 2 3 4 5; do
  card "$i" "Fault Flag $i"
  run "down-$i" 3 "${C[@]}"
done
expect down-5 "will be sent when intake returns"
awk -v now="$now" 'BEGIN {
  print "station,employee,program,card_time,business,zip,contact,phone,products"
  for (i = 1; i <= 20; i++)
    printf "S-T1,E-T3,mail-handlers,%s,Fault File %d,02134,Pat,617557%04d,ground\n", now, i, i
}' >"$T/cards.csv"
run down-file 3 --file "$T/cards.csv" --station S-T1
expect down-file "20 cards: 0 entered, 0 duplicates, 0 rejected, 20 spooled"
[ "$(spool_count)" = 25 ] || fail "expected 25 spooled cards, found $(spool_count)"
run list 0 spool
expect list "25 cards waiting"
[ "$(leads "true")" = 0 ] || fail "cards reached intake while it was down"

step "intake up: flush delivers each card exactly once"
start_intake
export LEADLINE_TERMINAL_TIMEOUT_MS=5000
run flush 0 flush
expect flush "Flushed 25 of 25 cards: 25 entered"
[ "$(spool_count)" = 0 ] || fail "spool not empty after flush"
[ "$(leads "business_name LIKE 'Fault Flag %'")" = 5 ] || fail "flag cards not stored once each"
[ "$(leads "business_name LIKE 'Fault File %'")" = 20 ] || fail "file cards not stored once each"
for i in 1 2 3 4 5; do
  [ "$(leads "idempotency_key = 'fault-key-$i'")" = 1 ] || fail "fault-key-$i not stored with its original key"
done
run flush-again 0 flush
expect flush-again "The spool is empty"
[ "$(leads "true")" = 25 ] || fail "a second flush changed intake.leads"

step "2. kill -9 intake in the middle of a flush of 500 cards"
stop_server
awk -v now="$now" 'BEGIN {
  print "station,employee,program,card_time,business,zip,contact,phone,products"
  for (i = 1; i <= 500; i++)
    printf "S-T1,E-T3,mail-handlers,%s,Kill Test %d,02134,Pat,617558%04d,ground\n", now, i, i
}' >"$T/kill.csv"
LEADLINE_TERMINAL_TIMEOUT_MS=500 run kill-down 3 --file "$T/kill.csv" --station S-T1
[ "$(spool_count)" = 500 ] || fail "expected 500 spooled cards, found $(spool_count)"
start_intake
rc=0
LEADLINE_TERMINAL_TIMEOUT_MS=1500 "$LEADLINE" terminal flush --in-flight 1 >"$T/kill-flush.out" 2>&1 &
flusher=$!
for _ in $(seq 200); do
  [ "$(leads "business_name LIKE 'Kill Test %'")" -ge 5 ] && break
  sleep 0.01
done
stop_server                                   # kill -9
wait "$flusher" || rc=$?
[ "$rc" = 3 ] || { cat "$T/kill-flush.out"; fail "interrupted flush: exit $rc, expected 3"; }
left=$(spool_count)
stored=$(leads "business_name LIKE 'Kill Test %'")
echo "killed with $stored stored, $left waiting"
[ "$left" -gt 0 ] || fail "intake was killed too late to test anything"
[ $((stored + left)) -ge 500 ] || fail "cards lost: $stored stored + $left waiting < 500"
start_intake
run kill-flush2 0 flush
[ "$(spool_count)" = 0 ] || fail "spool not empty"
[ "$(leads "business_name LIKE 'Kill Test %'")" = 500 ] || fail "after the kill: $(leads "business_name LIKE 'Kill Test %'") of 500 stored"
[ "$(doubled)" = 0 ] || fail "a key was stored twice"

step "3. PostgreSQL down: UNAVAILABLE keeps the card; it goes first when the store returns"
"$LEADLINE_PGCLUSTER" stop "$LEADLINE_PGDIR" >/dev/null
card 900 "Store Down Deli"
LEADLINE_TERMINAL_TIMEOUT_MS=1500 run pgdown 3 "${C[@]}"
expect pgdown "Not delivered: intake is unavailable"
[ "$(spool_count)" = 1 ] || fail "the card was not kept"
"$LEADLINE_PGCLUSTER" start "$LEADLINE_PGDIR" >/dev/null
ok=0
card 901 "After The Store"
for _ in $(seq 60); do
  if "$LEADLINE" terminal "${C[@]}" >"$T/pgup.out" 2>&1; then ok=1; break; fi
  sleep 0.5
done
[ "$ok" = 1 ] || { cat "$T/pgup.out"; fail "intake did not recover from the PostgreSQL restart"; }
[ "$(spool_count)" = 0 ] || fail "spool not empty"
[ "$(leads "idempotency_key IN ('fault-key-900', 'fault-key-901')")" = 2 ] || fail "cards not stored once each"
[ "$(doubled)" = 0 ] || fail "a key was stored twice"
echo "PASS"
