// The live web dashboard's server (fastify 5 + @fastify/websocket): one static page, a REST API over the
// engine snapshot and the alert history, and a WebSocket pushing new alerts and statistics; all behind a token.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ALERT_TYPES, SEVERITIES, type Alert, type Severity } from '../alert/types.js';
import type { EngineControl, Snapshot } from '../engine/types.js';
import type { AlertHistory, HistoryQuery } from '../history/index.js';
import { parseTimeArg } from '../history/time-args.js';
import { registerEvidenceRoutes } from './evidence-routes.js';
import { COOKIE } from './access.js';
export { COOKIE, parseWebAddress, WebUsageError } from './access.js';

export interface WebOptions {
  host: string;
  port: number;
  /** Access token; empty or absent: a random one (crypto.randomBytes) is made. */
  token?: string;
  /** The SQLite history backing /api/alerts (else the engine's recent alerts). */
  history?: AlertHistory | null;
  /** Milliseconds between statistics pushes over the WebSocket (default 1000). */
  statsMs?: number;
  /** Most WebSocket clients at once (default 32). */
  maxClients?: number;
}

export interface WebServer {
  /** Base URL, e.g. http://127.0.0.1:8080/ */
  url: string;
  /** The URL that logs a browser in (sets the cookie): url + ?token=... */
  loginUrl: string;
  token: string;
  close(): Promise<void>;
}


/** The part of a ws WebSocket this server uses (ws ships no types here). */
interface Socket {
  readonly readyState: number;
  readonly OPEN: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(event: 'close' | 'error' | 'message', cb: () => void): void;
}
const PUBLIC = new URL('./public/', import.meta.url);
/** The page and its two assets, read once at start (no directory serving, so no path tricks). */
const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/alert-page.js': { file: 'alert-page.js', type: 'text/javascript; charset=utf-8' },
};

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

/**
 * The snapshot as the page gets it: the same fields, with lists trimmed (the newest 30 packets of the
 * feed, 50 open and 50 closed connections).
 */
function statsPayload(s: Snapshot): Snapshot {
  return {
    ts: s.ts,
    stats: s.stats,
    alerts: s.alerts.slice(0, 50),
    alertCounts: s.alertCounts,
    connections: s.connections.slice(0, 50),
    closedConnections: (s.closedConnections ?? []).slice(0, 50),
    connectionCounts: s.connectionCounts,
    capture: s.capture ?? null,
    topByBytes: s.topByBytes,
    topByPackets: s.topByPackets,
    packets: s.packets.slice(-30),
    rules: s.rules,
  };
}

interface AlertsQuery {
  ip?: string;
  type?: string;
  severity?: string;
  q?: string;
  limit?: string;
  since?: string;
  until?: string;
  sensor?: string;
}

class BadQuery extends Error {}

/** The request's history query, or null after answering 400 with what is wrong with it. */
function queryOf(req: FastifyRequest, reply: FastifyReply): HistoryQuery | null {
  try {
    return toHistoryQuery(req.query as AlertsQuery, Date.now());
  } catch (e) {
    if (!(e instanceof BadQuery)) throw e;
    void reply.code(400).send({ error: e.message });
    return null;
  }
}

function toHistoryQuery(raw: AlertsQuery, now: number): HistoryQuery {
  const q: HistoryQuery = { limit: 100 };
  const one = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  const ip = one(raw.ip);
  if (ip) {
    if (!/^[0-9a-fA-F:.]+$/.test(ip) || ip.length > 45) throw new BadQuery('ip: not an IP address');
    q.ip = ip.toLowerCase();
  }
  const type = one(raw.type)?.toUpperCase();
  if (type) {
    if (!(ALERT_TYPES as readonly string[]).includes(type)) throw new BadQuery('type: unknown alert type');
    q.type = type;
  }
  const sev = one(raw.severity)?.toUpperCase();
  if (sev) {
    if (!(SEVERITIES as readonly string[]).includes(sev)) throw new BadQuery('severity: one of LOW, WARNING, HIGH, CRITICAL');
    q.severity = sev as Severity;
  }
  const text = one(raw.q);
  if (text) q.search = text.slice(0, 200);
  // A console's history names each alert's sensor (netguard console); '-' asks for the local ones.
  const sensor = one(raw.sensor);
  if (sensor) {
    if (sensor.length > 255) throw new BadQuery('sensor: at most 255 characters');
    q.sensor = sensor === '-' ? '' : sensor;
  }
  const limit = one(raw.limit);
  if (limit) {
    if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > 1000) throw new BadQuery('limit: 1..1000');
    q.limit = Number(limit);
  }
  for (const k of ['since', 'until'] as const) {
    const v = one(raw[k]);
    if (v) {
      const t = parseTimeArg(v, now, k === 'until');
      if (t === null) throw new BadQuery(`${k}: a duration (30d, 12h, 15m) or an ISO date`);
      q[k] = t;
    }
  }
  return q;
}

