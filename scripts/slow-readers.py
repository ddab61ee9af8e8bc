#!/usr/bin/env python3
"""slow-readers.py HOST PORT N: opens N TCP connections to an echo server,
sends on each until the server stops reading (the kernel's buffers and the
server's queue full), never reads an echo, holds them 2 s, and closes them.
Used by scripts/bench-hostile.sh (issue 19 item 15)."""
import socket, sys, time

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
chunk = b"z" * 65536
socks = []
for _ in range(n):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16384)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the echo backs up at once
    s.connect((host, port))
    s.setblocking(False)
    socks.append(s)
# Send until the server takes nothing more for a while: its kernel send
# buffer grows (up to tcp_wmem's 4 MB) before its own queue fills.
stalled, deadline = 0, time.time() + 60
while stalled < 3 and time.time() < deadline:
    moved = 0
    for s in socks:
        try:
            while True:
                moved += s.send(chunk)
        except (BlockingIOError, OSError):
            pass
    stalled = stalled + 1 if moved == 0 else 0
    time.sleep(0.3)
time.sleep(2)
for s in socks:
    s.close()
