// The settings.yaml schema (zod): every key NetGuard reads, its type, its default and what it means.
import { z } from 'zod';

const seconds = z.number().nonnegative();
const port = z.number().int().min(0).max(65535);
const severity = z.enum(['LOW', 'WARNING', 'HIGH', 'CRITICAL']);
/**
 * Alert type names, for keys that name a type (alerts.rate_limit). The same list as ALERT_TYPES in
 * src/alert/types.ts (config imports nothing of ours; test/config checks the two agree).
 */
export const ALERT_TYPE_NAMES = [
  'SYN_SCAN', 'FIN_SCAN', 'XMAS_SCAN', 'NULL_SCAN', 'ACK_SCAN', 'MAIMON_SCAN', 'CONNECT_SCAN', 'UDP_SCAN',
  'DECOY_SCAN', 'DISTRIBUTED_SCAN',
  'SYN_FLOOD', 'TRAFFIC_SURGE', 'TCP_SURGE', 'UDP_SURGE', 'ICMP_SURGE', 'PORT_SWEEP', 'ICMP_SWEEP',
  'CONNECTION_FLOOD', 'CUSTOM_RULE', 'SQL_INJECTION', 'DIRECTORY_TRAVERSAL', 'SUSPICIOUS_PORT',
  'BLACKLISTED_IP', 'MALICIOUS_IP', 'DECODE_ANOMALY',
] as const;

