#!/usr/bin/env bash
# `leadline admin keys`: generate writes FILE and FILE_secret (0600) and
# registers the public key; list shows it; revoke by key and by subject.
# Run under tests/lib/with-pg with LEADLINE_BIN set.
set -uo pipefail
fail=0
check() { if ! eval "$1"; then echo "FAIL: $2" >&2; fail=1; fi; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/llkeys.XXXXXX")
trap 'rm -rf "$dir"' EXIT
bin=$LEADLINE_BIN

out=$("$bin" admin keys generate --kind terminal --subject S-100 --out "$dir/t1")
check '[ $? -eq 0 ]' "generate failed: $out"
check '[ -f "$dir/t1" ] && [ -f "$dir/t1_secret" ]' "key files not written"
check '[ "$(stat -c %a "$dir/t1_secret")" = 600 ]' "secret mode is $(stat -c %a "$dir/t1_secret")"
pub=$(grep -o 'public-key = "[^"]*"' "$dir/t1" | cut -d'"' -f2)
check '[ ${#pub} -eq 40 ]' "no public key in $dir/t1"
check '! grep -q secret-key "$dir/t1"' "the public file holds the secret"
secret=$(grep -o 'secret-key = "[^"]*"' "$dir/t1_secret" | cut -d'"' -f2)
check '! printf "%s" "$out" | grep -qF "$secret"' "generate printed the secret"
"$bin" admin keys generate --kind person --subject R-7 --out "$dir/p1" >/dev/null
"$bin" admin keys generate --kind person --subject R-7 --out "$dir/p2" >/dev/null

"$bin" admin keys generate --kind terminal --subject S-100 --out "$dir/t1" >/dev/null 2>&1
check '[ $? -eq 1 ]' "generate overwrote an existing key"
"$bin" admin keys generate --kind robot --subject X --out "$dir/x" >/dev/null 2>&1
check '[ $? -eq 2 ]' "kind robot accepted"

list=$("$bin" admin keys list)
row=$(printf "%s\n" "$list" | grep -F -- "$pub")
check 'printf "%s" "$row" | grep -q "  terminal  S-100 .* -$"' "list: $list"

"$bin" admin keys revoke "$pub" >/dev/null
check '[ $? -eq 0 ]' "revoke by key failed"
"$bin" admin keys revoke "$pub" >/dev/null 2>&1
check '[ $? -eq 1 ]' "revoking twice succeeded"
out=$("$bin" admin keys revoke --subject R-7)
check 'printf "%s" "$out" | grep -q "revoked 2 keys"' "revoke by subject: $out"
live=$(psql "$LEADLINE_DB" -Atc "SELECT count(*) FROM auth.keys WHERE revoked_at IS NULL")
check '[ "$live" = 0 ]' "$live keys still live"
list=$("$bin" admin keys list)
check '! printf "%s\n" "$list" | grep -q " -$"' "list still shows live keys: $list"

# Z85 keys may begin with '-' (1 in 85): such a key is still revoked by key.
dash='-j<wnKEQf#i0q]358En9lH3a@hup0<X8P{cFZL9O'
psql "$LEADLINE_DB" -qAtc "INSERT INTO auth.keys (public_key, kind, subject) VALUES ('$dash', 'terminal', 'S-DASH')"
"$bin" admin keys revoke "$dash" >/dev/null
check '[ $? -eq 0 ]' "a key beginning with '-' was not revoked by key"
"$bin" admin keys revoke -- "$dash" >/dev/null 2>&1
check '[ $? -eq 1 ]' "revoke -- KEY of a revoked key did not say so"
"$bin" admin keys revoke -x >/dev/null 2>&1
check '[ $? -eq 2 ]' "an unknown option was taken for a key"

[ $fail -eq 0 ] && echo "admin keys: ok"
exit $fail
