#!/usr/bin/env python3
"""deploy/container/<service>.Dockerfile, read without a Docker engine:
a debian:12 build stage that installs the -dev packages and builds the one
target; a runtime stage that installs only the libraries the binary links
(checked against its NEEDED entries when it is built), copies that one
binary, runs as a non-root user and has a HEALTHCHECK on /healthz at the
port its ops endpoint listens on; EXPOSE matches the ports of --help."""
import json
import os
import re
import subprocess
import sys

from deploy_lib import (http_var, DEPLOY, ROOT, SERVICES, Failures, binary, dockerfile_stages,
                        help_ports, help_text, install_deps_packages)

F = Failures("deploy_dockerfiles")
CDIR = os.path.join(DEPLOY, "container")
# Needed by the build (cmake configures every target); clang's runtime is
# only for the fuzz build.
BUILD_TOOLS = {"build-essential", "cmake", "pkg-config", "protobuf-c-compiler"}
NOT_FOR_IMAGE = {"libclang-rt-14-dev"}
# A sanitizer build links these; a container is built without them.
SANITIZER_LIBS = re.compile(r"^lib(asan|ubsan|lsan|tsan)\.so")


def apt_packages(instructions):
    pkgs = set()
    for ins, args in instructions:
        if ins == "RUN" and "apt-get install" in args:
            for cmd in args.split("&&"):
                if "apt-get install" in cmd:
                    pkgs |= {w for w in cmd.split()[2:] if not w.startswith("-")
                             and w != "install"}
    return pkgs


def needed_packages(exe):
    """Debian packages holding the shared libraries exe names in NEEDED."""
    dump = subprocess.run(["objdump", "-p", exe], capture_output=True, text=True, check=True)
    needed = re.findall(r"^\s*NEEDED\s+(\S+)", dump.stdout, re.M)
    ldd = subprocess.run(["ldd", exe], capture_output=True, text=True, check=True).stdout
    where = dict(re.findall(r"^\s*(\S+) => (\S+)", ldd, re.M))
    # One dpkg-query for every path: each call reads the whole database.
    # A library may be listed under /lib or /usr/lib (merged /usr), so ask
    # for both spellings of its path and of its real path.
    candidates = {}
    for lib in needed:
        if SANITIZER_LIBS.match(lib) or lib not in where:
            continue
        for p in (where[lib], os.path.realpath(where[lib])):
            for c in (p, p[4:] if p.startswith("/usr/") else "/usr" + p):
                candidates[c] = lib
    out = subprocess.run(["dpkg-query", "-S"] + sorted(candidates), capture_output=True, text=True)
    owner = {}
    for line in out.stdout.splitlines():
        pkg, _, path = line.partition(": ")
        if path in candidates:
            owner[candidates[path]] = pkg.split(":")[0]
    return {lib: owner.get(lib) for lib in needed if not SANITIZER_LIBS.match(lib)}


def exec_form(args):
    try:
        return json.loads(args)
    except ValueError:
        return None


