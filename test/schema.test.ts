import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateDecisionTableTypes } from '../bin/gen-types-lib.js';
import { validateTable } from '../compiler/validate.ts';
import { compileFile, EXAMPLE } from './helpers/policy.ts';

const root = new URL('..', import.meta.url).pathname;

describe('the decision table schema', () => {
  it('the generated TypeScript types are up to date (npm run gen:types)', async () => {
    const current = readFileSync(new URL('../runtime/types/decision-table.ts', import.meta.url), 'utf8');
    expect(current).toBe(await generateDecisionTableTypes(root));
  });

  it('the compiled example validates, and every row points back at its line', () => {
    const table = compileFile(EXAMPLE);
    expect(validateTable(table).ok).toBe(true);
    const lines = readFileSync(EXAMPLE, 'utf8').split('\n');
    const lineOf = (at: string) => lines[Number(at.split(':')[1]) - 1];
    for (const m of table.models) expect(lineOf(m.at)).toContain(`model ${m.id}`);
    for (const s of table.scenarios) expect(lineOf(s.at)).toContain(`scenario ${s.name}`);
    expect(lineOf(table.pii!.action.at)).toContain('route ollama/qwen2.5:7b');
    expect(lineOf(table.fallback!.at)).toMatch(/^fallback /);
    expect(lineOf(table.budget!.at)).toMatch(/^budget 5 per day/);
    expect(table.source.file).toBe('routes.gw');
  });

  it('rejects tables that break the contract', () => {
    const table = compileFile(EXAMPLE);
    const broken = JSON.parse(JSON.stringify(table));
    broken.scenarios[0].willingness = 1.5;
    delete broken.models[0].context;
    const r = validateTable(broken);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toMatch(/willingness|context/);
  });

  it('holds no secret: keys appear only as variable names', () => {
    const table = compileFile(EXAMPLE, { OPENAI_API_KEY: 'sk-very-secret-openai', ANTHROPIC_API_KEY: 'sk-ant-very-secret' });
    const json = JSON.stringify(table);
    expect(json).not.toContain('sk-very-secret-openai');
    expect(json).not.toContain('sk-ant-very-secret');
    expect(table.providers.find((p) => p.name === 'openai')).toMatchObject({ keyEnv: ['OPENAI_API_KEY'], enabled: true });
  });
});
