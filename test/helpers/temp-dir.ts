// Temporary directories for tests: each made under the system's temp directory and removed, with all it
// holds, once the tests of the file (or describe block) that asked for them are over, also when one fails.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

/**
 * Returns a maker of fresh directories named `prefix` plus a random suffix, each holding the given
 * files (name to text, e.g. a settings.yaml for a run in that directory). Call it where vitest hooks may
 * be registered (a test file's top level or a describe block): the removal is an afterAll there.
 */
export function tempDirs(prefix: string): (files?: Record<string, string>) => string {
  const made: string[] = [];
  afterAll(() => {
    for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return (files = {}) => {
    const d = mkdtempSync(path.join(tmpdir(), prefix));
    made.push(d);
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(d, name), text);
    return d;
  };
}
