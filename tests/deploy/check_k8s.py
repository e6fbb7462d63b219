#!/usr/bin/env python3
"""deploy/k8s/, read without a cluster: every file parses; each service has
a ConfigMap, Deployment, Service, PodDisruptionBudget and migrate Job that
agree with each other (selectors, named ports, probes on the port the ops
endpoint listens on, the same image for Job and Deployment); pods run
non-root on a read-only root with every capability dropped and resources
set; every ConfigMap and Secret a pod refers to exists, with the key; the
example Secret holds no real password; kustomization.yaml lists the rest
but the migrate Jobs."""
import os
import re
import sys

from deploy_lib import http_var, DEPLOY, SERVICES, Failures, help_ports, help_text
from yaml_strict import load_all

F = Failures("deploy_k8s")
KDIR = os.path.join(DEPLOY, "k8s")
API = {"Namespace": "v1", "ConfigMap": "v1", "Secret": "v1", "Service": "v1",
       "Deployment": "apps/v1", "Job": "batch/v1", "PodDisruptionBudget": "policy/v1",
       "Kustomization": "kustomize.config.k8s.io/v1beta1"}
DNS1123 = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def load():
    objs = {}
    for name in sorted(os.listdir(KDIR)):
        if not name.endswith((".yaml", ".yml")):
            continue
        try:
            docs = load_all(os.path.join(KDIR, name))
        except Exception as e:  # noqa: BLE001 — any parse error is the finding
            F.check(False, f"{name}: does not parse: {e}")
            continue
        for d in docs:
            kind, name_ = d.get("kind"), (d.get("metadata") or {}).get("name")
            F.check(API.get(kind) == d.get("apiVersion"),
                    f"{name}: kind {kind} with apiVersion {d.get('apiVersion')}; expected {API.get(kind)}")
            if kind != "Kustomization":
                F.check(name_ and DNS1123.match(name_), f"{name}: {kind} name {name_!r} is not a DNS label")
                F.check((kind, name_) not in objs, f"{name}: {kind} {name_} is defined twice")
            objs[(kind, name_)] = (name, d)
    return objs


