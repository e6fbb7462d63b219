#!/usr/bin/env python3
"""A minimal SMTP sink for the notifier's tests: accepts every message on
127.0.0.1:PORT and writes each one to DIR/<n>.eml (envelope sender and
recipients as X-Sink- headers first). Usage: smtp_sink.py PORT DIR"""
import os
import socketserver
import sys

PORT = int(sys.argv[1])
OUT = sys.argv[2]
os.makedirs(OUT, exist_ok=True)
counter = [0]


class Handler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        self.reply("220 sink ESMTP ready")
        sender, rcpts = "", []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink")
            elif verb == "MAIL":
                sender, rcpts = line[10:].strip(), []
                self.reply("250 ok")
            elif verb == "RCPT":
                rcpts.append(line[8:].strip())
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go ahead")
                data = []
                while True:
                    raw = self.rfile.readline()
                    if not raw or raw in (b".\r\n", b".\n"):
                        break
                    if raw.startswith(b".."):
                        raw = raw[1:]
                    data.append(raw)
                counter[0] += 1
                name = os.path.join(OUT, "%06d.eml" % counter[0])
                with open(name + ".tmp", "wb") as f:
                    f.write(("X-Sink-From: %s\r\nX-Sink-To: %s\r\n" % (sender, ",".join(rcpts))).encode())
                    f.write(b"".join(data))
                os.rename(name + ".tmp", name)
                self.reply("250 queued as %d" % counter[0])
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            elif verb in ("RSET", "NOOP"):
                self.reply("250 ok")
            else:
                self.reply("502 not implemented")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


with Server(("127.0.0.1", PORT), Handler) as server:
    server.serve_forever()
