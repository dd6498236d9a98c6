// Temporary directories for tests: each made under the system's temp directory and removed, with all it
// holds, once the tests of the file (or describe block) that asked for them are over, also when one fails.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

/**
 * Returns a maker of fresh, empty directories named `prefix` plus a random suffix. Call it where vitest
 * hooks may be registered (a test file's top level or a describe block): the removal is an afterAll there.
 */
export function tempDirs(prefix: string): () => string {
  const made: string[] = [];
  afterAll(() => {
    for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(path.join(tmpdir(), prefix));
    made.push(d);
    return d;
  };
}
