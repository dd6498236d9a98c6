// File access for the rule engine: reading rules.yaml and saving a toggled rule's `enabled` back into
// it, atomically (temporary file, fsync, rename) and keeping comments (yaml Document API).
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Raise } from '../detect/types.js';
import { RuleEngineCore, type RuleIo } from './engine.js';

/** Writes a file so that readers see the old or the new content, never a mix (temp + fsync + rename). */
export function writeFileAtomic(file: string, text: string): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}`);
  let mode = 0o644;
  try {
    mode = statSync(file).mode & 0o777;
  } catch {
    /* new file */
  }
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, file);
  try {
    const dfd = openSync(dir, 'r');
    fsyncSync(dfd);
    closeSync(dfd);
  } catch {
    /* some filesystems cannot fsync a directory */
  }
}

export const fileRuleIo: RuleIo = {
  read: (p) => readFileSync(p, 'utf8'),
  writeEnabled(file, name, enabled) {
    const doc = parseDocument(readFileSync(file, 'utf8'));
    if (doc.errors.length) throw new Error(`the file no longer parses (${doc.errors[0].message.split('\n')[0]})`);
    const root = doc.contents;
    const list = isSeq(root) ? root : isMap(root) ? root.get('rules', true) : null;
    if (!isSeq(list)) throw new Error("no 'rules' list in the file");
    const prefix = isSeq(root) ? [] : ['rules'];
    const idx = list.items.findIndex((it) => isMap(it) && (it.get('name') as unknown) === name);
    if (idx < 0) throw new Error(`rule "${name}" is no longer in the file`);
    const node = doc.getIn([...prefix, idx, 'enabled'], true);
    if (isScalar(node)) node.value = enabled;
    else doc.setIn([...prefix, idx, 'enabled'], enabled);
    writeFileAtomic(file, doc.toString({ lineWidth: 0 }));
  },
};

/** The rule engine with file access (what the CLI uses): loadFile, reload and persisted toggles work. */
export class RuleEngine extends RuleEngineCore {
  constructor(raise: Raise, io: RuleIo = fileRuleIo) {
    super(raise, io);
  }
}
