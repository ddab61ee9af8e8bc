#!/usr/bin/env python3
# A TCP echo client that sends its own text instead of the line it read,
# and prints the reply its own way.
import socket

HOST = '127.0.0.1'
PORT = 12500

message = input()
with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.connect((HOST, PORT))
    s.sendall(b'hello')
    data = s.recv(1024)

print('Received', repr(data))
