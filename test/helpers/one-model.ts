import { afterAll, beforeAll } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../fixtures/fake-upstream.ts';
import { policyFor, startGateway, type RunningGateway } from './gateway.ts';

/** A fake upstream and a gateway whose only model is paidco/paid-model, started before and closed after the suite. */
export function oneModelGateway(): { up(): FakeUpstream; g(): RunningGateway } {
  let up: FakeUpstream;
  let g: RunningGateway;
  beforeAll(async () => {
    up = await startFakeUpstream();
    g = await startGateway(policyFor(up, `model paidco/paid-model { context 128k  price 1 / 2 }\nscenario chat {\n  paid paidco/paid-model\n}`));
  });
  afterAll(async () => {
    await g?.close();
    await up?.close();
  });
  return { up: () => up, g: () => g };
}
