import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, beforeAll } from 'vitest';
import { tableValidatorOptions } from '../compiler/table-validator.ts';
import { main } from '../cli/main.ts';

// The compiled CLI (dist/, built by `npm test` and by `npm install`'s prepare) against the sources: the same answers.
const run = (...args: string[]) => spawnSync(process.execPath, ['bin/gw.js', ...args], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });

async function fromSources(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s), env: process.env, cwd: process.cwd() });
  return { code, out, err };
}

describe('compiled build (dist/)', () => {
  beforeAll(() => {
    if (!existsSync('dist/gw.js')) expect(spawnSync(process.execPath, ['bin/build.js'], { stdio: 'inherit' }).status).toBe(0);
  });

  it('bin/gw.js runs dist/, which loads neither tsx nor TypeScript sources', () => {
    expect(readFileSync('bin/gw.js', 'utf8')).not.toMatch(/(import|from)\s*\(?\s*['"][^'"]*(tsx|\.ts)['"]/);
    const r = run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('usage: gw <command>');
  });

  it('gw check: a clean policy exits 0, a broken one gives the same file:line:col diagnostic as the sources', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-build-'));
    const bad = join(dir, 'bad.gw');
    writeFileSync(bad, 'provider p { base_url "http://127.0.0.1:1/v1" key env K }\nmodel p/m { price 1 / 2 }\nscenario s { use p/nope }\n');
    const compiled = run('check', bad);
    const src = await fromSources(['check', bad]);
    expect(compiled.status).toBe(1);
    expect(src.code).toBe(1);
    expect(compiled.stderr).toBe(src.err);
    expect(compiled.stderr).toMatch(/bad\.gw:\d+:\d+/);
  });

  it('gw compile: the compiled table (validated by the standalone validator) equals the sources\'', async () => {
    const compiled = run('compile', 'routes.gw');
    const src = await fromSources(['compile', 'routes.gw']);
    expect(compiled.status).toBe(0);
    expect(JSON.parse(compiled.stdout)).toEqual(JSON.parse(src.out));
  });

  it('the build generates the validator with the sources\' ajv options', () => {
    const build = readFileSync('bin/build.js', 'utf8');
    const opts = Object.entries(tableValidatorOptions).map(([k, v]) => `${k}: ${v}`).join(', ');
    expect(build).toContain(`new Ajv({ ${opts}, code:`);
  });
});
