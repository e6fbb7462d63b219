#!/usr/bin/env python3
"""Generates a reporting test data set, deterministically from a seed:

  org.sql     the organisation (districts in two time zones, offices,
              stations, employees of every craft, reps, coordinators),
              as INSERTs into schema org
  events.tsv  intake- and sla-shaped events for tests/reporting/rp_producer
  truth.tsv   what reporting.lead_fact must hold for each lead afterwards

Every lifecycle path is there: won, lost (reasons with commas and quotes),
no interest, no outcome yet, duplicates, late entry, contact breached and
escalated, contact late but ruled on time by the SLA watcher (business
hours), reassignment, contacts recorded out of order, cards near local
midnight, SLA events that arrive before the lead's intake events, and leads
whose events arrive long after their period (late arrivals).

Usage: gen_dataset.py OUTDIR [--leads N] [--seed S] [--now ISO] [--no-pauses]
"""
import argparse
import datetime as dt
import os
import zoneinfo

US = 1_000_000
HOUR = 3600 * US


class Rng:
    """A small LCG, so the data set is the same on every Python."""

    def __init__(self, seed):
        self.s = (seed * 6364136223846793005 + 1442695040888963407) % 2**64

    def random(self):
        self.s = (self.s * 6364136223846793005 + 1442695040888963407) % 2**64
        return (self.s >> 11) / float(1 << 53)

    def below(self, n):
        return min(n - 1, int(self.random() * n))

    def pick(self, seq):
        return seq[self.below(len(seq))]

    def uniform(self, a, b):
        return a + (b - a) * self.random()


DISTRICTS = [("D-EAST", "East District", "America/New_York"),
             ("D-WEST", "West District", "America/Los_Angeles")]
OFFICES = [("O-E1", "D-EAST", "Holliswood Post Office", "11423"),
           ("O-E2", "D-EAST", "Jamaica Post Office", "11431"),
           ("O-E3", "D-EAST", "Flushing Post Office", "11354"),
           ("O-W1", "D-WEST", "Pasadena Post Office", "91101"),
           ("O-W2", "D-WEST", "Glendale Post Office", "91203")]
STATIONS = [("S-E1A", "O-E1", "Holliswood Main"), ("S-E1B", "O-E1", "Holliswood Annex"),
            ("S-E2A", "O-E2", "Jamaica Station A"), ("S-E2B", "O-E2", "Jamaica Station B"),
            ("S-E3A", "O-E3", "Flushing Main"), ("S-W1A", "O-W1", "Pasadena Main"),
            ("S-W1B", "O-W1", "Pasadena East"), ("S-W2A", "O-W2", "Glendale Main")]
CRAFTS = [("city_carrier", 1), ("clerk", 2), ("mail_handler", 3), ("rural_carrier", 4),
          ("letter_carrier", 1), ("retail_associate", 2), ("supervisor", 5), ("other", 6),
          ("city_carrier", 1), ("clerk", 2)]
FIRST = ["Cheryl", "Minh", "Sam", "Ana", "Luis", "Grace", "Omar", "Tess", "Raj", "Kim",
         "Dora", "Femi", "Ivan", "Lena", "Noah", "Rosa"]
LAST = ["White", "Tieu", "Ortiz", "Kowalski", "Nguyen", "Patel", "Okafor", "Brown",
        "Garcia", "Cohen", "Smith", "Ito"]
REPS = [("R1", "Pat Lee"), ("R2", "Richard Danzo"), ("R3", "Jo Park"), ("R4", "Sam Rivera")]
BIZ_A = ["Sunrise", "Main Street", "Blue Harbor", "Golden", "Corner", "Hillside", "Metro"]
BIZ_B = ["Bakery", "Hardware", "Florist", "Books", "Pizza", "Auto Parts", "Pharmacy"]
SPECIAL = ['Café "Le Petit", LLC', "Joe's Diner, Inc.", "Smith & Sons", "Ñandú Imports"]
REASONS = ["price, too high", 'uses "other carrier"', "business closed", "no budget"]


def sql_str(s):
    return "'" + s.replace("'", "''") + "'"


