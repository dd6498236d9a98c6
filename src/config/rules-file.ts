// The rules.yaml file format (zod): a list of rules with a condition, a threshold over a window and a
// severity. The rule engine validates each entry with it; the JSON Schema for editors is generated from it.
import { z } from 'zod';

export const ruleEntrySchema = z
  .object({
    /** Unique name; it is the alert's details.rule and what toggle uses. */
    name: z.string().min(1),
    description: z.string().default(''),
    /** Condition in the rule language (see docs: 55-rules.md), e.g. "tcp.dst_port == 22 and tcp.flags.syn". */
    condition: z.string().min(1),
    /** Matching packets per track key within `window` seconds that raise the alert. */
    threshold: z.number().int().positive().default(1),
    /** Window in seconds. */
    window: z.number().positive().default(60),
    severity: z.enum(['LOW', 'WARNING', 'HIGH', 'CRITICAL']).default('WARNING'),
    enabled: z.boolean().default(true),
    /** What matches are counted per: the source address (default), the destination, or the pair. */
    track: z.enum(['src', 'dst', 'pair']).default('src'),
  })
  .strict();

export type RuleEntry = z.infer<typeof ruleEntrySchema>;

export const rulesFileSchema = z
  .object({
    rules: z.array(ruleEntrySchema).default([]),
  })
  .strict();
