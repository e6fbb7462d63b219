#!/usr/bin/env bash
# Many cards from CSV and JSON files against fake_intake, which answers out
# of order: the summary counts entered, duplicates and rejected (with their
# lines), progress shows on stderr, a second run of the same file enters
# nothing twice (keys derived from the cards), and a file handed in while
# intake is down is spooled whole and delivered once by flush.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$@"

# 1000 cards: every 100th has a bad ZIP (intake rejects it), 4 are
# duplicates, line 557 names an unknown program (the terminal rejects it)
awk 'BEGIN {
  print "employee,program,Card Time,business,address,zip,contact,phone,products,notes"
  for (i = 1; i <= 1000; i++) {
    zip = sprintf ("%05d", i); program = "clerks-care"; business = "Business " i
    if (i % 100 == 0) zip = "123"
    if (i % 250 == 7) business = "DUP Business " i
    if (i == 556) program = "carrier-connect"
    printf "E%d,%s,2024-05-01T10:00Z,\"%s\",\"%d Main St, Suite 2\",%s,Pat,617555%04d,\"priority-mail;eddm\",\"note, with comma\"\n", i % 7, program, business, i, zip, i
  }
}' >"$T/cards.csv"

start_fake FAKE_REVERSE=1
step "1000 cards, 64 in flight, answered out of order"
run csv 1 --file "$T/cards.csv" --station S1 --in-flight 64
expect csv "cards.csv: 1000 cards: 985 entered, 4 duplicates, 11 rejected (lines 101, 201, 301, 401, 501, 557, 601, 701, 801, 901, 1001), 0 spooled"
expect csv "line 557: program: 'carrier-connect' is not a program (hint: use one of:"
expect csv "line 101: zip: the ZIP code is not 5 digits or ZIP+4 (hint: write 12345 or 12345-6789)"
expect csv "line 8: Lead L-"
expect csv "is a duplicate"
expect_not csv "Business 2\" entered"
expect_err csv "1000/1000 cards answered"
stored=$(grep -c '^stored ' "$T/fake.log")
[ "$stored" = 989 ] || fail "expected 989 cards stored, fake intake stored $stored"
[ "$(spool_count)" = 0 ] || fail "spool not empty after the file"

step "the same file again: the same keys, nothing entered twice"
run csv-again 1 --file "$T/cards.csv" --station S1
expect csv-again "985 entered, 4 duplicates, 11 rejected"
stored=$(grep -c '^stored ' "$T/fake.log")
[ "$stored" = 989 ] || fail "second run stored new cards ($stored stored)"
[ "$(grep -c '^replayed ' "$T/fake.log")" = 989 ] || fail "second run not answered from the store"

step "JSON"
cat >"$T/cards.json" <<'JSON'
[
  {"station": "S1", "employee": "E1", "program": "rural-reach", "business": "Json One",
   "zip": "02134", "phone": "617-555-0199", "products": ["ground", "po-box"]},
  {"station": "S1", "employee": "E1", "program": "rural-reach", "business": "Json Two",
   "zip": "02134", "email": "two@json.example", "products": "eddm"},
  {"station": "S1", "employee": "E1", "program": "rural-reach", "business": "",
   "zip": "02134", "phone": "617-555-0198"}
]
JSON
run json 1 --file "$T/cards.json" --verbose
expect json "line 2: Lead L-"
expect json "line 4: Lead L-"
expect json "line 6: business: the business name is missing"
expect json "3 cards: 2 entered, 0 duplicates, 1 rejected (line 6), 0 spooled"
"$LEADLINE" terminal --file - --format json <"$T/cards.json" >"$T/stdin.out" 2>&1 && fail "stdin: expected exit 1"
expect stdin "3 cards: 2 entered"

step "a broken file: nothing sent, exit 2, the line named"
printf 'zip,phnoe\n1,2\n' >"$T/bad.csv"
run badcsv 2 --file "$T/bad.csv"
expect_err badcsv "bad.csv:1, column 2: unknown column 'phnoe'"
printf '[{"zip": "1",}]' >"$T/bad.json"
run badjson 2 --file "$T/bad.json"
expect_err badjson "bad.json: line 1, column 14: a trailing comma"
run missing 2 --file "$T/none.csv"
expect_err missing "cannot open"

step "intake down: the whole file is spooled, then flushed once"
stop_server
head -51 "$T/cards.csv" | sed 's/2024-05-01T10:00Z/2024-05-02T10:00Z/' >"$T/fifty.csv"
run fifty-down 3 --file "$T/fifty.csv" --station S1
expect fifty-down "fifty.csv: 50 cards: 0 entered, 0 duplicates, 0 rejected, 50 spooled"
expect fifty-down "The cards are saved on this terminal"
[ "$(spool_count)" = 50 ] || fail "expected 50 spooled cards, found $(spool_count)"
start_fake
before=$(grep -c '^stored ' "$T/fake.log")
run fifty-flush 0 flush
expect fifty-flush "Flushed 50 of 50 cards: 49 entered, 1 duplicate, 0 rejected, 0 held; 0 still waiting."
expect_not fifty-flush "(Business 3): Lead"   # more than 20: problems and duplicates only
after=$(grep -c '^stored ' "$T/fake.log")
[ $((after - before)) = 50 ] || fail "flush stored $((after - before)) cards, expected 50"
dups=$(grep '^stored ' "$T/fake.log" | sort | uniq -d | wc -l)
[ "$dups" = 0 ] || fail "$dups keys stored twice"
run fifty-flush2 0 flush
expect fifty-flush2 "The spool is empty"
echo "PASS"
