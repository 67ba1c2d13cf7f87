import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES } from '../compiler/codes.ts';
import { formatReport } from '../compiler/format-diagnostics.ts';
import { loadPolicy } from '../compiler/load-policy.ts';

/**
 * Golden diagnostics: every `test/golden/diagnostics/<CODE>-<name>.gw` is loaded as `routes.gw` and the exact text
 * `gw check` would print (formatReport) is compared with `<CODE>-<name>.out`. `UPDATE_GOLDEN=1 npx vitest run
 * test/golden-diagnostics.test.ts` rewrites the .out files — read every one you regenerate before committing it.
 *
 * The environment is fixed: GROQ_API_KEY and OPENAI_API_KEY are set, nothing else. So the groq and openai presets
 * are enabled and any other cloud provider a golden uses draws the GW150 "key variable not set" warning (on purpose in
 * GW150-*, avoided elsewhere by using groq, openai or a `local` provider).
 */
const ENV = { GROQ_API_KEY: 'x', OPENAI_API_KEY: 'x' } as const;
const DIR = join(dirname(fileURLToPath(import.meta.url)), 'golden', 'diagnostics');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const cases = readdirSync(DIR)
  .filter((f) => f.endsWith('.gw'))
  .sort();

function load(file: string) {
  const text = readFileSync(join(DIR, file), 'utf8');
  return loadPolicy({ text, file: 'routes.gw', env: ENV });
}

describe('golden diagnostics', () => {
  it('has golden files', () => {
    expect(cases.length).toBeGreaterThan(40);
  });

  for (const file of cases) {
    const code = file.slice(0, 5);
    it(file, () => {
      const r = load(file);
      const actual = formatReport(r.diagnostics, r.text);
      const outPath = join(DIR, file.replace(/\.gw$/, '.out'));
      if (UPDATE) writeFileSync(outPath, actual);
      const expected = readFileSync(outPath, 'utf8');
      expect(actual).toBe(expected);

      // the file is named after a code it reports
      expect(r.diagnostics.map((d) => d.code)).toContain(code);
      // sorted by position, and the report closes with the count
      const offsets = r.diagnostics.map((d) => d.loc.offset);
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      expect(actual).toMatch(/\n\n(\d+ errors?(, \d+ warnings?)?|\d+ warnings?)\n$/);
      // an error means no table; warnings alone still compile
      const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
      expect(r.table === undefined).toBe(errors > 0);
    });
  }

  it('covers every diagnostic code except GW900 (internal)', () => {
    const covered = new Set(cases.map((f) => f.slice(0, 5)));
    // GW215/GW216 come from the state database (what the last provider sync read), not from the text: gw check adds
    // them, and test/provider-sync.test.ts and test/balances.test.ts check them
    const fromState = new Set(['GW215', 'GW216']);
    const missing = Object.keys(DIAGNOSTIC_CODES).filter((c) => c !== 'GW900' && !fromState.has(c) && !covered.has(c));
    expect(missing).toEqual([]);
  });

  it('only names codes that exist', () => {
    const unknown = cases.map((f) => f.slice(0, 5)).filter((c) => !(c in DIAGNOSTIC_CODES));
    expect(unknown).toEqual([]);
  });
});
