#!/usr/bin/env python3
"""TEST MIRROR for the prerequisites scenario: serves /srv/mirror on 127.0.0.1:8080.

Every request is appended to /var/log/mirror-access.log so verify.yml can prove what was
(and was not) downloaded. Daemonizes itself: the parent returns once the server listens and
/run/mirror-server.pid exists.
"""

import functools
import http.server
import os
import sys

ROOT = "/srv/mirror"
ACCESS_LOG = "/var/log/mirror-access.log"
PID_FILE = "/run/mirror-server.pid"
ADDRESS = ("127.0.0.1", 8080)


class LoggingHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        with open(ACCESS_LOG, "a", encoding="utf-8") as log:
            log.write((format % args) + "\n")


def main():
    read_end, write_end = os.pipe()
    if os.fork() > 0:
        os.close(write_end)
        ready = os.read(read_end, 1)  # wait until the child is listening
        sys.exit(0 if ready == b"1" else 1)
    os.close(read_end)
    os.setsid()
    server = http.server.ThreadingHTTPServer(ADDRESS, functools.partial(LoggingHandler, directory=ROOT))
    with open(PID_FILE, "w", encoding="utf-8") as pid_file:
        pid_file.write(str(os.getpid()))
    devnull = os.open(os.devnull, os.O_RDWR)
    for stream in (0, 1, 2):
        os.dup2(devnull, stream)
    os.write(write_end, b"1")
    os.close(write_end)
    server.serve_forever()


if __name__ == "__main__":
    main()