const RANK: Record<Severity, number> = { LOW: 0, WARNING: 1, HIGH: 2, CRITICAL: 3 };

/** The history query applied to the engine's recent alerts (no SQLite). */
function filterRecent(alerts: Alert[], q: HistoryQuery): Alert[] {
  const needle = q.search?.toLowerCase();
  const out: Alert[] = [];
  for (const a of alerts) {
    if (q.ip && a.src_ip !== q.ip && a.dst_ip !== q.ip) continue;
    if (q.type && a.type !== q.type) continue;
    if (q.sensor !== undefined && (a.sensor ?? '') !== q.sensor) continue;
    if (q.severity && RANK[a.severity] < RANK[q.severity]) continue;
    const t = Date.parse(a.timestamp);
    if (q.since !== undefined && t < q.since) continue;
    if (q.until !== undefined && t >= q.until) continue;
    if (needle) {
      const hay = `${a.message}\n${a.type}\n${a.src_ip ?? ''}\n${a.dst_ip ?? ''}\n${JSON.stringify(a.details)}`.toLowerCase();
      if (!hay.includes(needle)) continue;
    }
    out.push(a);
    if (out.length >= (q.limit ?? 100)) break;
  }
  return out;
}

/**
 * Builds the fastify app (not listening): tests use app.inject(). Every route needs the token, as
 * `Authorization: Bearer TOKEN`, the `netguard_token` cookie, or `?token=TOKEN` (which on the page sets the
 * cookie and redirects to the clean URL, so the token does not stay in the address bar).
 */