def matches(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def check_pod(where, spec, objs, secret):
    F.check(spec.get("automountServiceAccountToken") is False, f"{where}: automountServiceAccountToken should be false")
    psc = spec.get("securityContext") or {}
    F.check(psc.get("runAsNonRoot") is True, f"{where}: pod securityContext.runAsNonRoot is not true")
    F.check(isinstance(psc.get("runAsUser"), int) and psc["runAsUser"] > 0, f"{where}: pod runAsUser must be a non-zero uid")
    F.check((psc.get("seccompProfile") or {}).get("type") == "RuntimeDefault", f"{where}: seccompProfile RuntimeDefault missing")
    for c in spec.get("containers") or []:
        cw = f"{where} container {c.get('name')}"
        sc = c.get("securityContext") or {}
        F.check(sc.get("allowPrivilegeEscalation") is False, f"{cw}: allowPrivilegeEscalation is not false")
        F.check(sc.get("readOnlyRootFilesystem") is True, f"{cw}: readOnlyRootFilesystem is not true")
        F.check((sc.get("capabilities") or {}).get("drop") == ["ALL"], f"{cw}: capabilities.drop is not [ALL]")
        res = c.get("resources") or {}
        F.check({"cpu", "memory"} <= set(res.get("requests") or {}), f"{cw}: cpu and memory requests missing")
        F.check("memory" in (res.get("limits") or {}), f"{cw}: memory limit missing")
        for ef in c.get("envFrom") or []:
            ref = (ef.get("configMapRef") or {}).get("name")
            F.check(("ConfigMap", ref) in objs, f"{cw}: envFrom ConfigMap {ref} is not defined")
        for e in c.get("env") or []:
            sk = (e.get("valueFrom") or {}).get("secretKeyRef")
            if sk:
                F.check(sk.get("name") == "leadline-db" and sk.get("key") in secret,
                        f"{cw}: {e['name']} refers to Secret {sk.get('name')} key {sk.get('key')}, "
                        "which secret.example.yaml does not define")
    for v in spec.get("volumes") or []:
        sv = v.get("secret")
        if sv:
            F.check(("Secret", sv.get("secretName")) in objs,
                    f"{where}: volume {v['name']} mounts Secret {sv.get('secretName')}, which no manifest defines")
            F.check(psc.get("fsGroup") == psc.get("runAsGroup") and (sv.get("defaultMode", 0o644) & 0o040),
                    f"{where}: volume {v['name']}: the non-root user cannot read the Secret's files "
                    "(set fsGroup and a group-readable defaultMode)")
    return spec.get("containers") or []


def env_of(container, objs):
    """The variables a container gets from its ConfigMaps and env."""
    env = {}
    for ef in container.get("envFrom") or []:
        cm = objs.get(("ConfigMap", (ef.get("configMapRef") or {}).get("name")))
        if cm:
            env.update(cm[1].get("data") or {})
    for e in container.get("env") or []:
        env[e["name"]] = e.get("value", "<from>")
    return env


def check_service(svc, objs, secret):
    app = f"leadline-{svc}"
    dep = objs.get(("Deployment", app))
    if not F.check(dep, f"{svc}: Deployment {app} is missing"):
        return
    where, d = f"{dep[0]} Deployment {app}", dep[1]
    tmpl = d["spec"]["template"]
    labels = tmpl["metadata"].get("labels") or {}
    F.check(matches(d["spec"]["selector"].get("matchLabels"), labels), f"{where}: selector does not match the pod labels")
    F.check((d["spec"].get("replicas") or 1) >= 1, f"{where}: replicas < 1")
    containers = check_pod(where, tmpl["spec"], objs, secret)
    if not F.check(len(containers) == 1, f"{where}: expected one container"):
        return
    c = containers[0]
    image = c.get("image", "")
    F.check(image.split(":")[0].split("/")[-1] == app and ":" in image and not image.endswith(":latest"),
            f"{where}: image {image!r} should be {app}:<version>")
    F.check(c.get("args") == ["run"], f"{where}: args should be [run]")
    ports = {p.get("name"): p.get("containerPort") for p in c.get("ports") or []}
    env = env_of(c, objs)
    var = http_var(svc)
    http = env.get(var, "")
    F.check(http.startswith("0.0.0.0:"), f"{where}: {var}={http!r} must listen on 0.0.0.0 for the probes")
    http_port = int(http.rsplit(":", 1)[-1]) if http[-1:].isdigit() else None
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        get = (c.get(probe) or {}).get("httpGet") or {}
        port = get.get("port")
        port = ports.get(port) if isinstance(port, str) else port
        F.check(get.get("path") == path and port == http_port and port is not None,
                f"{where}: {probe} should GET {path} on the ops port {http_port}, has {get}")
    F.check("LEADLINE_DB" in env, f"{where}: LEADLINE_DB is not set")
    text = help_text(svc)
    if text is not None:
        want = set(help_ports(text).values())
        F.check(set(ports.values()) == want, f"{where}: container ports {sorted(ports.values())} "
                                             f"differ from the ports in --help {sorted(want)}")

    svc_obj = objs.get(("Service", app))
    if F.check(svc_obj, f"{svc}: Service {app} is missing"):
        s = svc_obj[1]["spec"]
        F.check(matches(s.get("selector"), labels), f"Service {app}: selector does not match the pods")
        for p in s.get("ports") or []:
            t = p.get("targetPort")
            F.check(t in ports or t in ports.values(), f"Service {app}: targetPort {t} is not a container port")
        F.check({p.get("port") for p in s.get("ports") or []} == set(ports.values()),
                f"Service {app}: does not expose every container port")

    pdb = objs.get(("PodDisruptionBudget", app))
    if F.check(pdb, f"{svc}: PodDisruptionBudget {app} is missing"):
        spec = pdb[1]["spec"]
        F.check(matches((spec.get("selector") or {}).get("matchLabels"), labels),
                f"PodDisruptionBudget {app}: selector does not match the pods")
        F.check(("minAvailable" in spec) != ("maxUnavailable" in spec),
                f"PodDisruptionBudget {app}: set exactly one of minAvailable, maxUnavailable")

    F.check(("ConfigMap", app) in objs, f"{svc}: ConfigMap {app} is missing")
    job = objs.get(("Job", f"{app}-migrate"))
    if F.check(job, f"{svc}: Job {app}-migrate is missing"):
        jspec = job[1]["spec"]["template"]["spec"]
        jc = check_pod(f"{job[0]} Job {app}-migrate", jspec, objs, secret)
        F.check(jspec.get("restartPolicy") in ("OnFailure", "Never"), f"Job {app}-migrate: restartPolicy")
        F.check(len(jc) == 1 and jc[0].get("image") == image and jc[0].get("args") == ["migrate"],
                f"Job {app}-migrate: should run `migrate` with the Deployment's image {image}")
        if jc:
            F.check(env_of(jc[0], objs).get("LEADLINE_DB") == env.get("LEADLINE_DB"),
                    f"Job {app}-migrate: LEADLINE_DB differs from the Deployment's")
        jl = job[1]["spec"]["template"]["metadata"].get("labels") or {}
        F.check(not matches(labels, jl), f"Job {app}-migrate: its pods carry the Deployment's labels "
                                         "and would join the Service")


def main():
    objs = load()
    # Secrets only as examples: in secret.example.yaml, readable, holding
    # the placeholder change-me and nothing that could be real.
    for (kind, name), (f, d) in objs.items():
        if kind != "Secret":
            continue
        F.check(f == "secret.example.yaml", f"{f}: Secret {name} belongs in secret.example.yaml")
        F.check(not d.get("data"), f"Secret {name}: use stringData (readable), not data")
        for k, v in (d.get("stringData") or {}).items():
            if "=" in v:   # a connection string: its password, if any
                ok = all(p == "change-me" for p in re.findall(r"password=(\S+)", v))
            else:          # a key
                ok = v == "change-me"
            F.check(ok, f"Secret {name}: key {k} holds something other than the placeholder change-me")
    secret = (objs.get(("Secret", "leadline-db"), (None, {}))[1]).get("stringData") or {}
    F.check(secret, "Secret leadline-db (the connection strings) is missing from secret.example.yaml")
    for svc in SERVICES:
        check_service(svc, objs, secret)
    kust = objs.get(("Kustomization", None))
    if F.check(kust, "kustomization.yaml is missing"):
        listed = set(kust[1].get("resources") or [])
        files = {f for f in os.listdir(KDIR) if f.endswith(".yaml")} - {"kustomization.yaml"}
        want = {f for f in files if f != "secret.example.yaml" and not f.endswith("-migrate.yaml")}
        F.check(listed == want, f"kustomization.yaml resources {sorted(listed)} should be every manifest "
                                f"but the example Secret and the migrate Jobs: {sorted(want)}")
    F.finish()


if __name__ == "__main__":
    main()
