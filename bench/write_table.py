"""Writes the figures of one `bench/run all` into docs/performance.md,
between the bench-all markers, as a table with the machine's core count."""
import datetime
import sys

results, doc, cores = sys.argv[1], sys.argv[2], sys.argv[3]
rows = []
for line in open(results):
    parts = line.split()
    if len(parts) >= 4 and parts[1] == "figure":
        rows.append(f"| {parts[0]} | {parts[2]} | {parts[3]} {' '.join(parts[4:])} |")
    elif len(parts) >= 4 and parts[1] == "ratio":
        rows.append(f"| {parts[0]} | ratio {parts[2]} | {parts[3]} |")
stamp = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")
block = "\n".join([
    "<!-- bench-all:start -->",
    f"Last `bench/run all`: {stamp}, {cores} cores.",
    "",
    "| benchmark | figure | value |",
    "|---|---|---|",
    *rows,
    "<!-- bench-all:end -->",
])
text = open(doc).read()
start, end = text.find("<!-- bench-all:start -->"), text.find("<!-- bench-all:end -->")
if start >= 0 and end > start:
    text = text[:start] + block + text[end + len("<!-- bench-all:end -->"):]
else:
    text = text.rstrip("\n") + "\n\n## All benchmarks (`bench/run all`)\n\n" + block + "\n"
open(doc, "w").write(text)
