"""What the deploy checks share: the service list, the binaries' --help
(the source of truth for variables and default ports), the common
variables of docs/configuration.md, and small parsers for env files and
Dockerfiles. Every check exits 0 (pass), 1 (fail, with reasons) or
77 (skipped: something it needs is not built yet)."""
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEPLOY = os.path.join(ROOT, "deploy")
SERVICES = ["intake", "sla-watcher", "notifier", "reporting"]
# The word each service's own variables start with: LEADLINE_SLA_HTTP.
PREFIX = {"intake": "INTAKE", "sla-watcher": "SLA", "notifier": "NOTIFIER", "reporting": "REPORTING"}
SKIP = 77


class Failures:
    """Collects every problem so one run reports them all."""

    def __init__(self, name):
        self.name = name
        self.problems = []
        self.checked = 0

    def check(self, ok, message):
        self.checked += 1
        if not ok:
            self.problems.append(message)
        return ok

    def finish(self):
        for p in self.problems:
            print(f"{self.name}: {p}")
        if self.problems:
            print(f"{self.name}: {len(self.problems)} problem(s) in {self.checked} checks")
            sys.exit(1)
        print(f"{self.name}: {self.checked} checks passed")
        sys.exit(0)


def skip(name, why):
    print(f"{name}: skipped: {why}")
    sys.exit(SKIP)


def bin_dir():
    """The build's bin/ folder: argv or LEADLINE_BIN_DIR, else build/bin."""
    return os.environ.get("LEADLINE_BIN_DIR") or os.path.join(ROOT, "build", "bin")


def http_var(svc):
    """The variable of a service's ops endpoint (/healthz /readyz /metrics)."""
    return f"LEADLINE_{PREFIX[svc]}_HTTP"


def binary(svc):
    path = os.path.join(bin_dir(), f"leadline-{svc}")
    return path if os.access(path, os.X_OK) else None


def help_text(svc):
    """`leadline-<svc> --help`, or None when the binary is not built."""
    exe = binary(svc)
    if not exe:
        return None
    out = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise RuntimeError(f"{exe} --help exited {out.returncode}: {out.stderr}")
    return out.stdout


VAR_RE = re.compile(r"\bLEADLINE_[A-Z0-9_]*[A-Z0-9]\b")


def help_vars(text):
    """Variables a --help text names; `LEADLINE_CLOCK_*` becomes a prefix."""
    names = set(VAR_RE.findall(text))
    prefixes = {m + "_" for m in re.findall(r"\b(LEADLINE_[A-Z0-9_]*[A-Z0-9])_\*", text)}
    return names, prefixes


def help_addresses(text):
    """{variable: (default address, port)} for settings whose default is an
    address: `LEADLINE_X  what (default tcp://*:7100)`."""
    entries, out = [], {}
    for line in text.splitlines():
        m = re.match(r"\s*(LEADLINE_[A-Z0-9_]+)\s", line)
        if m:
            entries.append([m.group(1), line])
        elif entries and line.startswith("    "):
            entries[-1][1] += " " + line.strip()   # a description's next line
    for var, desc in entries:
        m = re.search(r"\(default\s+(\S+?)[;)]", desc)
        pm = re.search(r":(\d+)$", m.group(1)) if m else None
        if pm:
            out[var] = (m.group(1), int(pm.group(1)))
    return out


def is_bind(address):
    """tcp://*:N and host:port (the ops endpoint) are listened on;
    tcp://host:N is another service's address, connected to."""
    return address.startswith("tcp://*:") or "://" not in address


def help_ports(text):
    """{variable: port} of what the service listens on, by default."""
    return {k: p for k, (a, p) in help_addresses(text).items() if is_bind(a)}


def common_vars():
    """The variables of docs/configuration.md's "Common variables" table."""
    with open(os.path.join(ROOT, "docs", "configuration.md")) as f:
        doc = f.read()
    m = re.search(r"^## Common variables\n(.*?)(?=^## )", doc, re.S | re.M)
    if not m:
        raise RuntimeError("docs/configuration.md has no 'Common variables' section")
    return set(re.findall(r"^\| `(LEADLINE_[A-Z0-9_]+)`", m.group(1), re.M))


def allowed_vars(svc):
    """(names, prefixes) a service documents, or None if it is not built."""
    text = help_text(svc)
    if text is None:
        return None
    names, prefixes = help_vars(text)
    return names | common_vars(), prefixes


def documented(var, allowed):
    names, prefixes = allowed
    return var in names or any(var.startswith(p) and var != p for p in prefixes)


def parse_env_file(path):
    """KEY=VALUE lines as systemd's EnvironmentFile= reads them (no quoting
    or continuation is used in Leadline's files)."""
    env = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            if "=" not in s:
                raise ValueError(f"{path}:{n}: expected KEY=VALUE")
            k, v = s.split("=", 1)
            env[k.strip()] = v.strip()
    return env


def dockerfile_stages(path):
    """[(stage name, FROM image, [(INSTRUCTION, args)])] with continuation
    lines joined and comments dropped."""
    stages = []
    with open(path) as f:
        text = f.read()
    logical, buf = [], ""
    for raw in text.splitlines():
        line = raw.rstrip()
        if not buf and (not line.strip() or line.strip().startswith("#")):
            continue
        if line.strip().startswith("#"):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        logical.append(buf + line)
        buf = ""
    for line in logical:
        parts = line.strip().split(None, 1)
        ins, args = parts[0].upper(), (parts[1] if len(parts) > 1 else "")
        if ins == "FROM":
            m = re.match(r"(\S+)(?:\s+AS\s+(\S+))?", args, re.I)
            stages.append((m.group(2) or str(len(stages)), m.group(1), []))
        elif stages:
            stages[-1][2].append((ins, args))
    return stages


def install_deps_packages():
    with open(os.path.join(ROOT, "scripts", "install-deps.sh")) as f:
        text = f.read()
    m = re.search(r"^PKGS=\((.*?)^\)", text, re.S | re.M)
    return set(m.group(1).split())
