#!/usr/bin/env python3
"""Compares a run's reports with the golden files: byte for byte, and for
CSV also as records read by Python's csv module (every record the same
width, header rows naming each table's columns), for JSON as parsed
documents. Usage: check_golden.py GOLDEN_DIR RUN_DIR"""
import csv
import difflib
import io
import json
import os
import sys

golden, run = sys.argv[1], sys.argv[2]
bad = 0
files = sorted(os.listdir(golden))
if len(files) != 16:
    print(f"expected 16 golden files (4 reports x 4 formats), found {len(files)}")
    bad += 1
for name in files:
    want = open(os.path.join(golden, name), "rb").read()
    path = os.path.join(run, name)
    if not os.path.exists(path):
        print(f"{name}: not produced")
        bad += 1
        continue
    got = open(path, "rb").read()
    if name.endswith(".csv"):
        for label, data in (("golden", want), ("run", got)):
            rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
            widths = {len(r) for r in rows}
            if len(widths) != 1 or rows[0][:2] != ["section", "kind"]:
                print(f"{name} ({label}): not a uniform CSV: widths {widths}, header {rows[0][:2]}")
                bad += 1
            sections = {r[0] for r in rows[1:] if r[1] == "row"}
            headers = {r[0] for r in rows[1:] if r[1] == "header"}
            if not sections <= headers:
                print(f"{name} ({label}): rows without a header: {sections - headers}")
                bad += 1
        if list(csv.reader(io.StringIO(want.decode(), newline=""))) != \
                list(csv.reader(io.StringIO(got.decode(), newline=""))):
            print(f"{name}: CSV records differ")
    if name.endswith(".json") and json.loads(want) != json.loads(got):
        print(f"{name}: JSON documents differ")
    if want != got:
        bad += 1
        print(f"{name}: differs from the golden file")
        diff = difflib.unified_diff(want.decode().splitlines(), got.decode().splitlines(),
                                    "golden/" + name, "run/" + name, lineterm="", n=1)
        for i, line in enumerate(diff):
            if i > 40:
                print("...")
                break
            print(line[:200])
    else:
        print(f"{name}: ok")
sys.exit(1 if bad else 0)
