// Generates the JSON Schemas for settings.yaml and rules.yaml (config/*.json) from the zod schemas, so
// editors (yaml-language-server) complete and check both files. Run: node --import tsx src/config/json-schemas.ts
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { settingsSchema } from './schema.js';
import { rulesFileSchema } from './rules-file.js';

export const SETTINGS_SCHEMA_FILE = 'config/settings.schema.json';
export const RULES_SCHEMA_FILE = 'config/rules.schema.json';

function build(schema: z.ZodType, id: string, title: string): Record<string, unknown> {
  const js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...js, $id: id, title };
}

/** The two schemas as pretty JSON text, exactly as stored under config/. */
export function jsonSchemaTexts(): Record<string, string> {
  return {
    [SETTINGS_SCHEMA_FILE]: JSON.stringify(build(settingsSchema, 'netguard-settings', 'NetGuard settings.yaml'), null, 2) + '\n',
    [RULES_SCHEMA_FILE]: JSON.stringify(build(rulesFileSchema, 'netguard-rules', 'NetGuard rules.yaml'), null, 2) + '\n',
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  for (const [rel, text] of Object.entries(jsonSchemaTexts())) {
    writeFileSync(path.join(root, rel), text);
    console.log(`wrote ${rel}`);
  }
}
