import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.ts';
import { memoryIo } from './helpers/mem-io.ts';

describe('.env beside the policy', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gw-dotenv-'));
    writeFileSync(join(dir, 'routes.gw'), 'model groq/llama-3.1-8b-instant\nscenario chat {\n  paid groq/llama-3.1-8b-instant\n}\n');
    writeFileSync(join(dir, '.env'), '# keys for this policy\nGROQ_API_KEY=gsk-from-dotenv\nOLLAMA_HOST="http://127.0.0.1:1111"\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is read at start: a key set only in .env enables its provider (its value never printed)', async () => {
    const io = memoryIo(dir, {});
    expect(await main(['check'], io)).toBe(0);
    expect(io.stdout).not.toContain('GW150');
    const p = memoryIo(dir, {});
    expect(await main(['providers'], p)).toBe(0);
    expect(p.stdout).toMatch(/groq .*enabled: GROQ_API_KEY set/);
    expect(p.stdout).not.toContain('gsk-from-dotenv');
    expect(p.stdout).toContain('http://127.0.0.1:1111');
  });

  it('the process environment wins over the file', async () => {
    const io = memoryIo(dir, { OLLAMA_HOST: 'http://127.0.0.1:2222' });
    expect(await main(['providers', '--config', join(dir, 'routes.gw')], io)).toBe(0);
    expect(io.stdout).toContain('http://127.0.0.1:2222');
    expect(io.stdout).not.toContain('http://127.0.0.1:1111');
  });

  it('a policy without a .env is unaffected', async () => {
    const other = mkdtempSync(join(tmpdir(), 'gw-dotenv-none-'));
    writeFileSync(join(other, 'routes.gw'), 'model groq/llama-3.1-8b-instant\nscenario chat {\n  paid groq/llama-3.1-8b-instant\n}\n');
    const io = memoryIo(other, {});
    expect(await main(['check'], io)).toBe(0);
    expect(io.stdout).toContain('GW150');
    rmSync(other, { recursive: true, force: true });
  });
});
