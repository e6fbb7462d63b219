#!/usr/bin/env bash
# Interactive mode driven through a pipe: a bad program is asked again at
# once; intake's field errors bring back only the failing fields (the card
# keeps its key, INVALID stores nothing); a second card keeps the employee;
# intake down spools the card (exit 3); input ending mid-card is exit 1.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$@"

# interact NAME EXPECTED_RC ARGS... < answers
interact() {
  local name=$1 want=$2; shift 2
  local rc=0
  "$LEADLINE" terminal interactive "$@" >"$T/$name.out" 2>"$T/$name.err" || rc=$?
  if [ "$rc" != "$want" ]; then
    cat "$T/$name.out" "$T/$name.err"; fail "$name: exit code $rc, expected $want"
  fi
}

start_fake
step "two cards, with errors fixed along the way"
interact two 0 --station S1 <<'ANSWERS'
E1
carrier
clerks-care
2024-05-01T10:00Z
Acme Widgets
1 Main St
0213
Ana Ruiz


pm, eddm

02134

617-555-0100

y

rural-reach

DUP Corner

02134
Bo
6175550101

ground
call after 3
n
ANSWERS
expect two "Leadline station terminal: station S1"
expect two "! 'carrier' is not a program (hint: use one of: customer-connect"
expect two "  zip: the ZIP code is not 5 digits or ZIP+4 (hint: write 12345 or 12345-6789)"
expect two "  contact: neither a phone nor an email (hint: give a phone or an email)"
expect two "Correct the fields above:"
expect two "Lead L-1 entered, assigned to Pat Doe (R100)"
expect two "Employee ID [E1]: "
expect two "Lead L-2 is a duplicate: already handed in on 2024-03-02"
[ "$(grep -c '^Business name \[' "$T/two.out")" = 2 ] || fail "business asked again after intake's errors"
[ "$(grep -c '^ZIP code \[' "$T/two.out")" = 3 ] || fail "ZIP not asked again"
key=$(awk '/^invalid /{print $2}' "$T/fake.log")
[ -n "$key" ] && [ "$(log_count stored "$key")" = 1 ] || fail "the corrected card did not keep its key"
[ "$(spool_count)" = 0 ] || fail "spool not empty"

step "intake down: the card is spooled, exit 3"
stop_server
interact down 3 --station S1 --employee E7 --timeout-ms 500 <<'ANSWERS'
E7
customer-connect
now
Down Deli

02134
Cy
6175550102

pm


n
ANSWERS
expect down "Not delivered: no answer from intake"
expect down "will be sent when intake returns"
[ "$(spool_count)" = 1 ] || fail "the card was not spooled"

step "input ends in the middle of a card: exit 1; at the start: exit 0"
printf 'E1\nclerks-care\n' | { "$LEADLINE" terminal interactive --station S1 >"$T/eof.out" 2>&1 && fail "eof: expected exit 1" || [ $? = 1 ] || fail "eof: expected exit 1"; }
expect eof "Card 1 not handed in (input ended)."
"$LEADLINE" terminal interactive --station S1 </dev/null >"$T/empty.out" 2>&1 || fail "empty input: expected exit 0"
[ "$(spool_count)" = 1 ] || fail "an unfinished card was spooled"
echo "PASS"
