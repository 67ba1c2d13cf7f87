import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadPolicy } from '../compiler/load-policy.ts';
import { formatReport } from '../compiler/format-diagnostics.ts';
import { hasErrors } from '../compiler/diagnostics.ts';
import type { Io } from './io.ts';
import { policyPath } from './policy-path.ts';

export const compileHelp = `gw compile [FILE] [-o OUT]
  Compile a policy to its decision table (JSON, validated against schema/decision-table.schema.json).`;

export function compileCommand(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { output: { type: 'string', short: 'o' } } });
  const r = loadPolicy({ path: policyPath(positionals[0], io), file: positionals[0] ?? 'routes.gw', env: io.env });
  if (r.diagnostics.length) io.err(formatReport(r.diagnostics, r.text));
  if (!r.table || hasErrors(r.diagnostics)) return 1;
  const json = `${JSON.stringify(r.table, null, 2)}\n`;
  if (values.output) writeFileSync(values.output, json);
  else io.out(json);
  return 0;
}
