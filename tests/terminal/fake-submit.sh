#!/usr/bin/env bash
# One card from flags against fake_intake: spooled while intake is down
# (exit 3), sent with its original key by the next submit, the same key
# answered with the same lead, a duplicate, field errors (exit 1), flush,
# the spool listing and usage errors (exit 2).
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$@"

card=(--station S1 --employee E1 --program clerks-care --card-time 2024-05-01T10:00Z
      --business "Acme Widgets" --address "1 Main St" --zip 02134 --contact "Ana Ruiz"
      --phone 617-555-0100 --product priority-mail --product eddm)

step "usage"
run help 0 --help
expect help "--card-time"
expect help "Exit codes"
run nothing 2
grep -qF "nothing to hand in" "$T/nothing.err" || fail "no hint for an empty command line"
run badflag 2 --zpi 02134
expect_err badflag "unknown option --zpi"
run badkey 2 "${card[@]}" --key "not ok"
run badtime 1 "${card[@]/2024-05-01T10:00Z/last tuesday}" --timeout-ms 200
expect badtime "card-time: 'last tuesday' is not an ISO 8601 date and time (hint:"
[ "$(spool_count)" = 0 ] || fail "a card the terminal rejected was spooled"

step "intake down: the card is spooled, exit 3"
run down 3 "${card[@]}" --key key-first-card
expect down "Not delivered: no answer from intake at"
expect down "will be sent when intake returns"
[ "$(spool_count)" = 1 ] || fail "spool should hold 1 card"
run list 0 spool
expect list "1 card waiting"
expect list "key key-first-card"
expect list "Acme Widgets, 02134"

step "intake up: the next card sends the spooled one first, with its key"
start_fake
run second 0 "${card[@]/Acme Widgets/Bolt Supply}" --key key-second-card
expect second "spooled card key-first-card (Acme Widgets): Lead L-1 entered, assigned to Pat Doe (R100)"
expect second "Lead L-2 entered, assigned to Pat Doe (R100)"
[ "$(spool_count)" = 0 ] || fail "spool should be empty"
[ "$(log_count stored key-first-card)" = 1 ] || fail "first card not stored once"

step "the same key again: the same lead, nothing new"
run again 0 "${card[@]/Acme Widgets/Bolt Supply}" --key key-second-card
expect again "Lead L-2 entered"
[ "$(log_count stored key-second-card)" = 1 ] || fail "second card stored twice"
[ "$(log_count replayed key-second-card)" = 1 ] || fail "retry not answered from the store"

step "a duplicate: the first referrer keeps the credit"
run dup 0 "${card[@]/Acme Widgets/DUP Acme}"
expect dup "is a duplicate: already handed in on 2024-03-02 as lead L-first"
expect dup "credit"

step "field errors: one per line with the hint, exit 1, nothing left in the spool"
bad=(--station S1 --employee E1 --program clerks-care --business "Acme Widgets"
     --zip 0213 --contact "Ana Ruiz" --product eddm --key key-invalid-card)
run invalid 1 "${bad[@]}"
expect invalid "Card not entered; fix these fields and hand it in again:"
expect invalid "  zip: the ZIP code is not 5 digits or ZIP+4 (hint: write 12345 or 12345-6789)"
expect invalid "  contact: neither a phone nor an email (hint: give a phone or an email)"
[ "$(spool_count)" = 0 ] || fail "an invalid card stays in the spool"

step "flush: empty spool"
run flush-empty 0 flush
expect flush-empty "The spool is empty"

step "flush: two cards spooled while down, sent once each; a second flush sends nothing"
stop_server
run down1 3 "${card[@]/Acme Widgets/Cargo One}" --key key-flush-one
run down2 3 "${card[@]/Acme Widgets/Cargo Two}" --key key-flush-two
[ "$(spool_count)" = 2 ] || fail "spool should hold 2 cards"
run flush-down 3 flush
expect flush-down "The cards are saved on this terminal"
[ "$(spool_count)" = 2 ] || fail "a failed flush lost cards"
start_fake
run flush 0 flush
expect flush "Flushed 2 of 2 cards: 2 entered"
run flush2 0 flush
expect flush2 "The spool is empty"
[ "$(log_count stored key-flush-one)" = 1 ] || fail "key-flush-one not stored once"
[ "$(log_count stored key-flush-two)" = 1 ] || fail "key-flush-two not stored once"
echo "PASS"
