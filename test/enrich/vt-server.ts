// A local stand-in for the VirusTotal API v3 on 127.0.0.1 (random port): answers
// GET /api/v3/ip_addresses/{ip} with the documented IP address object, or the documented error
// bodies and status codes, as each test scripts it; records every request it gets.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface VtReply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering (ms, real time). */
  delayMs?: number;
  /** Drop the connection without answering. */
  destroy?: boolean;
}

export interface VtRequest {
  ip: string;
  apiKey: string | undefined;
  path: string;
}

/** The IP address object as VirusTotal documents it (docs.virustotal.com/docs/ip-object). */
export function ipObject(ip: string, stats: { malicious?: number; suspicious?: number; harmless?: number; undetected?: number } = {}, extra: Record<string, unknown> = {}): unknown {
  return {
    data: {
      id: ip,
      type: 'ip_address',
      links: { self: `https://www.virustotal.com/api/v3/ip_addresses/${ip}` },
      attributes: {
        as_owner: 'EXAMPLE-AS',
        asn: 64500,
        continent: 'EU',
        country: 'NL',
        network: `${ip}/32`,
        regional_internet_registry: 'RIPE NCC',
        reputation: -(stats.malicious ?? 0),
        jarm: '',
        whois: '',
        tags: [],
        total_votes: { harmless: 0, malicious: 0 },
        last_analysis_date: 1_700_000_000,
        last_analysis_stats: {
          harmless: stats.harmless ?? 60,
          malicious: stats.malicious ?? 0,
          suspicious: stats.suspicious ?? 0,
          undetected: stats.undetected ?? 25,
          timeout: 0,
        },
        last_analysis_results: {
          'Example Engine': { category: (stats.malicious ?? 0) > 0 ? 'malicious' : 'harmless', engine_name: 'Example Engine', method: 'blacklist', result: 'clean' },
        },
        ...extra,
      },
    },
  };
}

/** VirusTotal's error body (docs.virustotal.com/reference/errors). */
export function vtError(code: string, message: string): unknown {
  return { error: { code, message } };
}

export interface VtServer {
  url: string;
  requests: VtRequest[];
  /** Decides each answer; default: a harmless IP address object. */
  reply: (req: VtRequest, n: number) => VtReply;
  close(): Promise<void>;
}

export async function startVtServer(reply?: (req: VtRequest, n: number) => VtReply): Promise<VtServer> {
  const sockets = new Set<import('node:net').Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const state: VtServer = {
    url: '',
    requests: [],
    reply: reply ?? ((r) => ({ status: 200, body: ipObject(r.ip) })),
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const m = /^\/api\/v3\/ip_addresses\/([^/?]+)$/.exec(req.url ?? '');
    const key = req.headers['x-apikey'];
    const r: VtRequest = { ip: m ? decodeURIComponent(m[1]) : '', apiKey: typeof key === 'string' ? key : undefined, path: req.url ?? '' };
    state.requests.push(r);
    let out: VtReply;
    if (!m) out = { status: 400, body: vtError('BadRequestError', 'unknown path') };
    else if (!r.apiKey) out = { status: 401, body: vtError('AuthenticationRequiredError', 'X-Apikey header is missing') };
    else out = state.reply(r, state.requests.length);
    const send = (): void => {
      if (out.destroy) {
        req.socket.destroy();
        return;
      }
      res.writeHead(out.status ?? 200, { 'content-type': 'application/json', ...(out.headers ?? {}) });
      res.end(JSON.stringify(out.body ?? {}));
    };
    if (out.delayMs) {
      const t = setTimeout(() => {
        timers.delete(t);
        send();
      }, out.delayMs);
      timers.add(t);
    } else send();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
