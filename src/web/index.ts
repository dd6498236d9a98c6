// Public surface of the web dashboard: start it, or build the app for tests; parse --web's value.
export { startWebServer, buildWebApp, parseWebAddress, WebUsageError, COOKIE, type WebOptions, type WebServer } from './server.js';
