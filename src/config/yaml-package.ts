// The yaml package, loaded on first use: a start whose settings and rules files are plain YAML (read by
// src/config/plain-yaml.ts) never loads it.
//
// Why: it is the largest package NetGuard starts with (about 70 modules), and loading it costs every
// command about 0.1 G instructions unbundled (measured with cachegrind: `node` importing it against
// importing node:fs alone). It is only needed for a file the quick reader does not take, a message that
// points into a file, and a rule toggle written back with its comments kept. Node's require() loads it
// synchronously (its CommonJS build, the same code as its ES module build), so the callers stay
// synchronous; the bundle (scripts/bundle.mjs) leaves it to node_modules for the same reason.
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

let loaded: typeof Yaml | null = null;

/** The yaml package's exports, loaded the first time they are asked for. */
export function yamlPackage(): typeof Yaml {
  return (loaded ??= createRequire(import.meta.url)('yaml') as typeof Yaml);
}
