#!/usr/bin/env python3
"""Every variable deploy/ hands to leadline-SERVICE — the systemd unit, its
drop-ins and its example env file, the Dockerfile's ENV, the compose services, the Kubernetes
ConfigMaps and env lists — is one the binary documents in --help or
docs/configuration.md lists as common; an address keeps the port --help
gives as default, and an address of another service names that service's
compose service or Kubernetes Service; the systemd example names every
variable of the service's own. Usage: check_env.py SERVICE"""
import os
import re
import sys

from deploy_lib import (DEPLOY, PREFIX, SERVICES, Failures, allowed_vars, common_vars, documented,
                        help_addresses, help_text, http_var, help_vars, is_bind, parse_env_file, skip)
from yaml_strict import load_all


def k8s_sources(svc):
    """{where: {name: value}} for what the service's pods get."""
    out = {}
    kdir = os.path.join(DEPLOY, "k8s")
    for f in sorted(os.listdir(kdir)):
        if not f.endswith(".yaml"):
            continue
        for d in load_all(os.path.join(kdir, f)):
            name = (d.get("metadata") or {}).get("name")
            if d.get("kind") == "ConfigMap" and name == f"leadline-{svc}":
                out[f"{f} ConfigMap {name}"] = d.get("data") or {}
            if d.get("kind") in ("Deployment", "Job") and name in (f"leadline-{svc}", f"leadline-{svc}-migrate"):
                for c in d["spec"]["template"]["spec"].get("containers") or []:
                    out[f"{f} {d['kind']} {name}"] = {e["name"]: e.get("value", "") for e in c.get("env") or []}
    return out


def compose_sources(svc):
    doc = load_all(os.path.join(DEPLOY, "container", "compose.yaml"))[0]
    out = {}
    for name in (svc, f"{svc}-migrate"):
        s = (doc.get("services") or {}).get(name)
        if s:
            out[f"compose.yaml {name}"] = {k: str(v) for k, v in (s.get("environment") or {}).items()}
    return out


def unit_env(svc):
    """Environment= lines of the systemd unit and its example drop-ins."""
    unit = os.path.join(DEPLOY, "systemd", f"leadline-{svc}.service")
    ddir = unit + ".d"
    files = [unit] + ([os.path.join(ddir, c) for c in sorted(os.listdir(ddir))] if os.path.isdir(ddir) else [])
    env = {}
    for path in files:
        with open(path) as f:
            for m in re.finditer(r"^Environment=(\S+?)=(.*)$", f.read(), re.M):
                env[m.group(1)] = m.group(2)
    return {f"leadline-{svc}.service": env}


def dockerfile_env(svc):
    path = os.path.join(DEPLOY, "container", f"{svc}.Dockerfile")
    env = {}
    if os.path.isfile(path):
        with open(path) as f:
            for m in re.finditer(r"^ENV\s+(.*)$", f.read(), re.M):
                for pair in m.group(1).split():
                    k, _, v = pair.partition("=")
                    env[k] = v
    return {f"{svc}.Dockerfile": env}


def producer(var, svc):
    """The service whose address a connect variable holds:
    LEADLINE_SLA_PUB_CONNECT or LEADLINE_REPORTING_SLA_PUB -> sla-watcher."""
    words = [w for w in var.split("_")[1:] if w in PREFIX.values() and w != PREFIX[svc]]
    return next((s for s, p in PREFIX.items() if words and p == words[0]), None)


def main():
    svc = sys.argv[1]
    F = Failures(f"deploy_env_{svc}")
    allowed = allowed_vars(svc)
    if allowed is None:
        skip(F.name, f"leadline-{svc} is not built, so its --help cannot be read")
    text = help_text(svc)
    addresses = help_addresses(text)
    F.check(http_var(svc) in addresses, f"--help does not document {http_var(svc)}, the ops endpoint")
    example = os.path.join(DEPLOY, "systemd", "env", f"{svc}.env")
    sources = {}
    if F.check(os.path.isfile(example), f"deploy/systemd/env/{svc}.env is missing"):
        sources[f"env/{svc}.env"] = parse_env_file(example)
    sources.update(unit_env(svc))
    sources.update(dockerfile_env(svc))
    sources.update(compose_sources(svc))
    sources.update(k8s_sources(svc))
    for where, env in sources.items():
        for name, value in env.items():
            F.check(name.startswith("LEADLINE_") and documented(name, allowed),
                    f"{where}: {name} is not documented by leadline-{svc} --help or docs/configuration.md")
            # Ports Leadline listens on, or connects to in another service,
            # stay at their defaults; other addresses (the mail relay) are
            # the site's own.
            peer = producer(name, svc) if name in addresses and not is_bind(addresses[name][0]) else None
            if name in addresses and value != "0" and (is_bind(addresses[name][0]) or peer):
                m = re.search(r":(\d+)$", value)
                F.check(m and int(m.group(1)) == addresses[name][1],
                        f"{where}: {name}={value} moves the port from its default {addresses[name][1]}")
                if peer:
                    host = re.sub(r"^tcp://([^:/]+):\d+$", r"\1", value)
                    want = {"compose.yaml": peer, ".yaml": f"leadline-{peer}"}
                    for suffix, h in want.items():
                        if where.split()[0].endswith(suffix):
                            F.check(host == h, f"{where}: {name}={value} should connect to host {h}")
                            break
    own, _ = help_vars(text)
    own -= common_vars()
    listed = set(sources.get(f"env/{svc}.env", {})) | set(sources.get(f"leadline-{svc}.service", {}))
    for name in sorted(own - listed):
        F.check(False, f"env/{svc}.env (or the unit) does not show {name}, which --help documents")
    F.finish()


if __name__ == "__main__":
    main()
