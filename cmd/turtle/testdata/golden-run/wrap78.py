#!/usr/bin/env python3
"""A decoder with a data-block bug, for `turtle golden check --run` tests:
the classroom Turtle Sniffer (scripts/classroom_turtle.py) wrapping its data
blocks at 78 columns instead of 80. Every frame whose data block is long
enough to wrap differs from turtle's goldens; the others still match.

Usage: wrap78.py FILE.pcap
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'scripts'))
import classroom_turtle  # noqa: E402

_format = classroom_turtle.format_multi_line
classroom_turtle.format_multi_line = lambda prefix, string, size=80: _format(prefix, string, size - 2)

if __name__ == '__main__':
    classroom_turtle.main(sys.argv[1])
