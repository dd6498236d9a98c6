// Public surface of configuration: the settings schema and defaults, loading with positioned errors, dot access.
export { settingsSchema, defaultSettings, type Settings } from './schema.js';
export { loadSettings, parseSettings, DEFAULT_SETTINGS_PATH, type LoadedSettings } from './load.js';
export { ConfigError } from './errors.js';
export { getPath, setPath, deepMerge } from './dot-path.js';
export { parseLocated, locate, findNodes, sourceLine, valueOffsets, where, posAt, type Located, type Pos } from './yaml-position.js';
export { nearest, editDistance, describe } from './schema-walk.js';
export { rulesFileSchema, ruleEntrySchema, type RuleEntry } from './rules-file.js';
export { writeFileAtomic, writeFileAtomicAsync, removeStaleTemps } from './atomic-file.js';
export { WriteFailures, whyNotWritten, shownPath, type WriteFailure, type FailOptions } from './write-failures.js';
export { inLogDir, withLogDir, ensureLogDir, LogDirError, OUTPUT_FILE_SETTINGS } from './log-dir.js';