def us_of(t):
    return int(t.timestamp()) * US + t.microsecond


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--leads", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--now", default="2026-12-20T17:00:00+00:00")
    ap.add_argument("--no-pauses", action="store_true")
    a = ap.parse_args()
    rng = Rng(a.seed)
    now = dt.datetime.fromisoformat(a.now)
    now_us = us_of(now)
    os.makedirs(a.out, exist_ok=True)

    tz_of = {d[0]: zoneinfo.ZoneInfo(d[2]) for d in DISTRICTS}
    office_of = {s[0]: s[1] for s in STATIONS}
    district_of = {o[0]: o[1] for o in OFFICES}

    # --- org
    employees = []   # (id, station, name, craft, program)
    n = 0
    for si, (sid, _, _) in enumerate(STATIONS):
        for k in range(6 + si % 4):
            n += 1
            craft, program = CRAFTS[(n * 7 + si) % len(CRAFTS)]
            name = "José Núñez" if n == 5 else f"{FIRST[n % len(FIRST)]} {LAST[(n * 5) % len(LAST)]}"
            employees.append((f"E{n:03d}", sid, name, craft, program))
    with open(os.path.join(a.out, "org.sql"), "w") as f:
        f.write("BEGIN;\n")
        for d in DISTRICTS:
            f.write(f"INSERT INTO org.districts (id, name, time_zone) VALUES "
                    f"({sql_str(d[0])}, {sql_str(d[1])}, {sql_str(d[2])});\n")
        for o in OFFICES:
            f.write(f"INSERT INTO org.offices (id, district_id, name, zip) VALUES "
                    f"({sql_str(o[0])}, {sql_str(o[1])}, {sql_str(o[2])}, {sql_str(o[3])});\n")
        for s in STATIONS:
            f.write(f"INSERT INTO org.stations (id, office_id, name) VALUES "
                    f"({sql_str(s[0])}, {sql_str(s[1])}, {sql_str(s[2])});\n")
        for e in employees:
            f.write(f"INSERT INTO org.employees (id, station_id, name, craft) VALUES "
                    f"({sql_str(e[0])}, {sql_str(e[1])}, {sql_str(e[2])}, {sql_str(e[3])});\n")
        for r in REPS:
            f.write(f"INSERT INTO org.reps (id, name, capacity) VALUES "
                    f"({sql_str(r[0])}, {sql_str(r[1])}, 1000);\n")
        for i, o in enumerate(OFFICES):
            for role in ("union", "management"):
                if (o[0], role) in (("O-E3", "management"), ("O-W2", "union")):
                    continue       # a mandate not kept: a coordinator not named
                pid = f"C-{o[0]}-{role[0].upper()}"
                f.write(f"INSERT INTO org.coordinators (office_id, role, person_id, name) VALUES "
                        f"({sql_str(o[0])}, {sql_str(role)}, {sql_str(pid)}, "
                        f"{sql_str(FIRST[(i * 3 + len(role)) % len(FIRST)] + ' ' + LAST[i % len(LAST)])});\n")
        f.write("COMMIT;\n")

    # Who hands in leads: a third never do, a few hand in many.
    weights = []
    for i, e in enumerate(employees):
        r = rng.random()
        weights.append(0 if r < 0.3 else (8 if r > 0.9 else 1 + rng.below(3)))
    total_w = sum(weights)

    def pick_employee():
        x = rng.random() * total_w
        for e, w in zip(employees, weights):
            x -= w
            if x < 0:
                return e
        return employees[-1]

    first_day = dt.date(2026, 9, 20)
    days = (now.date() - first_day).days - 1
    leads = []
    originals = []
    for i in range(a.leads):
        e = pick_employee()
        sid = e[1]
        oid = office_of[sid]
        did = district_of[oid]
        tz = tz_of[did]
        day = first_day + dt.timedelta(days=rng.below(days))
        r = rng.random()
        if r < 0.05:
            local = dt.datetime(day.year, day.month, day.day, 23, 10 + rng.below(49), tzinfo=tz)
        elif r < 0.08:
            local = dt.datetime(day.year, day.month, day.day, 0, 5 + rng.below(45), tzinfo=tz)
        else:
            local = dt.datetime(day.year, day.month, day.day, 7 + rng.below(12), rng.below(60), tzinfo=tz)
        card_us = us_of(local) + rng.below(60) * US
        r = rng.random()
        delay = (rng.uniform(0.5, 20) if r < 0.85 else rng.uniform(25, 90) if r < 0.95
                 else rng.uniform(20, 23.9)) * HOUR
        entered_us = card_us + int(delay)
        if entered_us >= now_us - HOUR:
            entered_us = max(card_us + 60 * US, now_us - 2 * HOUR)
            if entered_us <= card_us:
                continue
        lid = f"L{i + 1:05d}"
        nprod = 1 + rng.below(3)
        products = []
        for _ in range(nprod):
            p = 1 + rng.below(8)
            if p not in products:
                products.append(p)
        biz = SPECIAL[i % len(SPECIAL)] if rng.random() < 0.04 else \
            f"{rng.pick(BIZ_A)} {rng.pick(BIZ_B)}"
        lead = dict(id=lid, employee=e[0], station=sid, office=oid, district=did,
                    program=e[4], products=products, business=biz, card_us=card_us,
                    entered_us=entered_us, card_day=local.date().isoformat(),
                    intake=[], sla=[], duplicate=False, outcome=0, revenue=0,
                    contacted_us=None, rep="", reassignments=0, escalation=0,
                    entry_sla=None, contact_sla=None, entry_breached=False,
                    contact_breached=False)
        L = lead["intake"]
        S = lead["sla"]
        L.append(("intake", "lead_entered", dict(
            lead=lid, employee=e[0], station=sid, office=oid, district=did, program=e[4],
            products=";".join(map(str, products)), business=biz, card_us=card_us,
            entered_us=entered_us)))
        # entry deadline, by the SLA watcher
        late_entry = entered_us - card_us > 24 * HOUR
        if late_entry:
            S.append(("sla", "deadline_breached", dict(lead=lid, deadline="entry",
                                                       at_us=card_us + 24 * HOUR)))
            S.append(("sla", "deadline_met", dict(lead=lid, deadline="entry", on_time=0,
                                                  met_us=entered_us)))
            lead["entry_breached"] = True
            lead["entry_sla"] = False
        elif rng.random() < 0.6:
            S.append(("sla", "deadline_met", dict(lead=lid, deadline="entry", on_time=1,
                                                  met_us=entered_us)))
            lead["entry_sla"] = True

        if originals and rng.random() < 0.07:
            of = rng.pick(originals)
            L.append(("intake", "lead_duplicate", dict(lead=lid, of=of["id"], employee=e[0],
                                                       at_us=entered_us)))
            lead["duplicate"] = True
            lead["duplicate_of"] = of["id"]
            leads.append(lead)
            continue
        originals.append(lead)
        rep = rng.pick(REPS)[0]
        lead["rep"] = rep
        L.append(("intake", "lead_assigned", dict(lead=lid, rep=rep, at_us=entered_us)))
        if rng.random() < 0.10:
            to = rng.pick([x[0] for x in REPS if x[0] != rep])
            at = entered_us + int(rng.uniform(1, 30) * HOUR)
            if at < now_us:
                L.append(("intake", "lead_reassigned", dict(lead=lid, to=to, at_us=at,
                                                            **{"from": rep})))
                lead["rep"] = to
                lead["reassignments"] = 1
                rep = to
        due = entered_us + 48 * HOUR
        r = rng.random()
        contacts = []
        outcome_at = None
        business_hours = False
        if r < 0.72:
            if rng.random() < 0.04:
                first = entered_us + int(rng.uniform(49, 60) * HOUR)
                business_hours = True      # late by the calendar, on time in business hours
            elif rng.random() < 0.8:
                first = entered_us + int(rng.uniform(1, 45) * HOUR)
            else:
                first = entered_us + int(rng.uniform(49, 120) * HOUR)
            if first < now_us:
                contacts.append((first, "attempt" if rng.random() < 0.5 else "contacted"))
                if rng.random() < 0.3:
                    second = first + int(rng.uniform(5, 50) * HOUR)
                    if second < now_us:
                        contacts.append((second, "contacted"))
                if len(contacts) == 2 and rng.random() < 0.3:
                    contacts.reverse()       # the rep recorded the later one first
                last = max(c[0] for c in contacts)
                ro = rng.random()
                at = last + int(rng.uniform(1, 100) * HOUR)
                if ro < 0.88 and at < now_us:
                    outcome_at = at
        elif r < 0.80:
            at = entered_us + int(rng.uniform(2, 60) * HOUR)
            if at < now_us:
                outcome_at = at
        for at, kind in contacts:
            L.append(("intake", "contact", dict(lead=lid, rep=rep, kind=kind, at_us=at)))
        if outcome_at is not None:
            ro = rng.random()
            if ro < 0.45:
                rev = 5000 + rng.below(500000)
                L.append(("intake", "outcome", dict(lead=lid, rep=rep, outcome="won",
                                                    revenue=rev, reason="", at_us=outcome_at)))
                lead["outcome"], lead["revenue"] = 1, rev
            elif ro < 0.75:
                L.append(("intake", "outcome", dict(lead=lid, rep=rep, outcome="lost", revenue=0,
                                                    reason=rng.pick(REASONS), at_us=outcome_at)))
                lead["outcome"] = 2
            else:
                L.append(("intake", "outcome", dict(lead=lid, rep=rep, outcome="no_interest",
                                                    revenue=0, reason="", at_us=outcome_at)))
                lead["outcome"] = 3
        times = [c[0] for c in contacts] + ([outcome_at] if outcome_at is not None else [])
        contacted = min(times) if times else None
        lead["contacted_us"] = contacted
        # contact deadline, by the SLA watcher
        if business_hours and contacted is not None:
            S.append(("sla", "deadline_met", dict(lead=lid, deadline="contact", on_time=1,
                                                  met_us=contacted)))
            lead["contact_sla"] = True
        elif contacted is not None and contacted <= due:
            S.append(("sla", "deadline_met", dict(lead=lid, deadline="contact", on_time=1,
                                                  met_us=contacted)))
            lead["contact_sla"] = True
        elif due < now_us:
            S.append(("sla", "deadline_breached", dict(lead=lid, deadline="contact", at_us=due)))
            lead["contact_breached"] = True
            end = contacted if contacted is not None else now_us
            level = 1
            S.append(("sla", "escalation", dict(lead=lid, level=1, at_us=due)))
            if end > due + 24 * HOUR:
                S.append(("sla", "escalation", dict(lead=lid, level=2, at_us=due + 24 * HOUR)))
                level = 2
            if end > due + 72 * HOUR:
                S.append(("sla", "escalation", dict(lead=lid, level=3, at_us=due + 72 * HOUR)))
                level = 3
            lead["escalation"] = level
            if contacted is not None:
                S.append(("sla", "deadline_met", dict(lead=lid, deadline="contact", on_time=0,
                                                      met_us=contacted)))
                lead["contact_sla"] = False
        leads.append(lead)

    # --- emission order: chunks of 50 leads in card order; 5% of leads held
    # back to the very end (late arrivals); in each chunk, 10% of leads have
    # their SLA events sent first, then a pause, then the intake events.
    order = sorted(leads, key=lambda x: x["card_us"])
    late = [x for x in order if rng.random() < 0.05]
    late_ids = {x["id"] for x in late}
    order = [x for x in order if x["id"] not in late_ids] + late
    lines = []

    def emit(ev):
        stream, typ, fields = ev
        parts = [stream, typ] + [f"{k}={v}" for k, v in fields.items()]
        lines.append("\t".join(parts))

    for c in range(0, len(order), 50):
        chunk = order[c:c + 50]
        early = [x for x in chunk if x["sla"] and rng.random() < 0.10]
        for x in early:
            for ev in x["sla"]:
                emit(ev)
        if early and not a.no_pauses:
            lines.append("-\tpause\tms=200")
        for x in chunk:
            for ev in x["intake"]:
                emit(ev)
            if x not in early:
                for ev in x["sla"]:
                    emit(ev)
    with open(os.path.join(a.out, "events.tsv"), "w") as f:
        f.write("\n".join(lines) + "\n")

    def b(v):
        return "" if v is None else ("t" if v else "f")

    with open(os.path.join(a.out, "truth.tsv"), "w") as f:
        for x in sorted(leads, key=lambda x: x["id"]):
            entry_on_time = x["entry_sla"] if x["entry_sla"] is not None else \
                (False if x["entry_breached"] else x["entered_us"] - x["card_us"] <= 24 * HOUR)
            if x["duplicate"]:
                contact_on_time = None
            elif x["contact_sla"] is not None:
                contact_on_time = x["contact_sla"]
            elif x["contact_breached"]:
                contact_on_time = False
            elif x["contacted_us"] is not None:
                contact_on_time = x["contacted_us"] - x["entered_us"] <= 48 * HOUR
            else:
                contact_on_time = None
            row = [x["id"], x["employee"], x["station"], x["office"], x["district"],
                   str(x["program"]), x["card_day"], b(x["duplicate"]), str(x["outcome"]),
                   str(x["revenue"]), "" if x["contacted_us"] is None else str(x["contacted_us"]),
                   b(entry_on_time), b(contact_on_time), b(x["entry_breached"]),
                   b(x["contact_breached"]), x["rep"], str(x["reassignments"]),
                   str(x["escalation"])]
            f.write("\t".join(row) + "\n")
    print(f"{len(leads)} leads, {len(lines)} lines, "
          f"{sum(1 for x in leads if x['duplicate'])} duplicates, "
          f"{len(late)} late arrivals")


if __name__ == "__main__":
    main()
