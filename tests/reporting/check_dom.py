#!/usr/bin/env python3
"""Checks the DOM Chromium built for each HTML report (WORK/KIND.dom.html)
and its screenshot (WORK/KIND.png). Usage: check_dom.py WORK"""
import os
import struct
import sys
from html.parser import HTMLParser

EXPECT = {
    "station": (["by_program", "by_product", "participation", "top_submitters", "past_deadline"],
                ["participation", "deadlines", "leads_over_time"]),
    "carrier": (["leads", "totals"], ["deadlines", "outcomes"]),
    "district": (["ranking", "doing_well", "not_doing_well", "mandates"],
                 ["participation", "deadlines", "leads_over_time"]),
    "campaign": (["summary", "by_district", "by_office", "by_craft", "by_program", "trend"],
                 ["participation", "deadlines", "leads_over_time"]),
}
TARGETED = {"participation", "deadlines"}


class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables = {}      # id -> {"th": n, "rows": n}
        self.charts = {}      # id -> {"svg": n, "bars": n, "line": n, "target": n}
        self.table = None
        self.chart = None
        self.section = None
        self.depth = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "table" and "report-table" in cls:
            self.table = a.get("id", "").removeprefix("table-")
            self.tables[self.table] = {"th": 0, "rows": 0}
        elif tag == "figure" and "chart" in cls:
            self.chart = a.get("id", "").removeprefix("chart-")
            self.charts[self.chart] = {"svg": 0, "bars": 0, "line": 0, "target": 0}
        elif tag in ("thead", "tbody"):
            self.section = tag
        elif tag == "th" and self.table:
            self.tables[self.table]["th"] += 1
        elif tag == "tr" and self.table and self.section == "tbody":
            self.tables[self.table]["rows"] += 1
        elif self.chart:
            c = self.charts[self.chart]
            if tag == "svg":
                c["svg"] += 1
            elif tag == "rect" and "bar" in cls:
                c["bars"] += 1
            elif tag == "polyline":
                c["line"] += 1
            elif tag == "line" and "target" in cls:
                c["target"] += 1

    def handle_endtag(self, tag):
        if tag == "table":
            self.table = None
        elif tag == "figure":
            self.chart = None


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


work = sys.argv[1]
bad = 0
for kind, (tables, charts) in EXPECT.items():
    dom = Dom()
    with open(os.path.join(work, f"{kind}.dom.html"), encoding="utf-8") as f:
        text = f.read()
    dom.feed(text)
    if "<svg" not in text:
        print(f"{kind}: Chromium's DOM has no SVG at all")
        bad += 1
    for t in tables:
        got = dom.tables.get(t)
        if not got or got["th"] == 0 or got["rows"] == 0:
            print(f"{kind}: table {t} missing or empty in the DOM: {got}")
            bad += 1
    for c in charts:
        got = dom.charts.get(c)
        if not got or got["svg"] != 1 or (got["bars"] == 0 and got["line"] == 0):
            print(f"{kind}: chart {c} missing or without bars in the DOM: {got}")
            bad += 1
        elif c in TARGETED and got["target"] != 1:
            print(f"{kind}: chart {c} has no target line: {got}")
            bad += 1
    size = png_size(os.path.join(work, f"{kind}.png"))
    if not size or size[0] < 800 or os.path.getsize(os.path.join(work, f"{kind}.png")) < 20000:
        print(f"{kind}: no usable screenshot ({size})")
        bad += 1
    print(f"{kind}: {len(dom.tables)} tables, {len(dom.charts)} charts in Chromium's DOM; "
          f"screenshot {size[0] if size else 0}x{size[1] if size else 0}")
sys.exit(1 if bad else 0)
