// File access for the rule engine: reading rules.yaml and saving a toggled rule's `enabled` back into
// it, atomically (temporary file, fsync, rename) and keeping comments (yaml Document API).
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../config/atomic-file.js';
import { yamlPackage } from '../config/yaml-package.js';
import type { Raise } from '../detect/types.js';
import { RuleEngineCore, type RuleEngineOptions, type RuleIo } from './engine.js';

export const fileRuleIo: RuleIo = {
  read: (p) => readFileSync(p, 'utf8'),
  writeEnabled(file, name, enabled) {
    const { isMap, isScalar, isSeq, parseDocument } = yamlPackage();
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
  copy(from, to) {
    // Never over a file someone made meanwhile: theirs is not ours to replace.
    if (existsSync(to)) throw new Error(`${to} already exists (made since NetGuard started); not replaced`);
    writeFileAtomic(to, readFileSync(from, 'utf8'));
  },
};

/** The rule engine with file access (what the CLI uses): loadFile, reload and persisted toggles work. */
export class RuleEngine extends RuleEngineCore {
  constructor(raise: Raise, io: RuleIo = fileRuleIo, opts: RuleEngineOptions = {}) {
    super(raise, io, opts);
  }
}
