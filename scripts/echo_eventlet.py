#!/usr/bin/python3
"""The classroom's event-driven TCP echo server: eventlet's GreenPool(10000).

Needs Debian's python3-eventlet; run with /usr/bin/python3.
Usage: echo_eventlet.py [PORT [DELAY]]   (scripts/bench-echo.sh measures it)
"""
import sys

import eventlet

HOST = "127.0.0.1"
PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 12500
DELAY = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0


def handle(conn):
    while True:
        data = conn.recv(1024)
        if not data:
            break
        if DELAY:
            eventlet.sleep(DELAY)
        conn.sendall(data)
    conn.close()


server = eventlet.listen((HOST, PORT), backlog=4096)
pool = eventlet.GreenPool(10000)
print("Server listening on port", PORT, flush=True)
while True:
    new_sock, address = server.accept()
    pool.spawn_n(handle, new_sock)
