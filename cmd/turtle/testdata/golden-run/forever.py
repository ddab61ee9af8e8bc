#!/usr/bin/env python3
"""A decoder that never stops printing, for `turtle golden check --run`
tests of --max-output.

Usage: forever.py FILE.pcap
"""
while True:
    print('Ethernet Frame:')
