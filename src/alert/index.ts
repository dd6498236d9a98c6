// Public surface of alerting: the alert vocabulary, the sinks registry and, once present, the funnel.
export * from './types.js';
export { createSinks, flushAll, closeAll, JsonlSink, TextLogSink, ConsoleSink, NotifySink, colorLevel, hasDesktop, alertLine, safeLine, type SinkOptions, type Notifier, type NotifyMessage, type NotifyOptions } from './sinks/index.js';
