#!/usr/bin/env python3
"""What a Type=notify unit relies on, without systemd: run
`leadline-SERVICE run` with NOTIFY_SOCKET pointing at a datagram socket of
ours, against the PostgreSQL of tests/lib/with-pg. Each instance must send
READY=1 once it serves (its ops endpoint answers /healthz by then) — a
second instance too, though for intake and sla-watcher it is a standby
that waits for a lock — and on SIGTERM send STOPPING=1 and exit 0.
Without READY=1 systemd kills the service at TimeoutStartSec and restarts
it forever. Usage (under with-pg): check_notify.py SERVICE"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.request

from deploy_lib import Failures, binary, help_addresses, help_ports, help_text, is_bind, skip

WAIT_S = 90        # generous, for a loaded CI machine; nothing here is timed


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_migrate(svc, env, F):
    out = subprocess.run([binary(svc), "migrate"], env=env, capture_output=True, text=True, timeout=120)
    return F.check(out.returncode == 0, f"leadline-{svc} migrate exited {out.returncode}:\n{out.stderr[-2000:]}")


class Instance:
    """One `run` process with its own ports, notify socket and log."""

    def __init__(self, svc, base_env, tmp, n):
        self.svc, self.name = svc, f"leadline-{svc} #{n}"
        env = dict(base_env)
        # Every endpoint on a free port: other tests may run the same
        # services on their default ports.
        for var in help_ports(help_text(svc)):
            port = free_port()
            env[var] = f"127.0.0.1:{port}" if var.endswith("_HTTP") else f"tcp://127.0.0.1:{port}"
            if var.endswith("_HTTP"):
                self.http = port
        path = os.path.join(tmp, f"notify-{n}")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        env["NOTIFY_SOCKET"] = path
        self.log = open(os.path.join(tmp, f"log-{n}"), "w+")
        self.proc = subprocess.Popen([binary(svc), "run"], env=env, stdout=self.log, stderr=self.log)

    def wait_for(self, word):
        """True once a datagram holds `word`; False if the process exits or
        WAIT_S passes first."""
        self.sock.settimeout(0.5)
        for _ in range(int(WAIT_S / 0.5)):
            try:
                if word in self.sock.recv(4096).decode().split("\n"):
                    return True
            except socket.timeout:
                if self.proc.poll() is not None:
                    return False
        return False

    def state(self):
        rc = self.proc.poll()
        return "still running" if rc is None else f"it exited {rc}"

    def close(self, show_log):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if show_log:
            self.log.seek(0)
            print(f"--- {self.name}, last lines of its log:\n" + "".join(self.log.readlines()[-12:]))
        self.log.close()
        self.sock.close()


def main():
    svc = sys.argv[1]
    F = Failures(f"deploy_notify_{svc}")
    if not binary(svc):
        skip(F.name, f"leadline-{svc} is not built")
    if not os.environ.get("LEADLINE_DB"):
        skip(F.name, "LEADLINE_DB is not set; run under tests/lib/with-pg")
    env = dict(os.environ)
    # Producers this service follows are nowhere: it must start without them.
    for var, (address, _) in help_addresses(help_text(svc)).items():
        if address.startswith("tcp://") and not is_bind(address):
            env[var] = f"tcp://127.0.0.1:{free_port()}"
    # Schema org comes with intake's migration; the others read it.
    if svc != "intake" and binary("intake") and not run_migrate("intake", env, F):
        F.finish()
    if not run_migrate(svc, env, F):
        F.finish()

    with tempfile.TemporaryDirectory(prefix="leadline-notify-") as tmp:
        first = second = None
        try:
            first = Instance(svc, env, tmp, 1)
            if F.check(first.wait_for("READY=1"), f"{first.name} sent no READY=1 ({first.state()})"):
                with urllib.request.urlopen(f"http://127.0.0.1:{first.http}/healthz", timeout=10) as r:
                    F.check(r.status == 200, f"{first.name}: /healthz answered {r.status} after READY=1")
                second = Instance(svc, env, tmp, 2)
                F.check(second.wait_for("READY=1"),
                        f"{second.name}, started while #1 runs, sent no READY=1 ({second.state()}); "
                        "a standby must report READY too, or systemd kills it")
            for inst in (second, first):
                if inst is None or inst.proc.poll() is not None:
                    continue
                inst.proc.send_signal(signal.SIGTERM)
                F.check(inst.wait_for("STOPPING=1"), f"{inst.name} sent no STOPPING=1 after SIGTERM")
                try:
                    rc = inst.proc.wait(timeout=WAIT_S)
                except subprocess.TimeoutExpired:
                    rc = None
                F.check(rc == 0, f"{inst.name} exited {rc} after SIGTERM, not 0")
        finally:
            for inst in (first, second):
                if inst:
                    inst.close(bool(F.problems))
    F.finish()


if __name__ == "__main__":
    main()
