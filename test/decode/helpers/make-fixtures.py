#!/usr/bin/env python3
"""Writes test/decode/fixtures.ts: hand-built packets as hex, each with the `tcpdump -X` dump beside it.
Run from the repository root: python3 test/decode/helpers/make-fixtures.py (needs tcpdump)."""
import struct, subprocess, tempfile, os

def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b)//2), b))
    while s > 0xffff: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def ip4(a): return bytes(int(x) for x in a.split('.'))
def ip6(a):
    import ipaddress; return ipaddress.IPv6Address(a).packed
MAC1 = bytes.fromhex('020000000001'); MAC2 = bytes.fromhex('020000000002')

def eth(payload, etype=0x0800, dst=MAC2, src=MAC1): return dst + src + struct.pack('!H', etype) + payload

def ipv4(payload, proto, src='10.0.0.1', dst='10.0.0.2', ttl=64, ident=1, flags_frag=0, opts=b'', total=None, bad=False):
    ihl = 5 + len(opts)//4
    tl = total if total is not None else 20 + len(opts) + len(payload)
    h = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, 0, tl, ident, flags_frag, ttl, proto, 0, ip4(src), ip4(dst)) + opts
    c = csum(h)
    if bad: c ^= 0x1111
    return h[:10] + struct.pack('!H', c) + h[12:] + payload

def ipv6(payload, nh, src='2001:db8::1', dst='2001:db8::2', hlim=64):
    return struct.pack('!IHBB', 0x60000000, len(payload), nh, hlim) + ip6(src) + ip6(dst) + payload

def tcp(sport, dport, flags, seq=1000, ack=0, win=65535, opts=b'', payload=b''):
    off = 5 + len(opts)//4
    return struct.pack('!HHIIBBHHH', sport, dport, seq, ack, off << 4, flags, win, 0, 0) + opts + payload

def udp(sport, dport, payload, length=None):
    return struct.pack('!HHHH', sport, dport, length if length is not None else 8 + len(payload), 0) + payload

def icmp(t, c, rest=b'\0\0\0\0', payload=b''):
    return struct.pack('!BBH', t, c, 0) + rest + payload

def dname(n):
    if n == '.': return b'\0'
    return b''.join(bytes([len(l)]) + l.encode() for l in n.split('.')) + b'\0'

def dns_query(ident, name, qtype):
    return struct.pack('!HHHHHH', ident, 0x0100, 1, 0, 0, 0) + dname(name) + struct.pack('!HH', qtype, 1)

def rr(name_bytes, t, ttl, rdata):
    return name_bytes + struct.pack('!HHIH', t, 1, ttl, len(rdata)) + rdata

def dns_response():
    # Header, question www.example.com A, then answers using compression pointers to offset 12.
    q = dname('www.example.com')  # at offset 12
    hdr = struct.pack('!HHHHHH', 0x1234, 0x8180, 1, 7, 1, 1)
    body = q + struct.pack('!HH', 1, 1)
    ptr_www = b'\xc0\x0c'
    ptr_ex = b'\xc0\x10'  # "example.com" inside the question name
    answers = b''
    answers += rr(ptr_www, 5, 300, b'\x03web' + ptr_ex)            # CNAME web.example.com
    answers += rr(ptr_www, 1, 300, ip4('93.184.216.34'))            # A
    answers += rr(ptr_www, 28, 300, ip6('2606:2800:220:1::248'))    # AAAA
    answers += rr(ptr_ex, 15, 3600, struct.pack('!H', 10) + b'\x04mail' + ptr_ex)  # MX 10 mail.example.com
    answers += rr(ptr_ex, 16, 60, b'\x0bhello world\x03a"b')        # TXT two strings
    answers += rr(b'\x04_sip\x04_udp' + ptr_ex, 33, 60, struct.pack('!HHH', 1, 2, 5060) + b'\x03sip' + ptr_ex)  # SRV
    answers += rr(ptr_ex, 13, 60, b'\x03cpu\x02os')                 # HINFO: shown as hex
    auth = rr(ptr_ex, 6, 900, b'\x03ns1' + ptr_ex + b'\x05admin' + ptr_ex + struct.pack('!IIIII', 2024010101, 7200, 3600, 1209600, 300))
    add = rr(b'\x03ns1' + ptr_ex, 2, 900, b'\x03ns2' + ptr_ex)      # NS in additional
    return hdr + body + answers + auth + add

