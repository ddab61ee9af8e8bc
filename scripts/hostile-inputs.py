#!/usr/bin/env python3
"""hostile-inputs.py DIR: writes the hostile inputs of scripts/bench-hostile.sh
(issue 19) into DIR. Each is small on disk and large or deep once read.

  bomb.pcap.gz     MB MiB of capture (default 200) of one 1514-byte frame
                   repeated, gzip-compressed to a few hundred KB
  syns.pcap.gz     SYNS (default 1,000,000) SYNs, each a connection of its own
  ooo.pcap         one connection whose first data segment is missing, then
                   2,500 segments of 1,000 bytes, all out of order
  deep-inline.toml inline tables nested 8,000 deep
  deep-array.toml  arrays nested 1,000,000 deep
  dotted.toml      a table header of 100,000 dotted parts
"""
import gzip, os, struct, sys

out = sys.argv[1]
MB = int(os.environ.get("MB", "200"))
SYNS = int(os.environ.get("SYNS", "1000000"))

def pcap_header(link=1):
    return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, link)

def rec(i, data):
    return struct.pack("<IIII", 1700000000 + i // 1000, (i % 1000) * 1000, len(data), len(data)) + data

def ipv4_tcp(src, sport, dport, seq, flags, payload=b""):
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 65535, 0, 0)
    total = 20 + len(tcp) + len(payload)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, total, 0, 0, 64, 6, 0, src, bytes([10, 0, 0, 2]))
    return b"\x00\x01\x02\x03\x04\x05\x00\x01\x02\x03\x04\x06\x08\x00" + ip + tcp + payload

frame = ipv4_tcp(bytes([10, 0, 0, 1]), 40000, 12500, 1, 0x18, b"x" * 1460)
n = MB * 1048576 // (16 + len(frame))
with gzip.open(os.path.join(out, "bomb.pcap.gz"), "wb", compresslevel=6) as f:
    f.write(pcap_header())
    chunk = b"".join(rec(i, frame) for i in range(1000))
    for _ in range(n // 1000):
        f.write(chunk)

with gzip.open(os.path.join(out, "syns.pcap.gz"), "wb", compresslevel=6) as f:
    f.write(pcap_header())
    buf = []
    for i in range(SYNS):
        src = bytes([10, 1 + (i >> 16) % 250, (i >> 8) & 255, i & 255])
        buf.append(rec(i, ipv4_tcp(src, 1024 + i % 60000, 12500, i, 0x02)))
        if len(buf) == 10000:
            f.write(b"".join(buf))
            buf = []
    f.write(b"".join(buf))

with open(os.path.join(out, "ooo.pcap"), "wb") as f:
    f.write(pcap_header())
    src = bytes([10, 0, 0, 1])
    f.write(rec(0, ipv4_tcp(src, 40000, 12500, 999, 0x02)))
    for i in range(1, 2501):
        f.write(rec(i, ipv4_tcp(src, 40000, 12500, 1000 + 1000 * i, 0x18, b"y" * 1000)))

with open(os.path.join(out, "deep-inline.toml"), "w") as f:
    f.write("x = " + "{a=" * 8000 + "1" + "}" * 8000 + "\n")
with open(os.path.join(out, "deep-array.toml"), "w") as f:
    f.write("x = " + "[" * 1000000 + "]" * 1000000 + "\n")
with open(os.path.join(out, "dotted.toml"), "w") as f:
    f.write("[" + "a." * 100000 + "a]\n")
