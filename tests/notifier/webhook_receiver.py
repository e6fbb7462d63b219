#!/usr/bin/env python3
"""An HTTP receiver for the notifier's webhook tests, on 127.0.0.1:PORT.
Checks each POST's X-Leadline-Signature (HMAC-SHA256 of "<timestamp>.<body>"
with the secret in SECRET_FILE) and appends one line per request to LOG:
    <path> <delivery id> <valid|invalid> <body>
/ok... answers 200, /fail... answers 500.
Usage: webhook_receiver.py PORT SECRET_FILE LOG"""
import hashlib
import hmac
import http.server
import sys
import threading

PORT = int(sys.argv[1])
SECRET = open(sys.argv[2], "rb").read().rstrip(b"\r\n")
LOG = sys.argv[3]
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        ts = self.headers.get("X-Leadline-Timestamp", "")
        sig = self.headers.get("X-Leadline-Signature", "")
        want = "sha256=" + hmac.new(SECRET, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        valid = "valid" if hmac.compare_digest(sig, want) else "invalid"
        delivery = self.headers.get("X-Leadline-Delivery", "-")
        with lock, open(LOG, "a") as f:
            f.write("%s %s %s %s\n" % (self.path, delivery, valid, body.decode("utf-8", "replace")))
        status = 500 if self.path.startswith("/fail") else 200
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok\n" if status == 200 else b"receiver is failing on purpose\n")

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer.allow_reuse_address = True
http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
