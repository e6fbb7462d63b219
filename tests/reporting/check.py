#!/usr/bin/env python3
"""Checks leadline-reporting's state and answers after a data set was fed:

  1. reporting.lead_fact equals the data set's truth, lead by lead;
  2. every roll-up equals its from-scratch computation over lead_fact
     (the *_from_facts views), row by row, both ways;
  3. the fiscal terms SQL computes equal an independent Python calendar;
  4. with --reports: the station, district, campaign and carrier reports
     (JSON over HTTP) equal plain SQL over the raw lead facts.

Exit 0 if everything matches; otherwise it prints what differs and exits 1.
"""
import argparse
import datetime as dt
import json
import math
import os
import subprocess
import sys
import urllib.parse
import urllib.request

DB = os.environ["LEADLINE_DB"]
problems = []


def psql(sql, *params):
    """Rows of a query; values as text ('' for NULL). Parameters are passed
    as psql variables and quoted by psql (:'v1' ...)."""
    args = ["psql", DB, "-qAtX", "-v", "ON_ERROR_STOP=1", "-F", "\t"]
    for i, p in enumerate(params):
        args += ["-v", f"v{i + 1}={p}"]
    out = subprocess.run(args, input=sql, capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"psql failed: {out.stderr}\n{sql}")
    return [line.split("\t") for line in out.stdout.splitlines() if line != ""]


def problem(msg):
    problems.append(msg)
    if len(problems) <= 40:
        print("MISMATCH:", msg)


def get_json(url, path, **params):
    q = urllib.parse.urlencode({**params, "format": "json"})
    with urllib.request.urlopen(f"{url}{path}?{q}", timeout=60) as r:
        return json.load(r)


def table(report, tid):
    for t in report["tables"]:
        if t["id"] == tid:
            return t["rows"]
    raise KeyError(tid)


def share(num, den):
    if den == 0:
        return None
    return math.floor(abs(100.0 * num / den) * 10 + 0.5) / 10


def same_share(got, num, den):
    want = share(num, den)
    if want is None or got is None:
        return want is None and got is None
    return abs(got - want) < 0.051


# --- the fiscal calendar, independently of the C and SQL ones
def fiscal_year(d):
    return d.year + (1 if d.month >= 10 else 0)


def fy_start(fy):
    return dt.date(fy - 1, 10, 1)


def period(fy, k):
    start = fy_start(fy) + dt.timedelta(days=14 * (k - 1))
    end = dt.date(fy, 9, 30) if k == 26 else start + dt.timedelta(days=13)
    return f"FY{fy}P{k:02d}", start, end


