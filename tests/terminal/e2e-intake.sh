#!/usr/bin/env bash
# The terminal against the real leadline-intake and PostgreSQL: a card
# entered and assigned, the same key answered with the same lead, a
# duplicate told to the later referrer, intake's field errors with their
# hints, a CSV file with a summary, and the interactive mode fixing a field.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$@"
setup_intake "$here/org.csv"
start_intake

now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
card=(--station S-T1 --employee E-T1 --program clerks-care --card-time "$now"
      --business "Harbor Books" --address "12 Dock St" --zip 02134 --contact "Hal Reed"
      --phone 617-555-0111 --product priority-mail --product eddm)

step "a card: entered and assigned"
run one 0 "${card[@]}" --key e2e-key-one
expect one "entered, assigned to Rita Rep (R-T1)"
lead=$(grep -o 'Lead [0-9a-f-]*' "$T/one.out" | head -1)

step "the same key again: the same lead"
run one-again 0 "${card[@]}" --key e2e-key-one
expect one-again "$lead entered, assigned to Rita Rep (R-T1)"
[ "$(sql "SELECT count(*) FROM intake.leads WHERE idempotency_key = 'e2e-key-one'")" = 1 ] \
  || fail "the retried card is not in intake.leads exactly once"

step "the same business from another station: a duplicate, credit to the first"
run dup 0 --station S-T2 --employee E-T2 --program customer-connect --business "Harbor Books Inc" \
    --zip 02134 --contact Hal --phone "(617) 555-0111" --product ground --key e2e-key-dup
expect dup "is a duplicate: "
expect dup "already handed in"
expect dup "credit"

step "field errors from intake, one per line with the hint"
run invalid 1 --station S-T1 --employee E-NOBODY --program clerks-care --business "Quay Cafe" \
    --zip 0213 --contact Q --email not-an-email --product pm --key e2e-key-invalid
expect invalid "Card not entered; fix these fields and hand it in again:"
expect invalid "  zip: "
expect invalid "  email: "
expect invalid "  employee: "
expect invalid "leadline admin import"
[ "$(sql "SELECT count(*) FROM intake.leads WHERE idempotency_key = 'e2e-key-invalid'")" = 0 ] \
  || fail "an invalid card was stored"
run future 1 "${card[@]/$now/2099-01-01T00:00:00Z}" --key e2e-key-future
expect future "  card-time: "

step "a CSV file: summary with the rejected lines"
awk -v now="$now" 'BEGIN {
  print "station,employee,program,card_time,business,zip,contact,phone,products"
  for (i = 1; i <= 200; i++)
    printf "S-T1,E-T3,mail-handlers,%s,E2E Business %d,%s,Pat,61755%05d,ground;priority-mail\n", now, i, (i % 50 == 0 ? "99" : "02134"), i
}' >"$T/cards.csv"
run csv 1 --file "$T/cards.csv" --station S-T1
expect csv "cards.csv: 200 cards: 196 entered, 0 duplicates, 4 rejected (lines 51, 101, 151, 201), 0 spooled"
[ "$(sql "SELECT count(*) FROM intake.leads WHERE business_name LIKE 'E2E Business %'")" = 196 ] \
  || fail "intake.leads does not hold the 196 entered cards"
run csv-again 1 --file "$T/cards.csv" --station S-T1
expect csv-again "196 entered, 0 duplicates, 4 rejected"
[ "$(sql "SELECT count(*) FROM intake.leads WHERE business_name LIKE 'E2E Business %'")" = 196 ] \
  || fail "the second run of the file entered cards twice"

step "a card for another station: refused for good, held with the reason"
printf 'station,employee,program,business,zip,contact,phone,products\nS-T2,E-T2,customer-connect,Other Station Shop,02134,Oz,617-555-0199,pm\n' >"$T/other.csv"
run other 1 --file "$T/other.csv" --station S-T1
expect other "line 2: Card not entered: intake refused it (forbidden)"
expect other "own station"
expect other "1 card: 0 entered, 0 duplicates, 1 rejected (line 2), 0 spooled"
run held 0 spool
expect held "0 cards waiting"
expect held "1 card held"
expect held "Other Station Shop"
expect held "own station"
rm -rf "$LEADLINE_SPOOL_DIR/held"

step "interactive: intake's error on the ZIP, only the ZIP asked again"
"$LEADLINE" terminal interactive --station S-T1 >"$T/interactive.out" 2>&1 <<'ANSWERS' || fail "interactive: exit $?"
E-T1
clerks-care
now
Pier Florist
3 Pier Rd
021
Flo
617-555-0177

eddm

02134
n
ANSWERS
expect interactive "  zip: "
expect interactive "entered, assigned to Rita Rep (R-T1)"
[ "$(grep -c '^ZIP code \[' "$T/interactive.out")" = 2 ] || fail "ZIP not asked again exactly once"
[ "$(grep -c '^Business name \[' "$T/interactive.out")" = 1 ] || fail "a correct field was asked again"
[ "$(spool_count)" = 0 ] || fail "spool not empty"
echo "PASS"
