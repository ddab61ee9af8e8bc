#!/usr/bin/env python3
# UDP echo server, as in the class notes.
import socket

HOST = '127.0.0.1'
PORT = 10001

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((HOST, PORT))
print('UDP server up and listening on port', PORT)
while True:
    data, addr = sock.recvfrom(1024)
    print('Message from {}: {}'.format(addr, data.decode()))
    sock.sendto(data, addr)
