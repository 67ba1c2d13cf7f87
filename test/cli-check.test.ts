import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.ts';
import { memoryIo } from './helpers/mem-io.ts';
import { EXAMPLE } from './helpers/policy.ts';
import { loadPolicy } from '../compiler/load-policy.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');


const CLEAN = `model openai/gpt-4o-mini { context 128k  price 0.15 / 0.6 }

scenario chat {
  paid openai/gpt-4o-mini
}
`;

// GW150: DEEPSEEK_API_KEY is not set in the test env
const WARNINGS_ONLY = `model deepseek/deepseek-chat { context 64k  price 0.27 / 1.1 }
model openai/gpt-4o-mini     { context 128k  price 0.15 / 0.6 }

scenario chat {
  paid deepseek/deepseek-chat, openai/gpt-4o-mini
}
`;

// GW103 (with a did-you-mean note pointing at a declaration), GW113 and a GW150 warning
const ERRORS = `model deepseek/deepseek-chat { context 64k  price 0.27 / 1.1 }
model openai/gpt-4o-mini     { context 128k  price 0.15 / 0.6 }

scenario chat {
  paid openai/gpt-4o-mni, deepseek/deepseek-chat
  willingness 130%
}
`;

const ENV = { OPENAI_API_KEY: 'x' };

describe('gw check', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gw-check-'));
    writeFileSync(join(dir, 'routes.gw'), CLEAN);
    writeFileSync(join(dir, 'warnings.gw'), WARNINGS_ONLY);
    writeFileSync(join(dir, 'errors.gw'), ERRORS);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is silent and exits 0 on a clean policy (default ./routes.gw)', async () => {
    const io = memoryIo(dir, ENV);
    expect(await main(['check'], io)).toBe(0);
    expect(io.stdout).toBe('');
    expect(io.stderr).toBe('');
  });

  it('prints warnings and still exits 0', async () => {
    const io = memoryIo(dir, ENV);
    expect(await main(['check', 'warnings.gw'], io)).toBe(0);
    expect(io.stdout).toBe(
      [
        'warnings.gw:1:7: warning[GW150]: provider "deepseek" is disabled: DEEPSEEK_API_KEY is not set',
        '  |',
        '1 | model deepseek/deepseek-chat { context 64k  price 0.27 / 1.1 }',
        '  |       ^^^^^^^^',
        '  = note: its models are skipped until the variable is set and the policy reloads',
        '',
        '1 warning',
        '',
      ].join('\n'),
    );
    expect(io.stderr).toBe('');
  });

  it('reports every error, sorted, with a count, and exits 1', async () => {
    const io = memoryIo(dir, ENV);
    expect(await main(['check', 'errors.gw'], io)).toBe(1);
    const report = io.stderr;
    const heads = report.split('\n').filter((l) => l.startsWith('errors.gw:'));
    expect(heads).toEqual([
      'errors.gw:1:7: warning[GW150]: provider "deepseek" is disabled: DEEPSEEK_API_KEY is not set',
      'errors.gw:5:8: error[GW103]: unknown model "openai/gpt-4o-mni"',
      'errors.gw:6:15: error[GW113]: willingness must be between 0% and 100%, found 130%',
    ]);
    expect(report).toContain('  = note: did you mean "openai/gpt-4o-mini"? (errors.gw:2:7)');
    expect(report.endsWith('\n\n2 errors, 1 warning\n')).toBe(true);
  });

  it('--format json gives editors file, line, col, severity, code, message, notes and counts', async () => {
    const io = memoryIo(dir, ENV);
    expect(await main(['check', 'errors.gw', '--format', 'json'], io)).toBe(1);
    const json = JSON.parse(io.stdout) as {
      diagnostics: { file: string; line: number; col: number; severity: string; code: string; message: string; notes: { message: string; line?: number; col?: number }[] }[];
      errors: number;
      warnings: number;
    };
    expect(json.errors).toBe(2);
    expect(json.warnings).toBe(1);
    expect(json.diagnostics).toHaveLength(3);
    for (const d of json.diagnostics) {
      expect(d).toMatchObject({ file: 'errors.gw', line: expect.any(Number), col: expect.any(Number), code: expect.stringMatching(/^GW\d{3}$/), message: expect.any(String) });
      expect(['error', 'warning']).toContain(d.severity);
      expect(Array.isArray(d.notes)).toBe(true);
    }
    expect(json.diagnostics[1]).toMatchObject({
      line: 5,
      col: 8,
      severity: 'error',
      code: 'GW103',
      message: 'unknown model "openai/gpt-4o-mni"',
      notes: [{ message: 'did you mean "openai/gpt-4o-mini"?', line: 2, col: 7 }],
    });
  });

  it('--format json on a clean policy: empty list, exit 0', async () => {
    const io = memoryIo(dir, ENV);
    expect(await main(['check', '--format', 'json'], io)).toBe(0);
    expect(JSON.parse(io.stdout)).toEqual({ diagnostics: [], errors: 0, warnings: 0 });
  });

  it('a missing file is a clear error, exit 1, no stack trace', async () => {
    const io = memoryIo(dir, ENV);
    expect(await main(['check', 'nope.gw'], io)).toBe(1);
    const all = io.stdout + io.stderr;
    expect(all).toContain('nope.gw');
    expect(all).toContain('no such file');
    expect(all).not.toMatch(/\n\s+at /); // no stack frames
    expect(all).not.toMatch(/internal error|Error:/);
  });
});

describe('shipped policies', () => {
  for (const [name, path] of [
    ['the design example', EXAMPLE],
    ["the repository's routes.gw", join(ROOT, 'routes.gw')],
  ] as const) {
    // the design example is a document of its day: the catalog rightly flags its retired Claude 3.5 Sonnet and o1-mini
    // (GW196); the repository's routes.gw must be current
    const dated = path === EXAMPLE ? ['GW196', 'GW196'] : [];
    it(`${name} compiles with only GW150 warnings when no key is set`, () => {
      const r = loadPolicy({ path, file: 'routes.gw', env: {} });
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(r.table).toBeDefined();
      expect(new Set(r.diagnostics.map((d) => d.code))).toEqual(new Set(['GW150', ...dated]));
    });

    it(`${name} is clean when every key variable is set`, () => {
      const env = Object.fromEntries(
        ['ALIYUN_API_KEY', 'GROQ_API_KEY', 'SILICONFLOW_API_KEY', 'ZHIPU_API_KEY', 'MOONSHOT_API_KEY', 'DEEPSEEK_API_KEY', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY'].map((k) => [k, 'x']),
      );
      const r = loadPolicy({ path, file: 'routes.gw', env });
      expect(r.diagnostics.map((d) => d.code)).toEqual(dated);
      expect(r.table).toBeDefined();
    });
  }

  it('gw check on the example exits 0 and prints only warnings', async () => {
    const io = memoryIo(dirname(EXAMPLE));
    expect(await main(['check', EXAMPLE], io)).toBe(0);
    expect(io.stderr).toBe('');
    expect(io.stdout).toMatch(/warning\[GW150\]/);
    expect(io.stdout).not.toMatch(/error\[/);
  });
});