def period_of(d):
    fy = fiscal_year(d)
    k = min(26, (d - fy_start(fy)).days // 14 + 1)
    return period(fy, k)


def quarter(fy, q):
    first = {1: (fy - 1, 10), 2: (fy, 1), 3: (fy, 4), 4: (fy, 7)}[q]
    start = dt.date(first[0], first[1], 1)
    nm = (first[1] + 3 - 1) % 12 + 1
    ny = first[0] + (1 if first[1] + 3 > 12 else 0)
    return f"FY{fy}Q{q}", start, dt.date(ny, nm, 1) - dt.timedelta(days=1)


def check_facts(truth_path):
    truth = {}
    with open(truth_path) as f:
        for line in f:
            row = line.rstrip("\n").split("\t")
            truth[row[0]] = row
    got = psql("""
        SELECT lead_id, coalesce(employee_id, ''), coalesce(station_id, ''),
               coalesce(office_id, ''), coalesce(district_id, ''), program, card_day,
               CASE WHEN duplicate THEN 't' ELSE 'f' END, outcome,
               CASE WHEN outcome = 1 THEN revenue_cents ELSE 0 END,
               coalesce((extract(epoch FROM contacted_at) * 1000000)::bigint::text, ''),
               CASE entry_on_time WHEN true THEN 't' WHEN false THEN 'f' ELSE '' END,
               CASE contact_on_time WHEN true THEN 't' WHEN false THEN 'f' ELSE '' END,
               CASE WHEN entry_breached THEN 't' ELSE 'f' END,
               CASE WHEN contact_breached THEN 't' ELSE 'f' END,
               coalesce(rep_id, ''), reassignments, escalation_level
          FROM reporting.lead_fact ORDER BY lead_id""")
    names = ["lead", "employee", "station", "office", "district", "program", "card_day",
             "duplicate", "outcome", "revenue", "contacted_us", "entry_on_time",
             "contact_on_time", "entry_breached", "contact_breached", "rep",
             "reassignments", "escalation"]
    seen = set()
    for row in got:
        seen.add(row[0])
        want = truth.get(row[0])
        if not want:
            problem(f"lead {row[0]} is in lead_fact but not in the data set")
            continue
        for i, name in enumerate(names):
            if row[i] != want[i]:
                problem(f"lead {row[0]} {name}: stored {row[i]!r}, data set {want[i]!r}")
    for lid in truth:
        if lid not in seen:
            problem(f"lead {lid} of the data set is missing from lead_fact")
    print(f"facts: {len(got)} leads compared with the data set")


ROLLUPS = {
    "rollup_day": "cards originals duplicates entry_on_time entry_late contacted "
                  "contact_on_time contact_late won lost no_interest revenue_cents "
                  "entry_breached contact_breached reassigned",
    "rollup_product_day": "cards originals won",
    "rollup_term_station": "cards originals duplicates entry_on_time entry_late contacted "
                           "contact_on_time contact_late won lost no_interest revenue_cents "
                           "entry_breached contact_breached reassigned",
    "rollup_term_employee": "cards originals won revenue_cents",
    "rollup_won_day": "won revenue_cents",
    # One row per station and period: the lead count and keyed lists of
    # sums (migration 002); a key is listed while one of its sums is not 0,
    # in key order, so equal rows mean equal lists.
    "rollup_station_period": "cards",
}
# Rows that hold something, and rows with a negative sum, where the
# measures above do not say it all.
KEPT = {
    "rollup_station_period": "cards <> 0 OR programs <> '{}' OR products <> '{}' "
                             "OR employees <> '{}'",
}
NEGATIVE = {
    "rollup_station_period": "cards < 0 OR 0 > ANY (program_measures) "
                             "OR 0 > ANY (product_measures) OR 0 > ANY (employee_measures)",
}


def check_rollups():
    for name, measures in ROLLUPS.items():
        nonzero = KEPT.get(name) or " OR ".join(f"{m} <> 0" for m in measures.split())
        rows = psql(f"""
            WITH kept AS (SELECT * FROM reporting.{name} WHERE {nonzero}),
                 scratch AS (SELECT * FROM reporting.{name}_from_facts)
            SELECT (SELECT count(*) FROM kept), (SELECT count(*) FROM scratch),
                   (SELECT count(*) FROM (SELECT * FROM kept EXCEPT ALL SELECT * FROM scratch) a),
                   (SELECT count(*) FROM (SELECT * FROM scratch EXCEPT ALL SELECT * FROM kept) b)""")
        kept, scratch, extra, missing = (int(x) for x in rows[0])
        if extra or missing or kept != scratch:
            problem(f"{name}: {kept} incremental rows, {scratch} from scratch; "
                    f"{extra} only incremental, {missing} only from scratch")
        print(f"roll-up {name}: {kept} rows, equal to the from-scratch computation"
              if not (extra or missing) else f"roll-up {name}: DIFFERS")
        neg = psql(f"SELECT count(*) FROM reporting.{name} WHERE " +
                   (NEGATIVE.get(name) or " OR ".join(f"{m} < 0" for m in measures.split())))
        if neg[0][0] != "0":
            problem(f"{name}: {neg[0][0]} rows with a negative measure")


def check_terms():
    rows = psql("""SELECT d, reporting.term_fy(d), reporting.term_quarter(d), reporting.term_period(d)
                     FROM generate_series(date '2025-09-01', date '2028-10-05', interval '1 day') g,
                          LATERAL (SELECT g::date AS d) x""")
    for d, fy, q, p in rows:
        day = dt.date.fromisoformat(d)
        fyy = fiscal_year(day)
        qq = {10: 1, 11: 1, 12: 1, 1: 2, 2: 2, 3: 2, 4: 3, 5: 3, 6: 3, 7: 4, 8: 4, 9: 4}[day.month]
        if fy != f"FY{fyy}" or q != f"FY{fyy}Q{qq}" or p != period_of(day)[0]:
            problem(f"terms of {d}: SQL {fy} {q} {p}, expected FY{fyy} FY{fyy}Q{qq} {period_of(day)[0]}")
    print(f"terms: {len(rows)} days agree with the calendar")


MEASURE_SQL = """count(*), count(*) FILTER (WHERE duplicate),
    count(*) FILTER (WHERE entry_on_time), count(*) FILTER (WHERE NOT duplicate),
    count(*) FILTER (WHERE contact_on_time),
    count(*) FILTER (WHERE NOT duplicate AND outcome = 1),
    count(*) FILTER (WHERE NOT duplicate AND outcome = 2),
    count(*) FILTER (WHERE NOT duplicate AND outcome = 3),
    coalesce(sum(revenue_cents) FILTER (WHERE NOT duplicate AND outcome = 1), 0)"""


def cents(v):
    return round(v * 100)


def compare_measures(what, got, raw):
    leads, dups, entry_ok, originals, contact_ok, won, lost, noint, revenue = (int(x) for x in raw)
    if got["leads"] != leads or got.get("duplicates", dups) != dups or got["won"] != won \
            or cents(got["revenue"]) != revenue:
        problem(f"{what}: leads/dups/won/revenue {got['leads']}/{got.get('duplicates')}/"
                f"{got['won']}/{got['revenue']} but raw SQL {leads}/{dups}/{won}/{revenue / 100}")
    if "lost" in got and (got["lost"] != lost or got["no_interest"] != noint):
        problem(f"{what}: lost/no interest {got['lost']}/{got['no_interest']}, raw {lost}/{noint}")
    if not same_share(got["entered_24h"], entry_ok, leads):
        problem(f"{what}: entered within 24 h {got['entered_24h']}, raw {entry_ok}/{leads}")
    if not same_share(got["contacted_48h"], contact_ok, originals):
        problem(f"{what}: contacted within 48 h {got['contacted_48h']}, raw {contact_ok}/{originals}")
    if "conversion" in got and not same_share(got["conversion"], won, won + lost + noint):
        problem(f"{what}: conversion {got['conversion']}, raw {won}/{won + lost + noint}")


PROGRAMS = {1: "Customer Connect", 2: "Clerks Care", 3: "Mail Handlers", 4: "Rural Reach",
            5: "Business Connect", 6: "Submit a Lead"}


def check_station(url, station, term, start, end, now_us):
    rep = get_json(url, "/reports/station", station=station, period=term)
    rows = {r["program"]: r for r in table(rep, "by_program")}
    raw = psql(f"""SELECT program, {MEASURE_SQL} FROM reporting.lead_fact
                   WHERE station_id = :'v1' AND card_day BETWEEN :'v2' AND :'v3'
                   GROUP BY program ORDER BY program""", station, start, end)
    total = [0] * 9
    for r in raw:
        name = PROGRAMS[int(r[0])]
        if name not in rows:
            problem(f"station {station} {term}: program {name} missing")
            continue
        compare_measures(f"station {station} {term} {name}", rows[name], r[1:])
        total = [a + int(b) for a, b in zip(total, r[1:])]
    if raw:
        compare_measures(f"station {station} {term} all", rows["All programs"], total)
    elif rows and rows.get("All programs", {}).get("leads"):
        problem(f"station {station} {term}: report has leads, raw SQL none")
    part = table(rep, "participation")[0]
    raw = psql("""SELECT (SELECT count(*) FROM org.employees WHERE station_id = :'v1'),
                         (SELECT count(DISTINCT employee_id) FROM reporting.lead_fact
                           WHERE station_id = :'v1' AND NOT duplicate
                             AND card_day BETWEEN :'v2' AND :'v3')""", station, start, end)[0]
    if part["headcount"] != int(raw[0]) or part["participants"] != int(raw[1]):
        problem(f"station {station} {term}: participation {part['participants']}/{part['headcount']}"
                f", raw {raw[1]}/{raw[0]}")
    top = [(r["employee"], r["leads"], r["won"], cents(r["revenue"]))
           for r in table(rep, "top_submitters")]
    raw = psql("""SELECT employee_id, count(*), count(*) FILTER (WHERE outcome = 1),
                         coalesce(sum(revenue_cents) FILTER (WHERE outcome = 1), 0)
                    FROM reporting.lead_fact
                   WHERE station_id = :'v1' AND NOT duplicate AND card_day BETWEEN :'v2' AND :'v3'
                   GROUP BY employee_id ORDER BY 2 DESC, 3 DESC, 4 DESC, 1 LIMIT 10""",
               station, start, end)
    if top != [(r[0], int(r[1]), int(r[2]), int(r[3])) for r in raw]:
        problem(f"station {station} {term}: top submitters {top}, raw {raw}")
    prods = {(r["program"], r["product"]): (r["leads"], r["originals"], r["won"])
             for r in table(rep, "by_product")}
    raw = psql("""SELECT program, p, count(*), count(*) FILTER (WHERE NOT duplicate),
                         count(*) FILTER (WHERE NOT duplicate AND outcome = 1)
                    FROM reporting.lead_fact, unnest(products) p
                   WHERE station_id = :'v1' AND card_day BETWEEN :'v2' AND :'v3'
                   GROUP BY 1, 2""", station, start, end)
    names = {1: "Priority Mail", 2: "Priority Mail Express", 3: "Ground", 4: "Direct Mail",
             5: "EDDM", 6: "First-Class Mail", 7: "International", 8: "PO Box"}
    want = {(PROGRAMS[int(r[0])], names[int(r[1])]): (int(r[2]), int(r[3]), int(r[4])) for r in raw}
    if prods != want:
        problem(f"station {station} {term}: by product {prods}, raw {want}")
    over = psql("""SELECT count(*) FROM reporting.lead_fact
                    WHERE station_id = :'v1' AND contacted_at IS NULL AND outcome = 0
                      AND NOT duplicate AND entered_at IS NOT NULL
                      AND (contact_breached OR entered_at + interval '48 hours'
                           < timestamptz 'epoch' + :'v2'::bigint * interval '1 microsecond')""",
                station, now_us)[0][0]
    shown = len(table(rep, "past_deadline"))
    if shown != min(50, int(over)):
        problem(f"station {station}: {shown} leads past deadline shown, raw SQL {over}")
    return rep


def check_district(url, district, fy, q):
    term, start, end = quarter(fy, q)
    rep = get_json(url, "/reports/district", district=district, quarter=term)
    ranking = {r["office"]: r for r in table(rep, "ranking") if r["office"]}
    raw = psql(f"""SELECT o.id, {MEASURE_SQL.replace('count(*)', 'count(f.lead_id)')},
                          (SELECT count(*) FROM org.employees e JOIN org.stations s ON s.id = e.station_id
                            WHERE s.office_id = o.id),
                          count(DISTINCT f.employee_id) FILTER (WHERE NOT duplicate)
                     FROM org.offices o LEFT JOIN reporting.lead_fact f
                       ON f.office_id = o.id AND f.card_day BETWEEN :'v2' AND :'v3'
                    WHERE o.district_id = :'v1' GROUP BY o.id ORDER BY o.id""",
               district, start.isoformat(), end.isoformat())
    if len(raw) != len(ranking):
        problem(f"district {district} {term}: {len(ranking)} offices ranked, raw {len(raw)}")
    for r in raw:
        got = ranking.get(r[0])
        if not got:
            problem(f"district {district} {term}: office {r[0]} not ranked")
            continue
        compare_measures(f"district {district} {term} office {r[0]}", got, r[1:10])
        if not same_share(got["participation"], int(r[11]), int(r[10])):
            problem(f"district {district} {term} office {r[0]}: participation "
                    f"{got['participation']}, raw {r[11]}/{r[10]}")
    scores = [r["score"] for r in table(rep, "ranking") if r["office"]]
    if scores != sorted(scores, reverse=True):
        problem(f"district {district} {term}: offices not in score order {scores}")
    return rep


def check_campaign(url, fy, district, asof):
    params = {"fy": str(fy)}
    if district:
        params["district"] = district
    rep = get_json(url, "/reports/campaign", **params)
    s = table(rep, "summary")[0]
    start, end = fy_start(fy).isoformat(), dt.date(fy, 9, 30).isoformat()
    raw = psql("""SELECT count(*), count(*) FILTER (WHERE NOT duplicate),
                         count(*) FILTER (WHERE NOT duplicate AND outcome = 1),
                         coalesce(sum(revenue_cents) FILTER (WHERE NOT duplicate AND outcome = 1), 0),
                         count(DISTINCT employee_id) FILTER (WHERE NOT duplicate),
                         (SELECT count(*) FROM org.employees e JOIN org.stations st ON st.id = e.station_id
                            JOIN org.offices o ON o.id = st.office_id
                           WHERE :'v3' = '' OR o.district_id = :'v3')
                    FROM reporting.lead_fact
                   WHERE card_day BETWEEN :'v1' AND :'v2' AND (:'v3' = '' OR district_id = :'v3')""",
               start, end, district or "")[0]
    want = [int(x) for x in raw]
    got = [s["leads"], s["originals"], s["won"], cents(s["revenue"]), s["participants"], s["headcount"]]
    if got != want:
        problem(f"campaign FY{fy} {district or 'all'}: leads/originals/won/revenue/participants/"
                f"headcount {got}, raw {want}")
    newrev = psql("""SELECT coalesce(round(sum(revenue_cents::numeric * (:'v2'::date - outcome_day + 1)) / 365), 0)
                       FROM reporting.lead_fact
                      WHERE NOT duplicate AND outcome = 1 AND card_day IS NOT NULL
                        AND outcome_day BETWEEN :'v1' AND :'v2' AND (:'v3' = '' OR district_id = :'v3')""",
                  start, min(asof, dt.date(fy, 9, 30)).isoformat(), district or "")[0][0]
    if cents(s["new_revenue"]) != int(newrev):
        problem(f"campaign FY{fy} {district or 'all'}: new revenue {s['new_revenue']}, raw {int(newrev) / 100}")
    trend = {r["period"]: r["leads"] for r in table(rep, "trend")}
    raw = psql("""SELECT reporting.term_period(card_day), count(*) FROM reporting.lead_fact
                   WHERE card_day BETWEEN :'v1' AND :'v2' AND (:'v3' = '' OR district_id = :'v3')
                   GROUP BY 1""", start, end, district or "")
    for term, n in raw:
        if trend.get(term, 0) != int(n):
            problem(f"campaign FY{fy} trend {term}: {trend.get(term)}, raw {n}")
    return rep


def check_carrier(url, employee, start, end):
    rep = get_json(url, "/reports/carrier", employee=employee, **{"from": start, "to": end})
    t = table(rep, "totals")[0]
    raw = psql(f"""SELECT {MEASURE_SQL}, count(*) FILTER (WHERE NOT duplicate AND outcome = 0)
                     FROM reporting.lead_fact
                    WHERE employee_id = :'v1' AND card_day BETWEEN :'v2' AND :'v3'""",
               employee, start, end)[0]
    compare_measures(f"carrier {employee}", t, raw[:9])
    if t["open"] != int(raw[9]) or len(table(rep, "leads")) != int(raw[0]):
        problem(f"carrier {employee}: open {t['open']} rows {len(table(rep, 'leads'))}, raw {raw[9]} {raw[0]}")


def check_reports(url, now):
    now_us = int(now.timestamp()) * 1_000_000
    stations = [r[0] for r in psql("SELECT id FROM org.stations ORDER BY id")]
    terms = [period(2026, 26)] + [period(2027, k) for k in range(1, 7)]
    n = 0
    for st in stations:
        for term, start, end in terms:
            check_station(url, st, term, start.isoformat(), end.isoformat(), now_us)
            n += 1
    print(f"station reports: {n} (station, period) pairs checked against plain SQL over lead_fact")
    for d in [r[0] for r in psql("SELECT id FROM org.districts ORDER BY id")]:
        check_district(url, d, 2027, 1)
        check_district(url, d, 2026, 4)
        check_campaign(url, 2027, d, now.date())
    check_campaign(url, 2027, "", now.date())
    print("district reviews and campaign reports checked against plain SQL over lead_fact")
    emps = [r[0] for r in psql("""SELECT employee_id FROM reporting.lead_fact
                                   GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 6""")]
    for e in emps:
        check_carrier(url, e, "2026-09-01", "2026-12-31")
    print(f"carrier reports: {len(emps)} employees checked against plain SQL over lead_fact")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--truth", required=True)
    ap.add_argument("--url")
    ap.add_argument("--now", required=True)
    ap.add_argument("--reports", action="store_true")
    a = ap.parse_args()
    now = dt.datetime.fromisoformat(a.now.replace("Z", "+00:00"))
    check_terms()
    check_facts(a.truth)
    check_rollups()
    if a.reports:
        check_reports(a.url, now)
    if problems:
        print(f"{len(problems)} mismatches")
        sys.exit(1)
    print("check: everything matches")


if __name__ == "__main__":
    main()
