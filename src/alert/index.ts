// Public surface of alerting: the alert vocabulary, the funnel and the sinks registry.
export * from './types.js';
export { AlertFunnel, rateLimitFromSettings, suppressionFromSettings, type FunnelOptions, type FunnelSummary } from './funnel.js';
export { createSinks, flushAll, closeAll, JsonlSink, TextLogSink, alertLine, safeLine, type SinkOptions, type Notifier, type NotifyMessage, type NotifyOptions } from './sinks/index.js';
export { ConsoleSink, colorLevel } from './sinks/console.js';
export { NotifySink, hasDesktop } from './sinks/notify.js';
