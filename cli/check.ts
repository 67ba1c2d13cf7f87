import { parseArgs } from 'node:util';
import { loadPolicy } from '../compiler/load-policy.ts';
import { diagnosticsJson, formatReport } from '../compiler/format-diagnostics.ts';
import { hasErrors } from '../compiler/diagnostics.ts';
import type { Io } from './io.ts';
import { policyPath } from './policy-path.ts';

export const checkHelp = `gw check [FILE] [--format text|json]
  Lint a policy (default ./routes.gw). Silent and exit 0 when clean; warnings are printed (exit 0); errors exit 1.`;

export function check(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string', default: 'text' } } });
  const file = policyPath(positionals[0], io);
  const r = loadPolicy({ path: file, file: positionals[0] ?? 'routes.gw', env: io.env });
  if (values.format === 'json') io.out(`${JSON.stringify(diagnosticsJson(r.diagnostics), null, 2)}\n`);
  else if (r.diagnostics.length > 0) (hasErrors(r.diagnostics) ? io.err : io.out)(formatReport(r.diagnostics, r.text));
  return hasErrors(r.diagnostics) ? 1 : 0;
}
