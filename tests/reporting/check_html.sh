#!/usr/bin/env bash
# Renders each HTML report in headless Chromium and checks the DOM it
# built: the report's tables (with header and body rows) and its SVG charts
# (bars or a line, and the target line where there is a target); and that a
# screenshot comes out. Usage: check_html.sh REPORTING_URL WORKDIR
set -euo pipefail
url=${1:?}; work=${2:?}
here=$(cd "$(dirname "$0")" && pwd)
chrome=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chrome" ] || { echo "chromium is not installed: run scripts/install-deps.sh" >&2; exit 1; }
mkdir -p "$work"
export LEADLINE_REPORTING_URL=$url
"$LEADLINE_BIN" report station --station S-E1A --period FY2027P05 --out "$work/station.html"
"$LEADLINE_BIN" report carrier --employee E050 --from 2026-10-01 --to 2026-12-20 --out "$work/carrier.html"
"$LEADLINE_BIN" report district --district D-EAST --quarter FY2027Q1 --out "$work/district.html"
"$LEADLINE_BIN" report campaign --fy 2027 --out "$work/campaign.html"
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
       --disable-component-update --disable-sync --no-first-run
       --user-data-dir="$work/profile")
for r in station carrier district campaign; do
  timeout 120 "$chrome" "${flags[@]}" --dump-dom "file://$work/$r.html" \
      >"$work/$r.dom.html" 2>>"$work/chromium.log"
  timeout 120 "$chrome" "${flags[@]}" --window-size=1100,1600 --screenshot="$work/$r.png" \
      "file://$work/$r.html" >>"$work/chromium.log" 2>&1
done
python3 "$here/check_dom.py" "$work"
