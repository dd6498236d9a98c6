// Public surface of the web dashboard: start it, or build the app for tests; parse --web's value.
//
// The server (fastify and its plugins) is loaded only when a page is served: a batch or menu run
// parses --web's value, and loading the framework was about a fifth of a short run's CPU time.
import type { FastifyInstance } from 'fastify';
import type { EngineControl } from '../engine/types.js';
import type { WebOptions, WebServer } from './server.js';

export { COOKIE, parseWebAddress, WebUsageError } from './access.js';
export type { WebOptions, WebServer } from './server.js';

export async function startWebServer(control: EngineControl, opts: WebOptions): Promise<WebServer> {
  return (await import('./server.js')).startWebServer(control, opts);
}

export async function buildWebApp(control: EngineControl, opts: Omit<WebOptions, 'host' | 'port'> & { token: string }): Promise<FastifyInstance> {
  return (await import('./server.js')).buildWebApp(control, opts);
}
