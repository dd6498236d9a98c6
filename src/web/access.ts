// How a client reaches the web page: the address to listen on (--web's value and the web settings) and the access-token cookie's name; no server code, so using them loads no web framework.

/** Name of the cookie that carries the access token. */
export const COOKIE = 'netguard_token';

/** A bad --web value or web.* setting; exit code 2. */
export class WebUsageError extends Error {
  readonly exitCode = 2;
}

/**
 * --web's value (true when given bare) and the web settings as host and port: "host:port", ":port",
 * "port", "host", "[v6]:port". Never all interfaces unless the value (or web.host) says 0.0.0.0 or ::.
 */
export function parseWebAddress(arg: string | boolean | undefined, defaults: { host: string; port: number } = { host: '127.0.0.1', port: 8080 }): { host: string; port: number } {
  if (arg === undefined || arg === true || arg === '') return { ...defaults };
  if (arg === false) return { ...defaults };
  const s = arg.trim();
  let host = defaults.host;
  let portText: string | undefined;
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d*))?$/.exec(s);
  if (v6) {
    host = v6[1];
    portText = v6[2];
  } else if (/^\d+$/.test(s)) {
    portText = s;
  } else if (/^:\d*$/.test(s)) {
    portText = s.slice(1);
  } else if ((s.match(/:/g) ?? []).length === 1) {
    [host, portText] = s.split(':');
  } else if (!s.includes(':')) {
    host = s;
  } else {
    throw new WebUsageError(`--web takes host:port (IPv6 as [addr]:port), got "${s}"`);
  }
  if (host === '' || /\s/.test(host)) throw new WebUsageError(`--web: no host in "${s}"`);
  let port = defaults.port;
  if (portText !== undefined && portText !== '') {
    port = Number(portText);
    if (!/^\d+$/.test(portText) || port > 65535) throw new WebUsageError(`--web: port must be 0..65535, got "${portText}"`);
  }
  return { host, port };
}
