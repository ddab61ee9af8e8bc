#!/usr/bin/env python3
# Basic Sniffer, as in the class notes: prints what recvfrom returns for
# every frame. Run it as root (or with CAP_NET_RAW); stop it with Ctrl-C.
import socket

conn = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(3))

while True:
    print(conn.recvfrom(65535))
