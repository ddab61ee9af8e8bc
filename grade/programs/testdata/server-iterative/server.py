#!/usr/bin/env python3
# The same server without threads: it serves one client at a time, so
# the sleep adds up.
import socket
import time

HOST = '127.0.0.1'
PORT = 12500


def handle_client(conn, addr):
    print('Connected by', addr)
    with conn:
        while True:
            data = conn.recv(1024)
            if not data:
                break
            time.sleep(3)
            conn.sendall(data)


with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((HOST, PORT))
    s.listen()
    print('Server listening on port', PORT)
    while True:
        conn, addr = s.accept()
        handle_client(conn, addr)
