// Well-known port to service names for TCP and UDP, after the IANA Service Name and Transport Protocol
// Port Number Registry (RFC 6335), with the short names tools such as tshark and nmap print.

/** Names that hold for both TCP and UDP. */
const BOTH: ReadonlyArray<readonly [number, string]> = [
  [7, 'echo'],
  [9, 'discard'],
  [13, 'daytime'],
  [19, 'chargen'],
  [37, 'time'],
  [53, 'dns'],
  [88, 'kerberos'],
  [111, 'sunrpc'],
  [123, 'ntp'],
  [135, 'msrpc'],
  [137, 'netbios-ns'],
  [138, 'netbios-dgm'],
  [139, 'netbios-ssn'],
  [161, 'snmp'],
  [162, 'snmptrap'],
  [179, 'bgp'],
  [389, 'ldap'],
  [427, 'svrloc'],
  [443, 'https'],
  [445, 'microsoft-ds'],
  [464, 'kpasswd'],
  [500, 'isakmp'],
  [554, 'rtsp'],
  [636, 'ldaps'],
  [853, 'domain-s'],
  [1194, 'openvpn'],
  [1433, 'ms-sql-s'],
  [1434, 'ms-sql-m'],
  [1521, 'oracle'],
  [1701, 'l2tp'],
  [1723, 'pptp'],
  [1812, 'radius'],
  [1813, 'radius-acct'],
  [1883, 'mqtt'],
  [2049, 'nfs'],
  [3268, 'globalcatLDAP'],
  [3306, 'mysql'],
  [3389, 'rdp'],
  [3478, 'stun'],
  [3690, 'svn'],
  [4500, 'ipsec-nat-t'],
  [5060, 'sip'],
  [5061, 'sips'],
  [5353, 'mdns'],
  [5432, 'postgresql'],
  [5900, 'vnc'],
  [6379, 'redis'],
  [8080, 'http-alt'],
  [11211, 'memcache'],
];

const TCP_ONLY: ReadonlyArray<readonly [number, string]> = [
  [20, 'ftp-data'],
  [21, 'ftp'],
  [22, 'ssh'],
  [23, 'telnet'],
  [25, 'smtp'],
  [43, 'whois'],
  [70, 'gopher'],
  [79, 'finger'],
  [80, 'http'],
  [110, 'pop3'],
  [113, 'ident'],
  [119, 'nntp'],
  [143, 'imap'],
  [194, 'irc'],
  [465, 'smtps'],
  [513, 'login'],
  [514, 'shell'],
  [515, 'printer'],
  [543, 'klogin'],
  [544, 'kshell'],
  [587, 'submission'],
  [631, 'ipp'],
  [873, 'rsync'],
  [990, 'ftps'],
  [992, 'telnets'],
  [993, 'imaps'],
  [995, 'pop3s'],
  [1080, 'socks'],
  [1099, 'rmiregistry'],
  [2375, 'docker'],
  [2376, 'docker-s'],
  [3000, 'ppp'],
  [5000, 'upnp'],
  [5222, 'xmpp-client'],
  [5269, 'xmpp-server'],
  [5601, 'kibana'],
  [5672, 'amqp'],
  [5985, 'wsman'],
  [5986, 'wsmans'],
  [6000, 'x11'],
  [6443, 'kubernetes'],
  [6667, 'irc'],
  [8000, 'http-alt'],
  [8008, 'http'],
  [8443, 'https-alt'],
  [8888, 'sun-answerbook'],
  [9000, 'cslistener'],
  [9090, 'zeus-admin'],
  [9092, 'kafka'],
  [9100, 'jetdirect'],
  [9200, 'elasticsearch'],
  [9418, 'git'],
  [10000, 'snet-sensor-mgmt'],
  [27017, 'mongodb'],
];

const UDP_ONLY: ReadonlyArray<readonly [number, string]> = [
  [67, 'dhcps'],
  [68, 'dhcpc'],
  [69, 'tftp'],
  [514, 'syslog'],
  [520, 'rip'],
  [546, 'dhcpv6-client'],
  [547, 'dhcpv6-server'],
  [1900, 'ssdp'],
  [4789, 'vxlan'],
  [5355, 'llmnr'],
  [6081, 'geneve'],
  [51820, 'wireguard'],
];

// Maps, not dense arrays of 65,536 texts: serviceName is asked only when a flow or a port is listed, and
// the two arrays were 1 MB of the heap (5% of the bytes a 200 k benign run allocates), filled and then
// traced by every full collection. The per-packet question is portRank, below.
const tcpNames = new Map<number, string>();
const udpNames = new Map<number, string>();
for (const [port, name] of BOTH) {
  tcpNames.set(port, name);
  udpNames.set(port, name);
}
for (const [port, name] of TCP_ONLY) tcpNames.set(port, name);
for (const [port, name] of UDP_ONLY) udpNames.set(port, name);

/** The well-known service name of a TCP or UDP port ("ssh", "dns", "https"), or "" when unknown. */
export function serviceName(port: number, proto: 'tcp' | 'udp'): string {
  if (!(port >= 0 && port <= 65535)) return '';
  return (proto === 'tcp' ? tcpNames : udpNames).get(port | 0) ?? '';
}

/** True when the port has a well-known name for that protocol. */
export function isKnownService(port: number, proto: 'tcp' | 'udp'): boolean {
  return serviceName(port, proto) !== '';
}

/**
 * How server-like a port is: 2 for system ports (< 1024), 1 for other named ports, 0 for the rest. Used
 * to tell which end of a flow is the server when the SYN was not seen, and which port a reply belongs to.
 */
export function portRank(port: number, tcp: boolean): number {
  if (!(port >= 0 && port <= 65535)) return 0;
  const q = port | 0;
  return (rankBits[(tcp ? 0 : RANK_UDP) + (q >>> 2)] >>> ((q & 3) << 1)) & 3;
}

// portRank as two bits a port, four ports a byte: 16 KiB a protocol, TCP's then UDP's in one table. The
// statistics ask it twice per packet, for a client's ephemeral port as often as for a server's, and
// byte tables (64 KiB each) spread those ports over four times the cache lines (the table load was 1% of
// a benign run's CPU samples).
const RANK_UDP = 16384;
const rankBits = new Uint8Array(2 * RANK_UDP);
// System ports: 2 (binary 10 in every two-bit field of their 256 bytes); named ports above them: 1.
rankBits.fill(0xaa, 0, 1024 >>> 2);
rankBits.fill(0xaa, RANK_UDP, RANK_UDP + (1024 >>> 2));
for (const [names, base] of [
  [tcpNames, 0],
  [udpNames, RANK_UDP],
] as const) {
  for (const port of names.keys()) if (port >= 1024) rankBits[base + (port >>> 2)] |= 1 << ((port & 3) << 1);
}
