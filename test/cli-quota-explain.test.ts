import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/main.ts';
import { memoryIo } from './helpers/mem-io.ts';
import { loadPolicy } from '../compiler/load-policy.ts';
import { Ledger } from '../runtime/state/ledger.ts';
import { openDatabase } from '../runtime/state/sqlite-store.ts';
import { silentLogger } from '../runtime/log/logger.ts';
import { periodStartOf } from '../runtime/state/quota-book.ts';


const POLICY = `provider fastfree { base_url "http://127.0.0.1:9/v1"  key env FAST_KEY }
model fastfree/daily   { context 32k  free 300k tokens every day at 00:00 Asia/Shanghai }
model fastfree/monthly { context 32k  free 800k tokens every month }
scenario chat {
  free any
  willingness 100%
}
`;

describe('gw explain and gw quota read the gateway’s state', () => {
  it('explain sees the stored usage; --used overrides it; gw quota prints the same numbers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-state-'));
    const path = join(dir, 'routes.gw');
    writeFileSync(path, POLICY);
    const env = { FAST_KEY: 'k' };
    const now = Date.parse('2026-03-29T08:00:00Z');
    // what a running gateway would have written: 299.5k of the daily quota used
    const table = loadPolicy({ path, env }).table!;
    const ledger = new Ledger(openDatabase(join(dir, '.gw/state.db')), { log: silentLogger, env });
    const daily = table.models[0];
    ledger.quotas.settle(daily.id, periodStartOf(daily, now), 0, 299_500);
    ledger.close();

    const io = memoryIo(dir, env);
    expect(await main(['explain', '--json', '--draw', '0.1', '--now', '2026-03-29T08:00:00Z', 'hello'], io)).toBe(0);
    const d = JSON.parse(io.stdout);
    // the daily quota resets first, but only 500 tokens are left: the monthly one is chosen
    expect(d.candidates[0]).toMatchObject({ model: 'fastfree/daily', eligible: false });
    expect(d.candidates[0].reason).toMatch(/^free, 500 left < /);
    expect(d.model).toBe('fastfree/monthly');

    const io2 = memoryIo(dir, env);
    await main(['explain', '--json', '--draw', '0.1', '--now', '2026-03-29T08:00:00Z', '--used', 'fastfree/daily=0', 'hello'], io2);
    expect(JSON.parse(io2.stdout).model).toBe('fastfree/daily');

    const io3 = memoryIo(dir, env);
    expect(await main(['quota', '--now', '2026-03-29T08:00:00Z'], io3)).toBe(0);
    expect(io3.stdout).toContain('state:');
    expect(io3.stdout).toMatch(/fastfree\/daily\s+on\s+300k\s+299\.5k\s+-\s+500\s+resets in 8h/);
    const io4 = memoryIo(dir, env);
    await main(['quota', '--json', '--now', '2026-03-29T08:00:00Z'], io4);
    expect(JSON.parse(io4.stdout)[1]).toMatchObject({ model: 'fastfree/monthly', remaining: 800_000, ends: 'reset' });
  });

  it('without a state database, explain and quota see full quotas', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-nostate-'));
    writeFileSync(join(dir, 'routes.gw'), POLICY);
    const io = memoryIo(dir, { FAST_KEY: 'k' });
    await main(['quota'], io);
    expect(io.stdout).toContain('no state database yet');
    expect(io.stdout).toMatch(/fastfree\/daily\s+on\s+300k\s+0\s/);
  });
});

describe('gw explain --endpoint messages', () => {
  it('applies /v1/messages’ model-name rule: a Claude Code name routes as auto and `model ~` sees it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-endpoint-'));
    writeFileSync(
      join(dir, 'routes.gw'),
      `provider fastfree { base_url "http://127.0.0.1:9/v1"  key env FAST_KEY }
model fastfree/small { context 32k  free 1M tokens every day }
model fastfree/big   { context 128k  price 3 / 15 }
scenario background when model ~ /haiku/ {
  free fastfree/small
  willingness 100%
}
scenario chat { paid fastfree/big }
`,
    );
    const args = ['explain', '--json', '--draw', '0.1', '--model', 'claude-3-5-haiku-20241022', 'summarise this'];
    const chat = memoryIo(dir, { FAST_KEY: 'k' });
    await main(args, chat);
    expect(JSON.parse(chat.stdout)).toMatchObject({ scenario: 'background', model: null, error: { type: 'model_not_found' } });
    const messages = memoryIo(dir, { FAST_KEY: 'k' });
    expect(await main([...args, '--endpoint', 'messages'], messages)).toBe(0);
    expect(JSON.parse(messages.stdout)).toMatchObject({ scenario: 'background', model: 'fastfree/small', tier: 'free' });
  });
});
