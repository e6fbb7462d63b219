#!/usr/bin/env python3
"""deploy/systemd/leadline-<service>.service: the directives Leadline
relies on are there, `systemd-analyze verify` prints nothing (it exits 0
even on unknown keys, so any output fails), and `systemd-analyze security`
rates the sandbox at most THRESHOLD. Verify needs the ExecStart binary to
exist, so a copy of the unit points at the build's binary instead of
/usr/local/bin. Usage: check_systemd.py SERVICE"""
import os
import re
import subprocess
import sys
import tempfile

from deploy_lib import DEPLOY, Failures, binary, skip

# On the scale systemd-analyze prints (0.0 safe .. 10.0 exposed); the
# option takes tenths.
THRESHOLD = 2.0
INSTALLED = "/usr/local/bin"
# directive: required value (None: present with any value)
REQUIRED = {
    "Type": "notify", "Restart": "on-failure", "NoNewPrivileges": "yes",
    "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
    "PrivateDevices": "yes", "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes", "ProtectControlGroups": "yes",
    "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6", "MemoryDenyWriteExecute": "yes",
    "LockPersonality": "yes", "RestrictNamespaces": "yes", "RestrictSUIDSGID": "yes",
    "SystemCallArchitectures": "native", "CapabilityBoundingSet": "",
}


def unit_directives(path):
    """{key: [values]} of [Service]; systemd allows repeated keys."""
    section, out = None, {}
    with open(path) as f:
        for line in f:
            s = line.strip()
            if not s or s[0] in "#;":
                continue
            if s.startswith("["):
                section = s
                continue
            k, _, v = s.partition("=")
            out.setdefault((section, k.strip()), []).append(v.strip())
    return out


def verify(F, path, what=""):
    v = subprocess.run(["systemd-analyze", "verify", path], capture_output=True, text=True)
    F.check(v.returncode == 0 and not (v.stdout + v.stderr).strip(),
            f"systemd-analyze verify{what} (exit {v.returncode}):\n{v.stdout}{v.stderr}")


def main():
    svc = sys.argv[1]
    F = Failures(f"deploy_systemd_{svc}")
    unit = os.path.join(DEPLOY, "systemd", f"leadline-{svc}.service")
    if not os.path.isfile(unit):
        F.check(False, f"{unit} is missing")
        F.finish()
    d = unit_directives(unit)
    svc_get = lambda k: d.get(("[Service]", k), [])
    for key, want in REQUIRED.items():
        have = svc_get(key)
        F.check(have and (want is None or have[-1] == want),
                f"[Service] {key}= should be {want!r}, is {have}")
    F.check(svc_get("DynamicUser") == ["yes"] or bool(svc_get("User")),
            "runs as root: set DynamicUser=yes or User=")
    F.check("@system-service" in svc_get("SystemCallFilter"), "SystemCallFilter=@system-service is missing")
    exe = f"{INSTALLED}/leadline-{svc}"
    F.check(svc_get("ExecStart") == [f"{exe} run"], f"ExecStart= should be '{exe} run', is {svc_get('ExecStart')}")
    pre = svc_get("ExecStartPre")
    F.check(len(pre) == 1 and pre[0] in (f"{exe} migrate", f"{exe} check"),
            f"ExecStartPre= should run '{exe} migrate' or 'check', is {pre}")
    F.check(svc_get("EnvironmentFile") == [f"/etc/leadline/{svc}.env"],
            f"EnvironmentFile= should be /etc/leadline/{svc}.env, is {svc_get('EnvironmentFile')}")
    F.check(d.get(("[Install]", "WantedBy")) == ["multi-user.target"], "[Install] WantedBy=multi-user.target is missing")
    F.check(os.path.isfile(os.path.join(DEPLOY, "systemd", "env", f"{svc}.env")),
            f"the example deploy/systemd/env/{svc}.env is missing")
    built = binary(svc)
    if not built:
        if F.problems:
            F.finish()
        skip(F.name, f"leadline-{svc} is not built, so systemd-analyze verify cannot run")

    with tempfile.TemporaryDirectory(prefix="leadline-units-") as tmp:
        with open(unit) as f:
            text = f.read().replace(exe, built)
        copy = os.path.join(tmp, os.path.basename(unit))
        with open(copy, "w") as f:
            f.write(text)
        verify(F, copy)
        # Example drop-ins: verify the unit with each appended, as systemd
        # would merge it.
        ddir = unit + ".d"
        for conf in sorted(os.listdir(ddir)) if os.path.isdir(ddir) else []:
            with open(os.path.join(ddir, conf)) as f:
                merged = text + "\n" + f.read().replace(exe, built)
            mcopy = os.path.join(tmp, "with-" + conf.replace(".conf", ""), os.path.basename(unit))
            os.makedirs(os.path.dirname(mcopy))
            with open(mcopy, "w") as f:
                f.write(merged)
            verify(F, mcopy, f" with drop-in {conf}")
        s = subprocess.run(["systemd-analyze", "security", "--offline=yes", f"--threshold={int(THRESHOLD * 10)}",
                            "--no-pager", copy], capture_output=True, text=True)
        level = re.search(r"Overall exposure level for \S+: ([\d.]+)", s.stdout)
        F.check(s.returncode == 0 and level is not None,
                f"systemd-analyze security rates the unit {level.group(1) if level else '?'} "
                f"(at most {THRESHOLD} allowed):\n"
                + "\n".join(l for l in s.stdout.splitlines() if l.startswith("✗")) + s.stderr)
    F.finish()


if __name__ == "__main__":
    main()
