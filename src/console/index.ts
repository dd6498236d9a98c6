// Public surface of the console: reading EVE records from Redis into the history, and its web control.
export { StreamReader, parseRedisUrl, type RedisSource, type ReaderOptions, type ReaderStats } from './stream-reader.js';
export { entryToRecord, eveToAlert, parseEveTime } from './eve-record.js';
export { ConsoleControl } from './control.js';
