#!/usr/bin/python3
"""The classroom's threaded TCP echo server: one thread per client.

Usage: echo_threaded.py [PORT [DELAY]]   (scripts/bench-echo.sh measures it)
"""
import socket
import sys
import threading
import time

HOST = "127.0.0.1"
PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 12500
DELAY = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0


def handle(conn, addr):
    with conn:
        while True:
            data = conn.recv(1024)
            if not data:
                break
            if DELAY:
                time.sleep(DELAY)
            conn.sendall(data)


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen(4096)
print("Server listening on port", PORT, flush=True)
while True:
    conn, addr = server.accept()
    threading.Thread(target=handle, args=(conn, addr), daemon=True).start()