def check_service(svc, dev_pkgs):
    path = os.path.join(CDIR, f"{svc}.Dockerfile")
    if not F.check(os.path.isfile(path), f"{svc}: deploy/container/{svc}.Dockerfile is missing"):
        return
    name = f"{svc}.Dockerfile"
    stages = dockerfile_stages(path)
    if not F.check(len(stages) >= 2, f"{name}: needs a build stage and a runtime stage"):
        return
    build, runtime = stages[0], stages[-1]
    F.check(build[1] == "debian:12", f"{name}: build stage is FROM {build[1]}, not debian:12")
    F.check(runtime[1] in ("debian:12", "debian:12-slim"),
            f"{name}: runtime stage is FROM {runtime[1]}, not debian:12(-slim)")

    bpk = apt_packages(build[2])
    for p in sorted((dev_pkgs | BUILD_TOOLS) - bpk):
        F.check(False, f"{name}: build stage does not install {p}")
    runs = " ".join(a for i, a in build[2] if i == "RUN")
    F.check(f"--target leadline-{svc}" in runs, f"{name}: build stage does not build leadline-{svc}")

    rpk = apt_packages(runtime[2])
    F.check(not any(p.endswith("-dev") for p in rpk),
            f"{name}: runtime stage installs -dev packages: {sorted(p for p in rpk if p.endswith('-dev'))}")
    copies = [a for i, a in runtime[2] if i == "COPY"]
    want = f"/usr/local/bin/leadline-{svc}"
    F.check(len(copies) == 1 and copies[0].startswith(f"--from={build[0]} ")
            and copies[0].split()[-1] == want and len(copies[0].split()) == 3,
            f"{name}: runtime stage must copy exactly the one binary to {want}, has {copies}")
    ep = [exec_form(a) for i, a in runtime[2] if i == "ENTRYPOINT"]
    F.check(ep and ep[-1] == [want], f"{name}: ENTRYPOINT must be [\"{want}\"]")

    # Non-root: the last USER is a numeric uid other than 0 (numeric so that
    # Kubernetes' runAsNonRoot can verify it), created in the image.
    users = [a for i, a in runtime[2] if i == "USER"]
    uid = users[-1].split(":")[0] if users else ""
    F.check(uid.isdigit() and int(uid) != 0, f"{name}: runtime USER must be a non-zero numeric uid, is {users}")
    last_user = max((n for n, (i, _) in enumerate(runtime[2]) if i == "USER"), default=len(runtime[2]))
    ins_after_user = [i for i, _ in runtime[2][last_user:]]
    F.check("RUN" not in ins_after_user, f"{name}: RUN after USER runs as the service user; keep set-up before USER")
    F.check(re.search(rf"useradd\b.*--uid {uid}\b", " ".join(a for i, a in runtime[2] if i == "RUN")) is not None,
            f"{name}: uid {uid} is not created with useradd in the runtime stage")

    # The ops endpoint listens beyond loopback, and the health check asks it.
    var = http_var(svc)
    env = " ".join(a for i, a in runtime[2] if i == "ENV")
    m = re.search(rf"{var}=(\S+)", env)
    http_port = None
    if F.check(m is not None, f"{name}: ENV {var} is not set (the default listens on 127.0.0.1 only)"):
        F.check(m.group(1).startswith("0.0.0.0:"), f"{name}: {var}={m.group(1)} must listen on 0.0.0.0")
        http_port = m.group(1).rsplit(":", 1)[-1]
    hc = [a for i, a in runtime[2] if i == "HEALTHCHECK"]
    if F.check(len(hc) == 1 and " CMD " in f" {hc[0]} ", f"{name}: runtime stage needs one HEALTHCHECK ... CMD"):
        F.check(f"127.0.0.1:{http_port}/healthz" in hc[0],
                f"{name}: HEALTHCHECK must request http://127.0.0.1:{http_port}/healthz: {hc[0]}")
        tool = hc[0].split(" CMD ", 1)[1].split()[0]
        F.check(tool in rpk, f"{name}: HEALTHCHECK runs {tool}, which the runtime stage does not install")
    exposed = {int(p.split("/")[0]) for i, a in runtime[2] if i == "EXPOSE" for p in a.split()}
    F.check(http_port is not None and int(http_port) in exposed, f"{name}: EXPOSE lacks the ops port {http_port}")

    text = help_text(svc)
    if text is None:
        print(f"deploy_dockerfiles: leadline-{svc} is not built; its ports and libraries are not checked")
        return
    ports = set(help_ports(text).values())
    F.check(exposed == ports, f"{name}: EXPOSE {sorted(exposed)} differs from the ports in --help {sorted(ports)}")
    for lib, pkg in sorted(needed_packages(binary(svc)).items()):
        if pkg == "libc6":
            continue
        F.check(pkg is not None and pkg in rpk,
                f"{name}: leadline-{svc} links {lib} ({pkg or 'no package found'}), "
                f"which the runtime stage does not install")


def main():
    dev = {p for p in install_deps_packages() if p.endswith("-dev")} - NOT_FOR_IMAGE
    for svc in SERVICES:
        check_service(svc, dev)
    extra = {f for f in os.listdir(CDIR) if f.endswith(".Dockerfile")} - {f"{s}.Dockerfile" for s in SERVICES}
    F.check(not extra, f"Dockerfiles for unknown services: {sorted(extra)}")
    F.finish()


if __name__ == "__main__":
    sys.exit(main())