export const settingsSchema = z
  .object({
    /** This sensor's name, written as EVE's host field and stored with its alerts (Suricata's sensor-name); empty: the host name. */
    sensor_name: z.string().default(''),
    interface: z
      .object({
        /** Interface to capture on when -i is not given. Empty: the first up, non-loopback interface. */
        default: z.string().default('eth0'),
        /** Capture in promiscuous mode (frames for other hosts too). Off: only this host's traffic. */
        promiscuous: z.boolean().default(true),
        /** BPF capture filter (tcpdump syntax) when -f is not given. */
        filter: z.string().default(''),
        /** Bytes kept of each packet (tcpdump -s); longer packets are cut, their original length kept. */
        snaplen: z.number().int().min(64).max(262144).default(262144),
        /**
         * Kernel capture ring in bytes (tcpdump -B takes KiB). Packets wait here while NetGuard is busy; when
         * it is full the kernel drops and counts them. A packet takes its size plus about 80 bytes, so
         * the default 128 MiB (as Zeek's AF_PACKET default) holds about 230,000 packets of 500 bytes.
         */
        buffer_size: z.number().int().min(65536).max(1073741824).default(134217728),
      })
      .strict()
      .prefault({}),
    display: z
      .object({
        /** Dashboard redraws per second (Hz). */
        refresh_rate: z.number().positive().max(60).default(4),
        /** Packets kept for the dashboard's feed, export and the menu's packet list. */
        packet_history_size: z.number().int().positive().max(1_000_000).default(100),
      })
      .strict()
      .prefault({}),
    alerts: z
      .object({
        /** JSONL alert log, trimmed to the newest max_log_entries alerts. */
        log_file: z.string().default('./alerts.json'),
        /** Human-readable alert log, one line per alert (PyNetGuard's alerts.log). Empty disables. */
        text_log: z.string().default('./alerts.log'),
        max_log_entries: z.number().int().positive().default(1000),
        enable_notifications: z.boolean().default(true),
        /** Seconds between desktop notifications. */
        notification_cooldown: seconds.default(5),
        /** Lowest severity that makes a desktop notification. */
        notification_min_severity: severity.default('WARNING'),
        /** Print alerts to the terminal in CLI and batch modes (to stderr in batch mode). */
        console: z.boolean().default(true),
        /** Seconds a repeat of the same type and source is folded into the existing alert. */
        suppression_interval: seconds.default(60),
        /** Per-type overrides of suppression_interval, e.g. { SYN_FLOOD: 30 }. */
        suppression: z.record(z.string(), seconds).default({}),
        /**
         * Storm control (src/alert/storm.ts): per-type budgets of new alerts, like Suricata's rate_filter:
         * beyond `count` new alerts of a type in `seconds` of packet time, further ones are folded into one
         * storm alert per type and window that counts them (repeats folded into an open alert and
         * escalations are not limited). A file's entries replace these per type; TYPE: false removes one.
         */
        rate_limit: z
          .partialRecord(
            z.enum(ALERT_TYPE_NAMES),
            z.union([z.literal(false), z.object({ count: z.number().int().positive(), seconds: z.number().positive() }).strict()]),
          )
          .default({
            SUSPICIOUS_PORT: { count: 100, seconds: 60 },
            DECODE_ANOMALY: { count: 100, seconds: 60 },
            SQL_INJECTION: { count: 200, seconds: 60 },
            DIRECTORY_TRAVERSAL: { count: 200, seconds: 60 },
            MALICIOUS_IP: { count: 200, seconds: 60 },
            BLACKLISTED_IP: { count: 200, seconds: 60 },
            CUSTOM_RULE: { count: 200, seconds: 60 },
          }),
        /** Fold alerts beyond the rate_limit budgets into storm alerts; false: no budgets, every alert raised. */
        storm_control: z.boolean().default(true),
        /** Sources, destination ports and flows listed (each) in a storm alert. */
        storm_sample: z.number().int().min(0).max(1000).default(10),
      })
      .strict()
      .prefault({}),
    thresholds: z
      .object({
        /** Distinct destination ports one source probes within scan_window to be a port scan. */
        port_scan: z.number().int().positive().default(100),
        /** Half-open SYNs per second (per source, or per destination for spoofed floods) to be a SYN flood. */
        syn_flood: z.number().int().positive().default(100),
        /** New connections one source opens within connection_flood_window. */
        connection_flood: z.number().int().positive().default(50),
        /** Distinct hosts one source probes on one port within port_sweep_window. */
        port_sweep: z.number().int().positive().default(5),
        scan_window: seconds.default(60),
        connection_flood_window: seconds.default(10),
        port_sweep_window: seconds.default(60),
        /** Slow scans: distinct closed or unanswered ports one source touches on one host, over any time span. */
        slow_scan_ports: z.number().int().positive().default(25),
        /** Seconds of inactivity after which a source's slow-scan evidence is forgotten (nmap -T0 waits 300 s). */
        slow_scan_idle: seconds.default(1800),
        /** Seconds after which a probe with no answer counts as unanswered (filtered) evidence. */
        probe_timeout: seconds.default(5),
        /** Distinct hosts one source sends ICMP echo requests to within port_sweep_window to be an ICMP sweep. */
        icmp_sweep: z.number().int().positive().default(10),
        /** Decoy scans (nmap -D): distinct ports a source probes in lockstep with another source. */
        decoy_ports: z.number().int().positive().default(10),
        /** Sources in lockstep against one target that make a decoy scan (DECOY_SCAN). */
        decoy_sources: z.number().int().min(2).default(2),
        /** Seconds within which another source's probe of the same port counts as a copy (nmap: microseconds). */
        decoy_lockstep: z.number().positive().default(1),
        /** Distributed scans: distinct ports of one target probed by all sources together (DISTRIBUTED_SCAN). */
        distributed_ports: z.number().int().positive().default(100),
        /** Sources that each probed at least distributed_source_ports of them. */
        distributed_sources: z.number().int().min(2).default(3),
        /** Ports one source must probe to count as a source of a distributed scan. */
        distributed_source_ports: z.number().int().positive().default(5),
        /** Seconds of a distributed scan's window (the union covers this window and the previous one). */
        distributed_window: z.number().positive().default(60),
        /** Destination ports whose connection attempts raise SUSPICIOUS_PORT (LOW). */
        suspicious_ports: z.array(port).default([21, 22, 23, 445, 3389]),
        /** Seconds of per-second rate samples the traffic baseline learns from (a rolling window). */
        baseline_window: seconds.default(300),
        /** Standard deviations above the baseline mean at which a rate is a surge. */
        surge_sigma: z.number().positive().default(3),
        /** A surge must also exceed the mean by at least this many packets per second. */
        surge_min_pps: z.number().nonnegative().default(100),
        /** A byte-rate surge must also exceed the mean by at least this many bytes per second. */
        surge_min_bps: z.number().nonnegative().default(1_000_000),
      })
      .passthrough()
      .prefault({}),
    ip_reputation: z
      .object({
        /** Suspicion score at which an address is promoted to malicious. */
        score_threshold: z.number().positive().default(50),
        state_file: z.string().default('ip_reputation.json'),
        blacklist_file: z.string().default('blacklist.txt'),
        whitelist_file: z.string().default('whitelist.txt'),
        /** Known-malicious addresses (menu 17), one address or CIDR per line; traffic from or to them raises MALICIOUS_IP. */
        malicious_file: z.string().default('malicious.txt'),
        /** Suspicion points each alert adds to its source, per alert type; types not listed add `default`. */
        points: z.record(z.string(), z.number().nonnegative()).default({
          default: 5,
          SYN_SCAN: 10,
          FIN_SCAN: 10,
          XMAS_SCAN: 15,
          NULL_SCAN: 15,
          ACK_SCAN: 10,
          MAIMON_SCAN: 15,
          CONNECT_SCAN: 10,
          UDP_SCAN: 10,
          DECOY_SCAN: 15,
          DISTRIBUTED_SCAN: 10,
          PORT_SWEEP: 10,
          ICMP_SWEEP: 5,
          SYN_FLOOD: 20,
          CONNECTION_FLOOD: 15,
          SQL_INJECTION: 25,
          DIRECTORY_TRAVERSAL: 25,
          SUSPICIOUS_PORT: 5,
          CUSTOM_RULE: 10,
          DECODE_ANOMALY: 2,
          TRAFFIC_SURGE: 0,
          TCP_SURGE: 0,
          UDP_SURGE: 0,
          ICMP_SURGE: 0,
          BLACKLISTED_IP: 0,
          MALICIOUS_IP: 0,
        }),
        /** Points every score loses per hour; an address whose score reaches 0 is forgotten. */
        decay_per_hour: z.number().nonnegative().default(5),
        /** Addresses with a score kept in memory and in the state file (lowest scores dropped beyond). */
        max_tracked: z.number().int().positive().default(100000),
        /** Seconds between background saves of the state file (it is also saved on exit). */
        save_interval: seconds.default(30),
      })
      .passthrough()
      .prefault({}),
    /** Threat-intelligence enrichment of alerts (VirusTotal API v3), done off the packet path. */
    enrichment: z
      .object({
        /** Look up public source addresses of alerts. Also needs VT_API_KEY (environment or env_file); without a key it stays off. */
        enabled: z.boolean().default(true),
        /** API base URL (tests point it at a local server). */
        api_url: z.string().default('https://www.virustotal.com'),
        /** File read for VT_API_KEY when the environment has none (KEY=value lines). */
        env_file: z.string().default('.env'),
        /** Enriched alerts, one JSON object per line (PyNetGuard's file). Empty disables the file. */
        output_file: z.string().default('./alerts_enriched.jsonl'),
        /** Lookup cache, kept across restarts. Empty: memory only. */
        cache_file: z.string().default('./vt_cache.json'),
        /** Seconds a cached lookup stays fresh. */
        cache_ttl: seconds.default(86400),
        /** Addresses kept in the cache (oldest dropped first). */
        cache_max_entries: z.number().int().positive().default(10000),
        /** Requests allowed per minute (the public API allows 4). */
        requests_per_minute: z.number().positive().default(4),
        /** Requests allowed per day (the public API allows 500). */
        requests_per_day: z.number().int().positive().default(500),
        /** Seconds before a request is abandoned and retried later. */
        timeout: seconds.default(15),
        /** Attempts per address after timeouts, network or server errors before the alert is written as unavailable. */
        max_retries: z.number().int().nonnegative().default(5),
        /** Seconds of the first retry delay after an error; doubles each time (capped at one hour). */
        retry_backoff: seconds.default(30),
        /** Alerts waiting for a lookup; beyond this, alerts are written at once as unavailable. */
        max_pending: z.number().int().positive().default(10000),
        /** Engines reporting "malicious" at which the source's reputation score is raised. */
        malicious_threshold: z.number().int().positive().default(3),
        /** Reputation points added to such a source. */
        reputation_points: z.number().nonnegative().default(50),
      })
      .strict()
      .prefault({}),
    /** Outputs for other security tools. */
    outputs: z
      .object({
        /** Suricata-compatible EVE JSON (alert, dns, http records) for Filebeat, Wazuh, EveBox, jq. */
        eve: z
          .object({
            enabled: z.boolean().default(false),
            file: z.string().default('./eve.json'),
            /** Also write dns records for decoded DNS packets. */
            dns: z.boolean().default(true),
            /** Also write http records for decoded HTTP requests and responses. */
            http: z.boolean().default(true),
            /** Also write a flow record for every connection when it ends, and at exit for those still open. */
            flow: z.boolean().default(true),
            /** Also write a stats record (decoder, flow and capture counters, as Suricata's stats event). */
            stats: z.boolean().default(true),
            /** Seconds of packet time between stats records (Suricata's default, 8); 0: only the one at exit. */
            stats_interval: seconds.default(8),
            /** Milliseconds between batched writes. */
            flush_interval: z.number().int().positive().default(500),
            /** Where records go, as Suricata's eve-log filetype: regular (the file) or redis (outputs.eve.redis instead). */
            filetype: z.enum(['regular', 'redis']).default('regular'),
            /** Suricata's eve-log redis block (docs/sensors.md), plus NetGuard's queue and spool for when Redis is away. */
            redis: z
              .object({
                server: z.string().default('127.0.0.1'),
                port: port.default(6379),
                /** list|lpush (LPUSH), rpush, channel|publish (PUBLISH), stream|xadd (XADD, what `netguard console` reads). */
                mode: z.enum(['list', 'lpush', 'rpush', 'channel', 'publish', 'stream', 'xadd']).default('list'),
                /** The list, channel or stream name. */
                key: z.string().min(1).default('netguard'),
                /** XADD MAXLEN ~ this (Suricata's stream-maxlen); 0 keeps every entry. */
                stream_maxlen: z.number().int().nonnegative().default(100000),
                /** Records held in memory while Redis is unreachable. */
                max_queue: z.number().int().positive().default(10000),
                /** Then records wait in this file, sent first when Redis is back (also by the next run). */
                spool_file: z.string().min(1).default('./eve-redis.spool'),
                /** Most megabytes the spool file holds; records beyond memory and spool are dropped and counted. */
                spool_max_mb: z.number().positive().default(64),
              })
              .strict()
              .prefault({}),
          })
          .strict()
          .prefault({}),
        /** RFC 5424 syslog messages to a collector. */
        syslog: z
          .object({
            enabled: z.boolean().default(false),
            host: z.string().default('127.0.0.1'),
            port: port.default(514),
            protocol: z.enum(['udp', 'tcp']).default('udp'),
            /** TCP framing (RFC 6587): octet-counting ("23 <34>1 ...") or lf (newline after each message). */
            framing: z.enum(['octet-counting', 'lf']).default('octet-counting'),
            /** Syslog facility name (kern, user, daemon, auth, local0 .. local7). */
            facility: z.string().default('local0'),
            app_name: z.string().default('netguard'),
            /** HOSTNAME field; empty: this machine's host name. */
            hostname: z.string().default(''),
            /** Lowest alert severity sent. */
            min_severity: severity.default('LOW'),
            /** Messages held while the collector is unreachable (oldest dropped beyond). */
            max_queue: z.number().int().positive().default(10000),
            /** Seconds between TCP reconnection attempts. */
            reconnect_interval: seconds.default(5),
          })
          .strict()
          .prefault({}),
      })
      .passthrough()
      .prefault({}),
    /** Alert history: every alert stored in one SQLite file (WAL), queried by `netguard alerts` and the web page. */
    history: z
      .object({
        /** Store alerts in SQLite. */
        enabled: z.boolean().default(true),
        /** The SQLite database file. */
        db_file: z.string().default('./netguard.db'),
        /** Days an alert is kept (by its timestamp); 0 keeps alerts forever. */
        retention_days: z.number().nonnegative().default(90),
        /** Most alerts kept (oldest deleted beyond); 0 means no limit. */
        max_rows: z.number().int().nonnegative().default(1_000_000),
        /** Milliseconds between batched writes (one transaction each). */
        flush_interval: z.number().int().positive().default(500),
      })
      .strict()
      .prefault({}),
    /** Evidence per alert (src/evidence/): the packets and flows of each alert's episode, for drill-down and its pcap. */
    evidence: z
      .object({
        /** Keep packets per alert. */
        enabled: z.boolean().default(true),
        /** Packets of the first part of an episode kept per alert (the handshake, the request, the first probes). */
        per_alert_packets: z.number().int().positive().max(1_000_000).default(300),
        /** KiB of packet bytes kept per alert. */
        per_alert_kb: z.number().int().positive().max(1_048_576).default(512),
        /** MiB for the kept packets of all alerts together; the oldest are evicted first when full. */
        total_mb: z.number().int().positive().max(4096).default(32),
        /** Alerts that have evidence at once; the oldest closed one is forgotten first. */
        max_alerts: z.number().int().positive().max(1_000_000).default(2000),
        /** Newest packets of all traffic held to find an alert's packets from before it was raised (its first probes). */
        lookback_packets: z.number().int().positive().max(10_000_000).default(20000),
        /** MiB for those packets. */
        lookback_mb: z.number().int().positive().max(4096).default(8),
        /** Seconds before an alert's first detection that its packets are looked for. */
        lookback_seconds: seconds.default(120),
        /** File sources: packet positions in the file recorded per alert (8 bytes each), so its packets can be read back past the memory budget. */
        file_index_per_alert: z.number().int().nonnegative().max(100_000_000).default(1_000_000),
        /** File sources: packet positions recorded for all alerts together. */
        file_index_total: z.number().int().nonnegative().max(1_000_000_000).default(4_000_000),
        /** Flows listed per alert. */
        flows_per_alert: z.number().int().positive().max(100_000).default(100),
      })
      .strict()
      .prefault({}),
    /** The live web dashboard (--web). */
    web: z
      .object({
        /** Serve the web dashboard without --web. */
        enabled: z.boolean().default(false),
        /** Address to listen on; 127.0.0.1 keeps it on this machine (0.0.0.0 only when you mean all interfaces). */
        host: z.string().default('127.0.0.1'),
        port: port.default(8080),
        /** Access token; empty: a random one is generated at start and printed. */
        token: z.string().default(''),
      })
      .strict()
      .prefault({}),
    /** Active response (IPS mode, --block): temporary firewall drops for high-confidence attackers. */
    response: z
      .object({
        /** Block without --block. */
        enabled: z.boolean().default(false),
        /** Log what would be blocked and change nothing (as --dry-run). */
        dry_run: z.boolean().default(false),
        /** Alert types that may block their source. */
        types: z
          .array(z.string())
          .default(['SYN_FLOOD', 'SYN_SCAN', 'FIN_SCAN', 'XMAS_SCAN', 'NULL_SCAN', 'MAIMON_SCAN', 'CONNECTION_FLOOD', 'BLACKLISTED_IP', 'MALICIOUS_IP']),
        /** Lowest severity of such an alert that blocks. */
        min_severity: severity.default('HIGH'),
        /** Seconds a block lasts (the kernel expires the nftables set element). */
        block_seconds: z.number().int().positive().default(300),
        /** Most addresses blocked at once; further alerts are logged, not blocked. */
        max_blocks: z.number().int().positive().default(100),
        /** Firewall backend: auto (nft, else iptables), nft or iptables. */
        backend: z.enum(['auto', 'nft', 'iptables']).default('auto'),
        /** Addresses or CIDRs never blocked, on top of the whitelist, own addresses, gateway and DNS servers. */
        never_block: z.array(z.string()).default([]),
      })
      .strict()
      .prefault({}),
  })
  .passthrough();

export type Settings = z.infer<typeof settingsSchema>;

/**
 * Parse options for a document parsed once per run (the settings, a rule file). Without them zod writes
 * a parser for each object schema (new Function) on its first parse, which pays only over many parses:
 * for the settings (defaults, then the file) that compiling was about 15 of 65 ms of CPU at start-up.
 */
export const PARSE_ONCE = { jitless: true } as const;

/** Built-in defaults: the schema applied to an empty document. */
export function defaultSettings(): Settings {
  return settingsSchema.parse({}, PARSE_ONCE);
}
