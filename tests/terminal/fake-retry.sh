#!/usr/bin/env bash
# Retries: UNAVAILABLE replies are retried with the same key until intake
# can answer; an intake that stays unavailable leaves the card spooled
# (exit 3); an intake that stalls past a resend gets the request twice and
# answers both alike, and the card is entered once.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$@"
card=(--station S1 --employee E1 --program clerks-care --business "Retry Co" --zip 02134
      --contact Ana --phone 6175550100 --product pm)

step "unavailable three times, then entered"
start_fake FAKE_UNAVAILABLE=3
run retry 0 "${card[@]}" --key key-retry-0001 --timeout-ms 3000
expect retry "Lead L-1 entered"
[ "$(log_count unavailable key-retry-0001)" = 3 ] || fail "expected 3 unavailable answers"
[ "$(log_count stored key-retry-0001)" = 1 ] || fail "not stored once"
stop_server

step "unavailable for good: spooled with the reason"
start_fake FAKE_UNAVAILABLE=100000
run unavailable 3 "${card[@]}" --key key-retry-0002 --timeout-ms 800
expect unavailable "Not delivered: intake is unavailable: store unavailable"
[ "$(spool_count)" = 1 ] || fail "not spooled"
stop_server

step "intake stalls: the request is sent again, entered once"
start_fake
kill -STOP "$SERVER_PID"
LEADLINE_LOG_LEVEL=debug "$LEADLINE" terminal "${card[@]}" --key key-retry-0003 \
    --timeout-ms 10000 >"$T/stall.out" 2>"$T/stall.err" </dev/null &
terminal=$!
for _ in $(seq 500); do
  grep -q '"event":"terminal.resend"' "$T/stall.err" && break
  sleep 0.02
done
grep -q '"event":"terminal.resend"' "$T/stall.err" || fail "the terminal did not resend"
kill -CONT "$SERVER_PID"
wait "$terminal" || { cat "$T/stall.out" "$T/stall.err"; fail "stall: exit $?, expected 0"; }
expect stall "spooled card key-retry-0002 (Retry Co): Lead L-"
[ "$(log_count stored key-retry-0003)" = 1 ] || fail "not stored once"
[ "$(log_count replayed key-retry-0003)" -ge 1 ] || fail "the resend did not reach intake"
[ "$(spool_count)" = 0 ] || fail "spool not empty"
echo "PASS"
