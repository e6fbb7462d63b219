#!/usr/bin/env python3
"""deploy/container/compose.yaml, read without a Docker engine: it parses
(no key twice); postgres:15 with a health check and a volume; for each
service a `<svc>-migrate` job that waits for a healthy PostgreSQL and runs
`migrate`, and the service, started only after its job succeeded, running
`run` from the same image built from its own Dockerfile; the ops endpoint
listens beyond loopback; only ports the binary serves are published, on
the host's loopback; containers are read-only without capabilities."""
import os
import re
import sys

from deploy_lib import http_var, DEPLOY, ROOT, SERVICES, Failures, help_ports, help_text
from yaml_strict import load_all

F = Failures("deploy_compose")
CDIR = os.path.join(DEPLOY, "container")


def hardened(name, s):
    F.check(s.get("read_only") is True, f"{name}: read_only is not true")
    F.check(s.get("cap_drop") == ["ALL"], f"{name}: cap_drop is not [ALL]")
    F.check("no-new-privileges:true" in (s.get("security_opt") or []), f"{name}: no-new-privileges missing")


def build_ok(name, s, svc):
    b = s.get("build") or {}
    ctx = os.path.normpath(os.path.join(CDIR, b.get("context", ".")))
    F.check(ctx == ROOT, f"{name}: build context {b.get('context')} is not the repository root")
    F.check(b.get("dockerfile") == f"deploy/container/{svc}.Dockerfile",
            f"{name}: builds {b.get('dockerfile')}, not deploy/container/{svc}.Dockerfile")


def main():
    try:
        docs = load_all(os.path.join(CDIR, "compose.yaml"))
    except Exception as e:  # noqa: BLE001 — the parse error is the finding
        F.check(False, f"compose.yaml does not parse: {e}")
        F.finish()
    if not F.check(len(docs) == 1, "compose.yaml should hold one document"):
        F.finish()
    services = docs[0].get("services") or {}
    pg = services.get("postgres") or {}
    F.check(pg.get("image") == "postgres:15", f"postgres: image is {pg.get('image')}, not postgres:15")
    F.check("test" in (pg.get("healthcheck") or {}), "postgres: no healthcheck, so nothing can wait for it")
    F.check(any(v.endswith(":/var/lib/postgresql/data") for v in pg.get("volumes") or []),
            "postgres: data is not on a volume")
    known = {"postgres"} | {s for svc in SERVICES for s in (svc, f"{svc}-migrate")}
    F.check(set(services) <= known, f"unknown compose services: {sorted(set(services) - known)}")

    for svc in SERVICES:
        job, run = services.get(f"{svc}-migrate"), services.get(svc)
        if not F.check(job and run, f"{svc}: needs services {svc}-migrate and {svc}"):
            continue
        image = run.get("image", "")
        F.check(re.match(rf"^leadline-{svc}:", image), f"{svc}: image {image} should be leadline-{svc}:<tag>")
        F.check(job.get("image") == image, f"{svc}-migrate: image {job.get('image')} differs from {image}")
        F.check(job.get("command") == ["migrate"], f"{svc}-migrate: command should be [migrate]")
        F.check(run.get("command") == ["run"], f"{svc}: command should be [run]")
        F.check(job.get("restart") == "no", f"{svc}-migrate: restart should be \"no\" (a one-off job)")
        F.check(run.get("restart") in ("unless-stopped", "always", "on-failure"), f"{svc}: no restart policy")
        F.check((job.get("depends_on") or {}).get("postgres") == {"condition": "service_healthy"},
                f"{svc}-migrate: should wait for postgres: service_healthy")
        F.check((run.get("depends_on") or {}).get(f"{svc}-migrate") == {"condition": "service_completed_successfully"},
                f"{svc}: should wait for {svc}-migrate: service_completed_successfully")
        for name, s in ((f"{svc}-migrate", job), (svc, run)):
            build_ok(name, s, svc)
            hardened(name, s)
            db = (s.get("environment") or {}).get("LEADLINE_DB", "")
            F.check("host=postgres " in db, f"{name}: LEADLINE_DB does not point at the postgres service")
        env = run.get("environment") or {}
        var = http_var(svc)
        F.check(str(env.get(var, "")).startswith("0.0.0.0:"), f"{svc}: {var} must listen on 0.0.0.0")
        published = []
        for p in run.get("ports") or []:
            parts = str(p).split(":")
            F.check(len(parts) == 3 and parts[0] == "127.0.0.1",
                    f"{svc}: port {p} should be published as 127.0.0.1:HOST:CONTAINER")
            published.append(int(parts[-1]))
        text = help_text(svc)
        if text is not None:
            ports = set(help_ports(text).values())
            F.check(set(published) <= ports, f"{svc}: publishes {published}, not all served ({sorted(ports)})")
    F.finish()


if __name__ == "__main__":
    main()
