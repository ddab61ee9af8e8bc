#!/usr/bin/env python3
"""The classroom Turtle Sniffer's printing code, run over a classic pcap file.

An independent reference for turtle's Go decoder: the functions below follow
docs/turtle-format.md line by line (ethernet_frame, ipv4_packet, ...),
as the classroom code does, and print each Ethernet frame of a little- or
big-endian classic pcap. Where the classroom code would raise (a header
shorter than what it unpacks) this prints turtle's documented truncation
line instead, so whole captures can be compared.

With --basic it prints each frame as the classroom Basic Sniffer does:
print(raw_data), Python's own repr of a bytes object.

Usage: classroom_turtle.py [--basic] FILE.pcap
"""
import socket
import struct
import sys
import textwrap

TAB_1 = '\t - '
TAB_2 = '\t\t - '
TAB_3 = '\t\t\t - '
DATA_TAB_1 = '\t   '
DATA_TAB_2 = '\t\t   '
DATA_TAB_3 = '\t\t\t   '


def ethernet_frame(data):
    dest_mac, src_mac, proto = struct.unpack('! 6s 6s H', data[:14])
    return get_mac_addr(dest_mac), get_mac_addr(src_mac), socket.htons(proto), data[14:]


def get_mac_addr(bytes_addr):
    return ':'.join(map('{:02x}'.format, bytes_addr)).upper()


def ipv4_packet(data):
    version_header_length = data[0]
    version = version_header_length >> 4
    header_length = (version_header_length & 15) * 4
    ttl, proto, src, target = struct.unpack('! 8x B B 2x 4s 4s', data[:20])
    return version, header_length, ttl, proto, ipv4(src), ipv4(target), data[header_length:]


def ipv4(addr):
    return '.'.join(map(str, addr))


def icmp_packet(data):
    icmp_type, code, checksum = struct.unpack('! B B H', data[:4])
    return icmp_type, code, checksum, data[4:]


def tcp_segment(data):
    (src_port, dest_port, sequence, acknowledgment, offset_reserved_flags) = struct.unpack('! H H L L H', data[:14])
    offset = (offset_reserved_flags >> 12) * 4
    flag_urg = (offset_reserved_flags & 32) >> 5
    flag_ack = (offset_reserved_flags & 16) >> 4
    flag_psh = (offset_reserved_flags & 8) >> 3
    flag_rst = (offset_reserved_flags & 4) >> 2
    flag_syn = (offset_reserved_flags & 2) >> 1
    flag_fin = offset_reserved_flags & 1
    return src_port, dest_port, sequence, acknowledgment, flag_urg, flag_ack, flag_psh, flag_rst, flag_syn, flag_fin, data[offset:]


def udp_segment(data):
    src_port, dest_port, size = struct.unpack('! H H H 2x', data[:8])
    return src_port, dest_port, size, data[8:]


def format_multi_line(prefix, string, size=80):
    size -= len(prefix)
    if isinstance(string, bytes):
        string = ''.join(r'\x{:02x}'.format(byte) for byte in string)
        if size % 2:
            size -= 1
    return '\n'.join([prefix + line for line in textwrap.wrap(string, size)])


def truncated(tab, layer, have, need):
    print(tab + '{}: truncated ({} of {} bytes)'.format(layer, have, need))


def print_frame(raw_data):
    print('\nEthernet Frame:')
    if len(raw_data) < 14:
        return truncated(TAB_1, 'Ethernet Frame', len(raw_data), 14)
    dest_mac, src_mac, eth_proto, data = ethernet_frame(raw_data)
    print(TAB_1 + 'Destination: {}, Source: {}, Protocol: {}'.format(dest_mac, src_mac, eth_proto))
    if eth_proto != 8:
        return
    if len(data) < 20:
        return truncated(TAB_1, 'IPv4 Packet', len(data), 20)
    (version, header_length, ttl, proto, src, target, data) = ipv4_packet(data)
    print(TAB_1 + 'IPv4 Packet:')
    print(TAB_2 + 'Version: {}, Header Length: {}, TTL: {}'.format(version, header_length, ttl))
    print(TAB_2 + 'Protocol: {}, Source: {}, Target: {}'.format(proto, src, target))
    if proto == 1:
        if len(data) < 4:
            return truncated(TAB_1, 'ICMP Packet', len(data), 4)
        icmp_type, code, checksum, data = icmp_packet(data)
        print(TAB_1 + 'ICMP Packet:')
        print(TAB_2 + 'Type: {}, Code: {}, Checksum: {}'.format(icmp_type, code, checksum))
        print(TAB_2 + 'Data:')
        print(format_multi_line(DATA_TAB_3, data))
    elif proto == 6:
        if len(data) < 14:
            return truncated(TAB_1, 'TCP Segment', len(data), 14)
        (src_port, dest_port, sequence, acknowledgment, flag_urg, flag_ack, flag_psh, flag_rst, flag_syn,
         flag_fin, data) = tcp_segment(data)
        print(TAB_1 + 'TCP Segment:')
        print(TAB_2 + 'Source Port: {}, Destination Port: {}'.format(src_port, dest_port))
        print(TAB_2 + 'Sequence: {}, Acknowledgment: {}'.format(sequence, acknowledgment))
        print(TAB_2 + 'Flags:')
        print(TAB_3 + 'URG: {}, ACK: {}, PSH: {}, RST: {}, SYN: {}, FIN: {}'.format(
            flag_urg, flag_ack, flag_psh, flag_rst, flag_syn, flag_fin))
        print(TAB_2 + 'Data:')
        print(format_multi_line(DATA_TAB_3, data))
    elif proto == 17:
        if len(data) < 8:
            return truncated(TAB_1, 'UDP Segment', len(data), 8)
        src_port, dest_port, length, data = udp_segment(data)
        print(TAB_1 + 'UDP Segment:')
        print(TAB_2 + 'Source Port: {}, Destination Port: {}, Length: {}'.format(src_port, dest_port, length))
        print(TAB_2 + 'Data:')
        print(format_multi_line(DATA_TAB_3, data))
    else:
        print(TAB_1 + 'Data:')
        print(format_multi_line(DATA_TAB_2, data))


def main(path, basic=False):
    with open(path, 'rb') as f:
        header = f.read(24)
        magic = header[:4]
        if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
            order = '<'
        elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
            order = '>'
        else:
            sys.exit('classroom_turtle.py: %s: not a classic pcap file' % path)
        linktype = struct.unpack(order + 'I', header[20:24])[0] & 0xffff
        if linktype != 1 and not basic:
            sys.exit('classroom_turtle.py: %s: link type %d is not Ethernet' % (path, linktype))
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                break
            _, _, caplen, _ = struct.unpack(order + 'IIII', rec)
            raw_data = f.read(caplen)
            if basic:
                print(raw_data)
            else:
                print_frame(raw_data)


if __name__ == '__main__':
    if sys.argv[1] == '--basic':
        main(sys.argv[2], basic=True)
    else:
        main(sys.argv[1])