export async function buildWebApp(control: EngineControl, opts: Omit<WebOptions, 'host' | 'port'> & { token: string }): Promise<FastifyInstance> {
  const token = opts.token;
  const want = digest(token);
  const ok = (given: string | undefined): boolean => given !== undefined && given !== '' && timingSafeEqual(digest(given), want);
  const assets = new Map<string, { body: Buffer; type: string }>();
  for (const [route, a] of Object.entries(ASSETS)) assets.set(route, { body: readFileSync(new URL(a.file, PUBLIC)), type: a.type });

  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });
  await app.register(websocket, { options: { maxPayload: 4096 } });

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    reply.header('cache-control', 'no-store');
    const auth = req.headers.authorization;
    const bearer = auth && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, '').trim() : undefined;
    const queryToken = (req.query as { token?: unknown } | undefined)?.token;
    const fromQuery = typeof queryToken === 'string' ? queryToken : undefined;
    const cookie = readCookie(req.headers.cookie, COOKIE);
    if (ok(bearer) || ok(cookie)) return;
    const route = req.url.split('?')[0];
    // ?token= only for the page and the WebSocket (what a browser opens); API clients send the header.
    if ((route === '/' || route === '/ws') && ok(fromQuery)) {
      reply.header('set-cookie', `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`);
      // The page: drop the token from the address bar. API calls and the WebSocket just proceed.
      if (req.method === 'GET' && route === '/' && !req.headers.upgrade) {
        return reply.code(303).header('location', '/').send();
      }
      return;
    }
    reply.header('www-authenticate', 'Bearer realm="netguard"');
    return reply
      .code(401)
      .type('text/plain; charset=utf-8')
      .send('401 Unauthorized: this NetGuard dashboard needs its access token. Open the URL NetGuard printed at start (http://HOST:PORT/?token=...), or send Authorization: Bearer TOKEN.\n');
  });

  for (const [route, a] of assets) {
    app.get(route, async (_req, reply) => reply.type(a.type).send(a.body));
  }

  app.get('/api/stats', async () => statsPayload(control.snapshot()));

  app.get('/api/meta', async () => ({ types: ALERT_TYPES, severities: SEVERITIES, history: Boolean(opts.history?.enabled) }));

  app.get('/api/alerts', async (req, reply) => {
    const q = queryOf(req, reply);
    if (q === null) return reply;
    const h = opts.history;
    if (h && h.enabled) {
      try {
        await h.flush();
        return { source: 'history', alerts: h.query(q) };
      } catch {
        // fall through to the engine's own list
      }
    }
    return { source: 'recent', alerts: filterRecent(control.snapshot().alerts, q) };
  });

  registerEvidenceRoutes(app, control, opts.history);

  app.get('/api/summary', async (req, reply) => {
    const h = opts.history;
    if (!h || !h.enabled) return reply.code(404).send({ error: 'no alert history (history.enabled is off or the database is unusable)' });
    const q = queryOf(req, reply);
    if (q === null) return reply;
    await h.flush();
    return h.summary(q);
  });

  // Live: new alerts (batched every 250 ms, at most 200 per message) and statistics every statsMs.
  const clients = new Set<Socket>();
  const maxClients = opts.maxClients ?? 32;
  let batch: Alert[] = [];
  let batchTimer: NodeJS.Timeout | null = null;
  const send = (ws: Socket, msg: string): void => {
    // A slow client misses messages rather than growing our memory.
    if (ws.readyState === ws.OPEN && ws.bufferedAmount < 1 << 20) ws.send(msg);
  };
  const broadcast = (msg: string): void => {
    for (const ws of clients) send(ws, msg);
  };
  const unsubscribe = control.onAlert((a) => {
    if (clients.size === 0) return;
    if (batch.length < 200) batch.push(a);
    batchTimer ??= setTimeout(() => {
      batchTimer = null;
      const out = batch;
      batch = [];
      broadcast(JSON.stringify({ kind: 'alerts', alerts: out }));
    }, 250);
  });
  const statsTimer = setInterval(() => {
    if (clients.size > 0) broadcast(JSON.stringify({ kind: 'stats', data: statsPayload(control.snapshot()) }));
  }, opts.statsMs ?? 1000);
  statsTimer.unref();

  app.get('/ws', { websocket: true }, (socket: Socket) => {
    if (clients.size >= maxClients) {
      socket.close(1013, 'too many dashboard clients');
      return;
    }
    clients.add(socket);
    send(socket, JSON.stringify({ kind: 'stats', data: statsPayload(control.snapshot()) }));
    socket.on('close', () => clients.delete(socket));
    socket.on('error', () => clients.delete(socket));
    // The page sends nothing we act on.
    socket.on('message', () => undefined);
  });

  app.addHook('onClose', async () => {
    unsubscribe();
    clearInterval(statsTimer);
    if (batchTimer) clearTimeout(batchTimer);
    for (const ws of clients) ws.terminate();
    clients.clear();
  });
  return app;
}

/** Starts the dashboard; the caller prints `loginUrl` (or url and token) and calls close() on exit. */
export async function startWebServer(control: EngineControl, opts: WebOptions): Promise<WebServer> {
  const token = opts.token && opts.token.length > 0 ? opts.token : randomBytes(24).toString('base64url');
  const app = await buildWebApp(control, { ...opts, token });
  try {
    await app.listen({ host: opts.host, port: opts.port });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const what = err.code === 'EADDRINUSE' ? 'the port is in use' : err.code === 'EADDRNOTAVAIL' ? 'no such address on this host' : err.code === 'EACCES' ? 'permission denied (ports below 1024 need root)' : err.message;
    await app.close().catch(() => undefined);
    throw Object.assign(new Error(`web dashboard: cannot listen on ${opts.host}:${opts.port}: ${what}`), { exitCode: 1 });
  }
  const addr = app.server.address();
  const port = addr && typeof addr === 'object' ? addr.port : opts.port;
  const hostPart = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${hostPart}:${port}/`;
  return {
    url,
    loginUrl: `${url}?token=${encodeURIComponent(token)}`,
    token,
    close: async () => {
      await app.close();
    },
  };
}
