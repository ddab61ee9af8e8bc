#!/usr/bin/env python3
"""A decoder that crashes on the first TCP segment, for `turtle golden check
--run` tests: the classroom Turtle Sniffer (scripts/classroom_turtle.py)
whose tcp_segment raises. It prints every frame before that one, then dies
with a traceback and exit status 1.

Usage: crash_on_tcp.py FILE.pcap
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'scripts'))
import classroom_turtle  # noqa: E402


def tcp_segment(data):
    raise ValueError('cannot unpack a TCP segment of %d bytes' % len(data))


classroom_turtle.tcp_segment = tcp_segment

if __name__ == '__main__':
    classroom_turtle.main(sys.argv[1])