def tcpdump_x(frames, linktype=1):
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, 'x.pcap')
        with open(f, 'wb') as o:
            o.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, linktype))
            for i, fr in enumerate(frames):
                o.write(struct.pack('<IIII', 1700000000 + i, 0, len(fr), len(fr)) + fr)
        out = subprocess.run(['tcpdump', '-nn', '-vv', '-e', '-XX', '-r', f], capture_output=True, text=True).stdout
        return out

FIX = []
def add(name, frame, linktype=1, note=''):
    FIX.append((name, frame, linktype, note))

syn_opts = struct.pack('!BBH', 2, 4, 1460) + b'\x04\x02' + struct.pack('!BBII', 8, 10, 123456, 0) + b'\x01' + struct.pack('!BBB', 3, 3, 7)
add('tcpSynOptions', eth(ipv4(tcp(40000, 80, 0x02, opts=syn_opts), 6)), note='TCP SYN with MSS 1460, SACK permitted, timestamps 123456/0, NOP, window scale 7')
add('vlanQinQDns', eth(struct.pack('!HH', 100, 0x8100) + struct.pack('!HH', 0x2000 | 200, 0x0800) + ipv4(udp(5353, 53, dns_query(0xbeef, 'example.com', 1)), 17), etype=0x88a8), note='802.1ad tag 100, 802.1Q tag 200 (priority 1), IPv4/UDP DNS query example.com A')
ra = bytes([0x94, 4, 0, 0])
add('ipv4OptionsIcmpEcho', eth(ipv4(icmp(8, 0, struct.pack('!HH', 7, 1), b'ping'), 1, opts=ra)), note='IPv4 with a router-alert option (IHL 6), ICMP echo request')
add('ipv4BadChecksum', eth(ipv4(icmp(8, 0, struct.pack('!HH', 7, 1), b'ping'), 1, bad=True)), note='IPv4 header checksum wrong')
hbh = bytes([60, 0, 1, 4, 0, 0, 0, 0])        # next: dest opts; PadN
dst = bytes([43, 0, 1, 4, 0, 0, 0, 0])        # next: routing
rt = bytes([6, 0, 4, 0, 0, 0, 0, 0])          # next: TCP; type 4 (SRH) with 0 segments left, no addresses
add('ipv6ExtChainTcp', eth(ipv6(hbh + dst + rt + tcp(50000, 443, 0x12, seq=5, ack=1001), 0), etype=0x86dd), note='IPv6 hop-by-hop -> destination options -> routing -> TCP SYN+ACK')
quoted = ipv4(udp(5353, 53, b'')[:8], 17, src='10.0.0.2', dst='10.0.0.1')
add('icmpPortUnreachable', eth(ipv4(icmp(3, 3, b'\0\0\0\0', quoted), 1, src='10.0.0.1', dst='10.0.0.2')), note='ICMP port unreachable quoting IPv4/UDP 10.0.0.2:5353 -> 10.0.0.1:53')
q6 = ipv6(tcp(33000, 22, 0x02)[:8], 6, src='2001:db8::2', dst='2001:db8::99', hlim=1)
add('icmpv6TimeExceeded', eth(ipv6(icmp(3, 0, b'\0\0\0\0', q6), 58, src='2001:db8::fe', dst='2001:db8::2'), etype=0x86dd), note='ICMPv6 time exceeded quoting IPv6/TCP [2001:db8::2]:33000 -> [2001:db8::99]:22')
add('dnsResponse', eth(ipv4(udp(53, 5353, dns_response()), 17, src='10.0.0.53', dst='10.0.0.2')), note='DNS response with compression: CNAME, A, AAAA, MX, TXT, SRV, HINFO (hex), SOA in authority, NS in additional')
loop = struct.pack('!HHHHHH', 1, 0x0100, 1, 0, 0, 0) + b'\x03abc\xc0\x0c' + struct.pack('!HH', 1, 1)
add('dnsPointerLoop', eth(ipv4(udp(1024, 53, loop), 17)), note='question name "abc" then a pointer back to its own start (offset 12): a loop')
fwd = struct.pack('!HHHHHH', 2, 0x0100, 1, 0, 0, 0) + b'\xc0\x12' + struct.pack('!HH', 1, 1) + dname('x.example')
add('dnsForwardPointer', eth(ipv4(udp(1024, 53, fwd), 17)), note='question name is a pointer forward to offset 18')
badl = struct.pack('!HHHHHH', 3, 0x0100, 1, 0, 0, 0) + b'\x41\x08\xff\x00' + struct.pack('!HH', 1, 1)
add('dnsBadLabel', eth(ipv4(udp(1024, 53, badl), 17)), note='label type 0x40 (extended label, RFC 6891 deprecated)')
longn = struct.pack('!HHHHHH', 4, 0x0100, 2, 0, 0, 0) + (b'\x3f' + b'a' * 63) * 4 + b'\0' + struct.pack('!HH', 1, 1) + dname('ok.example') + struct.pack('!HH', 28, 1)
add('dnsLongName', eth(ipv4(udp(1024, 53, longn), 17)), note='first question name is 4 x 63-byte labels (257 bytes on the wire), second is fine')
dq = dns_query(0x4242, 'tcp.example', 15)
add('dnsOverTcp', eth(ipv4(tcp(40001, 53, 0x18, seq=1, ack=1, payload=struct.pack('!H', len(dq)) + dq), 6)), note='DNS over TCP: 2-byte length then a query tcp.example MX')
req = b'GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\n\r\n'
add('httpRequest', eth(ipv4(tcp(40002, 8080, 0x18, seq=1, ack=1, payload=req), 6)), note='HTTP GET on port 8080 (recognised by content)')
resp = b'HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 9\r\n\r\nnot found'
add('httpResponse', eth(ipv4(tcp(80, 40003, 0x18, seq=1, ack=1, payload=resp), 6, src='10.0.0.2', dst='10.0.0.1')), note='HTTP response 404 with a 9-byte body')
arp = struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + MAC1 + ip4('10.0.0.1') + b'\0' * 6 + ip4('10.0.0.2')
add('arpWhoHas', eth(arp, etype=0x0806, dst=b'\xff' * 6), note='ARP request: who-has 10.0.0.2 tell 10.0.0.1')
# nmap -f: a TCP SYN (20-byte header) split into 8-byte fragments.
full_tcp = tcp(41000, 22, 0x02, seq=777)
frags = [full_tcp[0:8], full_tcp[8:16], full_tcp[16:20]]
for i, part in enumerate(frags):
    mf = 0x2000 if i < len(frags) - 1 else 0
    add('frag%d' % i, eth(ipv4(part, 6, ident=0x5151, flags_frag=mf | i)), note='nmap -f style fragment %d of a TCP SYN to port 22 (offset %d)' % (i, i * 8))
