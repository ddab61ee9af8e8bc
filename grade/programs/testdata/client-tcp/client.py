#!/usr/bin/env python3
# TCP echo client, as in the class notes: sends one line and prints the
# server's reply.
import socket

HOST = '127.0.0.1'
PORT = 12500

message = input()
with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.connect((HOST, PORT))
    s.sendall(message.encode())
    data = s.recv(1024)

print('Reply from Server:', data.decode())
