import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { policyFor, startGateway, TEST_KEYS, type RunningGateway } from './helpers/gateway.ts';
import { compileText } from './helpers/policy.ts';

// Reload reads whole files (issue 10, item 6): a policy caught half-written must never be served, even when its
// first part is a valid policy on its own; saves that write in place and saves by rename both reload.
const MODELS = `
model freebie/free-model  { context 32k  free 1M tokens every day }
model paidco/paid-model   { context 128k  price 1 / 2 }
`;
const scenario = (model: string) => `scenario chat {\n  paid ${model}\n  willingness 0%\n}\n`;

let up: FakeUpstream;
let g: RunningGateway;
/** every table the gateway served, sampled as fast as the event loop allows */
let served: Set<string>;
let sampling = true;

const paid = (up: FakeUpstream, model: string) => policyFor(up, `${MODELS}${scenario(model)}`, ['freebie', 'paidco']);
const shaOf = () => g.gw.holder.current.table.source.sha256;
const servedModel = () => g.gw.holder.current.table.scenarios[0]!.paid[0];

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for the reload');
    await sleep(10);
  }
}

beforeAll(async () => {
  up = await startFakeUpstream();
  g = await startGateway(paid(up, 'paidco/paid-model'), undefined, { watch: true });
  served = new Set([shaOf()]);
  void (async () => {
    while (sampling) {
      served.add(`${g.gw.holder.current.table.source.sha256} ${servedModel()}`);
      await sleep(2);
    }
  })();
});
afterAll(async () => {
  sampling = false;
  await g?.close();
  await up?.close();
});

describe('policy reload', () => {
  /** a policy that routes chat to `model`, with a default scenario first only when `extra` (a `when` scenario) goes before it */
  const withExtra = (model: string, extra: string) => policyFor(up, `${MODELS}${extra}${scenario(model)}`, ['freebie', 'paidco']);
  const PHONE = 'scenario private when text ~ /\\d{3}-\\d{4}/ {\n  paid freebie/free-model\n  willingness 0%\n}\n';

  it('a file caught half-written, whose first part is a valid policy, is never served', async () => {
    writeFileSync(g.policyPath, paid(up, 'freebie/free-model'));
    await until(() => servedModel() === 'freebie/free-model');
    // the whole file keeps requests with a phone number on one model; its first part alone (a valid policy: the
    // models and the default scenario) would send them to the paid cloud model
    const whole = `${paid(up, 'paidco/paid-model')}# personal data stays put\n`.replace('scenario chat', `${PHONE}scenario chat`);
    const cut = whole.indexOf('scenario private');
    const first = `${whole.slice(0, cut)}${scenario('paidco/paid-model')}`;
    expect(first).not.toBe(whole);
    served.clear();
    // a slow writer: the first part, a pause, then the file as a whole (as an editor flushing twice would leave it)
    writeFileSync(g.policyPath, first);
    await sleep(120);
    writeFileSync(g.policyPath, whole);
    await until(() => g.gw.holder.current.table.scenarios.some((s) => s.name === 'private'));
    const firstOnly = [...served].filter((s) => s.endsWith('paidco/paid-model') && !s.startsWith(shaOf()));
    expect(firstOnly).toEqual([]);
  });

  it('a file appended in two writes, valid after the first, is served only whole', async () => {
    const before = shaOf();
    const prefix = withExtra('freebie/free-model', PHONE);
    const whole = `${prefix}retry {\n  attempts 1\n  backoff 0ms\n  on network\n}\n`;
    const prefixSha = compileText(prefix, TEST_KEYS).source.sha256;
    expect(prefixSha).not.toBe(before);
    served.clear();
    writeFileSync(g.policyPath, prefix);
    await sleep(120);
    appendFileSync(g.policyPath, whole.slice(prefix.length));
    await until(() => g.gw.holder.current.table.retry.attempts === 1);
    expect(shaOf()).toBe(compileText(whole, TEST_KEYS).source.sha256);
    expect([...served].filter((s) => s.startsWith(prefixSha))).toEqual([]);
  });

  it('a save by rename (write a temp file, rename it over the policy) reloads', async () => {
    const tmp = join(g.dir, '.routes.gw.tmp');
    writeFileSync(tmp, paid(up, 'freebie/free-model'));
    renameSync(tmp, g.policyPath);
    await until(() => servedModel() === 'freebie/free-model');
    // and again, so the watcher survived the rename
    writeFileSync(tmp, paid(up, 'paidco/paid-model'));
    renameSync(tmp, g.policyPath);
    await until(() => servedModel() === 'paidco/paid-model');
  });

  it('a save that moves the old file away and writes a new one (vim backupcopy=no) reloads', async () => {
    renameSync(g.policyPath, join(g.dir, 'routes.gw~'));
    writeFileSync(g.policyPath, paid(up, 'freebie/free-model'));
    await until(() => servedModel() === 'freebie/free-model');
  });

  it('a save in place reloads', async () => {
    writeFileSync(g.policyPath, paid(up, 'paidco/paid-model'));
    await until(() => servedModel() === 'paidco/paid-model');
  });
});
