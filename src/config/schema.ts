// The settings.yaml schema (zod): every key NetGuard reads, its type, its default and what it means.
import { z } from 'zod';

const seconds = z.number().nonnegative();
const port = z.number().int().min(0).max(65535);
const severity = z.enum(['LOW', 'WARNING', 'HIGH', 'CRITICAL']);

export const settingsSchema = z
  .object({
    interface: z
      .object({
        /** Interface to capture on when -i is not given. Empty: the first up, non-loopback interface. */
        default: z.string().default('eth0'),
        promiscuous: z.boolean().default(true),
        /** BPF capture filter (tcpdump syntax) when -f is not given. */
        filter: z.string().default(''),
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
        /** Print alerts to the terminal in CLI and batch modes (to stderr in batch mode). */
        console: z.boolean().default(true),
        /** Seconds a repeat of the same type and source is folded into the existing alert. */
        suppression_interval: seconds.default(60),
        /** Per-type overrides of suppression_interval, e.g. { SYN_FLOOD: 30 }. */
        suppression: z.record(z.string(), seconds).default({}),
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
      })
      .passthrough()
      .prefault({}),
  })
  .passthrough();

export type Settings = z.infer<typeof settingsSchema>;

/** Built-in defaults: the schema applied to an empty document. */
export function defaultSettings(): Settings {
  return settingsSchema.parse({});
}
