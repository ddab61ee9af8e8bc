#!/usr/bin/env python3
# UDP echo client, as in the class notes: sends one line and prints where
# the echo came from and what it says.
import socket

HOST = '127.0.0.1'
PORT = 10001

message = input()
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.sendto(message.encode(), (HOST, PORT))
data, addr = sock.recvfrom(1024)
print('IP: {} | Port: {}'.format(addr[0], addr[1]))
print(data.decode())
