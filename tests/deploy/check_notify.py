#!/usr/bin/env python3
"""What a Type=notify unit relies on, without systemd: run
`leadline-SERVICE run` with NOTIFY_SOCKET pointing at a datagram socket of
ours, against the PostgreSQL of tests/lib/with-pg. The service must send
READY=1 once it serves (its ops endpoint answers /healthz by then), and on
SIGTERM send STOPPING=1 and exit 0. Without READY=1 systemd would kill the
service at TimeoutStartSec and restart it forever.
Usage (under with-pg): check_notify.py SERVICE"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.request

from deploy_lib import Failures, binary, help_addresses, help_ports, help_text, is_bind, skip

WAIT_S = 90        # generous: a loaded CI machine; nothing here is timed


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_migrate(svc, env, F):
    out = subprocess.run([binary(svc), "migrate"], env=env, capture_output=True, text=True, timeout=120)
    return F.check(out.returncode == 0, f"leadline-{svc} migrate exited {out.returncode}:\n{out.stderr[-2000:]}")


def wait_for(sock, proc, word):
    """Datagrams until one holds `word`; None if the process exits first."""
    sock.settimeout(0.5)
    got = []
    for _ in range(int(WAIT_S / 0.5)):
        try:
            msg = sock.recv(4096).decode()
            got.append(msg)
            if word in msg.split("\n"):
                return got
        except socket.timeout:
            if proc.poll() is not None:
                return None
    return None


def main():
    svc = sys.argv[1]
    F = Failures(f"deploy_notify_{svc}")
    if not binary(svc):
        skip(F.name, f"leadline-{svc} is not built")
    if not os.environ.get("LEADLINE_DB"):
        skip(F.name, "LEADLINE_DB is not set; run under tests/lib/with-pg")
    env = dict(os.environ)
    # Every endpoint on a free port, and peers nowhere: other tests may run
    # the same services on their default ports.
    for var, (address, _) in help_addresses(help_text(svc)).items():
        if address.startswith("tcp://") and not is_bind(address):
            env[var] = f"tcp://127.0.0.1:{free_port()}"
    for var in help_ports(help_text(svc)):
        port = free_port()
        env[var] = f"127.0.0.1:{port}" if var.endswith("_HTTP") else f"tcp://127.0.0.1:{port}"
        if var.endswith("_HTTP"):
            http = port
    # Schema org comes with intake's migration; the others read it.
    if svc != "intake" and binary("intake") and not run_migrate("intake", env, F):
        F.finish()
    if not run_migrate(svc, env, F):
        F.finish()

    with tempfile.TemporaryDirectory(prefix="leadline-notify-") as tmp:
        path = os.path.join(tmp, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        env["NOTIFY_SOCKET"] = path
        log = open(os.path.join(tmp, "log"), "w+")
        proc = subprocess.Popen([binary(svc), "run"], env=env, stdout=log, stderr=log)
        try:
            got = wait_for(sock, proc, "READY=1")
            if F.check(got is not None, f"leadline-{svc} sent no READY=1 "
                                        f"({'it exited ' + str(proc.returncode) if proc.poll() is not None else 'still running'})"):
                with urllib.request.urlopen(f"http://127.0.0.1:{http}/healthz", timeout=10) as r:
                    F.check(r.status == 200, f"/healthz answered {r.status} after READY=1")
                proc.send_signal(signal.SIGTERM)
                got = wait_for(sock, proc, "STOPPING=1")
                F.check(got is not None, f"leadline-{svc} sent no STOPPING=1 after SIGTERM")
                try:
                    rc = proc.wait(timeout=WAIT_S)
                except subprocess.TimeoutExpired:
                    rc = None
                F.check(rc == 0, f"leadline-{svc} exited {rc} after SIGTERM, not 0")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if F.problems:
                log.seek(0)
                print("".join(log.readlines()[-15:]))
            log.close()
            sock.close()
    F.finish()


if __name__ == "__main__":
    main()