add('sll', bytes.fromhex('0000000100060200000000010000') + struct.pack('!H', 0x0800) + ipv4(udp(1234, 53, dns_query(7, 'sll.example', 1)), 17), linktype=113, note='Linux cooked v1, IPv4/UDP DNS query')
add('sll2', struct.pack('!HHIHBB', 0x86dd, 0, 2, 1, 4, 6) + MAC1 + b'\0\0' + ipv6(udp(1234, 53, dns_query(8, 'sll2.example', 28)), 17), linktype=276, note='Linux cooked v2, IPv6/UDP DNS query')
add('nullAf30', struct.pack('<I', 30) + ipv6(tcp(1, 2, 0x04), 6), linktype=0, note='BSD loopback, AF 30 (macOS AF_INET6), IPv6/TCP RST')
add('rawIpv4', ipv4(udp(9, 9, b'x'), 17), linktype=101, note='raw IPv4, UDP discard')

lines = ['// Hand-built packets for the decoder unit tests, as hex with the `tcpdump -nn -vv -e -XX` dump beside each.',
         '// Generated by test/decode/helpers/make-fixtures.py; edit that script, not this file.',
         '', 'export interface Fixture {', '  linkType: number;', '  hex: string;', '}', '']
for name, frame, lt, note in FIX:
    dump = tcpdump_x([frame], lt).rstrip('\n').split('\n')
    lines.append('/**')
    lines.append(' * ' + note)
    for l in dump:
        lines.append(' *   ' + l.replace('*/', '* /').rstrip())
    lines.append(' */')
    lines.append('export const %s: Fixture = { linkType: %d, hex: %r };' % (name, lt, frame.hex()))
    lines.append('')
open('test/decode/fixtures.ts', 'w').write('\n'.join(lines).replace("hex: '", "hex: '"))
print(len(FIX), 'fixtures')
