#!/usr/bin/env python3
"""docs/operations.md matches the code: every metric it names is one a
service registers; its ports table gives each listening variable the port
of the binary's --help; each service's variable table lists exactly the
variables of its --help, with a default the help text shows; every
variable it names is documented somewhere; every file it points to
exists. Services not built yet are left out of the --help comparisons."""
import glob
import os
import re

from deploy_lib import (PREFIX, ROOT, SERVICES, Failures, allowed_vars, common_vars, documented,
                        help_addresses, help_ports, help_text, help_vars)

F = Failures("deploy_docs")
DOC = os.path.join(ROOT, "docs", "operations.md")


def registered_metrics():
    names = set()
    for path in glob.glob(os.path.join(ROOT, "common", "*.c")) + \
            glob.glob(os.path.join(ROOT, "services", "*", "*.c")):
        with open(path) as f:
            names |= set(re.findall(r'll_metric_\w+\s*\(\s*"(leadline_[a-z0-9_]+)"', f.read()))
    return names


def section(doc, heading):
    m = re.search(rf"^{re.escape(heading)}\n(.*?)(?=^#{{1,3}} )", doc, re.S | re.M)
    return m.group(1) if m else None


def help_entry(text, var):
    """The whole description of `var` in --help, continuation lines joined."""
    out, on = [], False
    for line in text.splitlines():
        m = re.match(r"\s*(LEADLINE_[A-Z0-9_]+)\s", line)
        if m:
            on = m.group(1) == var
        elif not line.startswith("    "):
            on = False
        if on:
            out.append(line.strip())
    return " ".join(out)


def main():
    with open(DOC) as f:
        doc = f.read()
    metrics = registered_metrics()
    prose = re.sub(r"^```.*?^```", "", doc, flags=re.S | re.M)   # SQL role names are not metrics
    for name in sorted(set(re.findall(r"\bleadline_[a-z0-9_]+", prose))):
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        F.check(name in metrics or base in metrics, f"operations.md names metric {name}, which no service registers")

    helps = {svc: help_text(svc) for svc in SERVICES}
    built = [s for s in SERVICES if helps[s] is not None]
    print(f"deploy_docs: comparing with the --help of {', '.join(built) or 'no service (none built)'}")

    ports = section(doc, "## Ports")
    if F.check(ports, "operations.md has no '## Ports' section"):
        rows = re.findall(r"^\| (\d+) \| ([a-z-]+) \|[^|]*\| `(LEADLINE_[A-Z_]+)` \|", ports, re.M)
        table = {var: (int(port), svc) for port, svc, var in rows}
        for svc in built:
            for var, port in help_ports(helps[svc]).items():
                F.check(table.get(var) == (port, svc),
                        f"Ports: {svc} listens on {port} ({var}); the table says {table.get(var)}")

    common = common_vars()
    for svc in SERVICES:
        body = section(doc, f"### {svc}")
        if not F.check(body is not None, f"operations.md has no '### {svc}' variable table"):
            continue
        rows = dict(re.findall(r"^\| `(LEADLINE_[A-Z0-9_]+)` \| (.*?) \|", body, re.M))
        if helps[svc] is None:
            continue
        own = help_vars(helps[svc])[0] - common
        F.check(set(rows) == own, f"### {svc}: the table lists {sorted(set(rows) - own)} that --help does not, "
                                  f"and lacks {sorted(own - set(rows))}")
        for var, default in rows.items():
            d = default.strip().strip("`")
            F.check(d and re.search(rf"\(default\s+{re.escape(d)}[;:)\s]", help_entry(helps[svc], var)),
                    f"### {svc}: {var} default {default!r} is not what --help says: {help_entry(helps[svc], var)!r}")

    everyone = [allowed_vars(s) for s in built]
    for var in sorted(set(re.findall(r"\bLEADLINE_[A-Z0-9_]*[A-Z0-9]\b", doc))):
        if var == "LEADLINE_DB_PASSWORD":   # compose.yaml's own, for postgres
            continue
        F.check(var in common or not everyone or any(documented(var, a) for a in everyone)
                or var.startswith("LEADLINE_CLOCK"),
                f"operations.md names {var}, which neither a --help nor docs/configuration.md documents")

    # Files it points to: `deploy/...`, with <service> standing for each.
    for ref in sorted(set(re.findall(r"`((?:deploy|docs|scripts|tests|proto)/[^` ]+)`", doc))):
        pats = [ref.replace("<service>", s).replace("<svc>", s) for s in SERVICES] if "<" in ref else [ref]
        F.check(any(glob.glob(os.path.join(ROOT, p)) for p in pats), f"operations.md points to {ref}, which does not exist")
    F.finish()


if __name__ == "__main__":
    main()
