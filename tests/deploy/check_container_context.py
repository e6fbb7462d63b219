#!/usr/bin/env python3
"""The build stage of each Dockerfile copies only some folders of the
checkout. Stage exactly those into an empty folder and configure there with
the same cmake command: if a folder the build reads is missing from the
COPY list, this fails here rather than in someone's `docker build`."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

from deploy_lib import DEPLOY, ROOT, SERVICES, Failures, dockerfile_stages

F = Failures("deploy_container_context")


def build_copies(path):
    """The build stage's COPY list and its cmake -D options."""
    copies, defs = [], []
    for ins, args in dockerfile_stages(path)[0][2]:
        if ins == "RUN":
            defs += re.findall(r"(-D\w+=\S+)", args)
        if ins == "COPY":
            words = args.split()
            F.check(not any(w.startswith("--from") for w in words),
                    f"{os.path.basename(path)}: the build stage copies from another stage")
            copies.append((tuple(words[:-1]), words[-1]))
    return copies, defs


def stage(copies, src):
    """Docker's rules: a folder's contents go into dest; a file goes into
    dest when dest ends in "/" (or is "."), else becomes dest."""
    for sources, dest in copies:
        for s in sources:
            origin = os.path.join(ROOT, s.rstrip("/"))
            if not F.check(os.path.exists(origin), f"COPY source {s} does not exist"):
                continue
            target = os.path.normpath(os.path.join(src, dest))
            if os.path.isdir(origin):
                shutil.copytree(origin, target, dirs_exist_ok=True)
                continue
            if dest.endswith("/") or dest == ".":
                target = os.path.join(target, os.path.basename(s))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy(origin, target)


def main():
    cmake = os.environ.get("CMAKE", "cmake")
    lists = {}
    for svc in SERVICES:
        path = os.path.join(DEPLOY, "container", f"{svc}.Dockerfile")
        if os.path.isfile(path):
            lists[svc] = build_copies(path)
    if not F.check(lists, "no Dockerfiles in deploy/container"):
        F.finish()
    first = next(iter(lists.values()))
    for svc, copies in lists.items():
        F.check(copies == first, f"{svc}.Dockerfile copies {copies}, another {first}; "
                                 "keep the build stages alike")
    with tempfile.TemporaryDirectory(prefix="leadline-context-") as tmp:
        src, build = os.path.join(tmp, "src"), os.path.join(tmp, "build")
        os.makedirs(src)
        stage(first[0], src)
        out = subprocess.run([cmake, "-S", src, "-B", build] + first[1],
                             capture_output=True, text=True)
        if F.check(out.returncode == 0, "cmake cannot configure from the Dockerfiles' COPY list:\n"
                                        f"{out.stdout[-2000:]}{out.stderr[-3000:]}"):
            targets = subprocess.run([cmake, "--build", build, "--target", "help"],
                                     capture_output=True, text=True).stdout
            for svc in SERVICES:
                if os.path.isfile(os.path.join(ROOT, "services", svc, "CMakeLists.txt")):
                    F.check(f"leadline-{svc}" in targets, f"the staged build has no target leadline-{svc}")
    F.finish()


if __name__ == "__main__":
    sys.exit(main())
