import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { policyFor, startGateway, type RunningGateway } from './helpers/gateway.ts';
import { worstShapes } from './helpers/worst-shapes.ts';

// Issue 10: one request must never stall the gateway. While a 1 MB prompt of a shape the pre-tokenizer does not split
// is being routed, GET /health keeps answering. Before the fix, 1 MB of `a` did not finish in 120 s.
const BODY = `
model freebie/free-model  { context 2M  free 100M tokens every day }
model paidco/paid-model   { context 2M  price 1 / 2 }
scenario code when text ~ /python/i {
  paid paidco/paid-model
  willingness 0%
}
scenario chat {
  free freebie/free-model
  willingness 100%
}
`;

/**
 * Generous: a healthy /health answers in ~1 ms. Before the fix 1 MB of `a` held the loop for minutes; the token count
 * now takes ≤ ~30 ms, but the first probe during such a request still sees 100–900 ms on a loaded 2-core machine (body
 * read, JSON parse, logging — not yet bounded, see the h10a report), so the 100 ms is not asserted yet.
 */
const HEALTH_MS = 2000;

let up: FakeUpstream;
let g: RunningGateway;
beforeAll(async () => {
  up = await startFakeUpstream();
  g = await startGateway(policyFor(up, BODY));
});
afterAll(async () => {
  await g?.close();
  await up?.close();
});

describe('bounded work per request', () => {
  for (const [shape, text] of Object.entries(worstShapes(1 << 20))) {
    it(`GET /health stays under ${HEALTH_MS} ms while 1 MB of ${shape} is routed`, async () => {
      // encoded before the clock starts: the test's own client work is not the gateway's
      const body = Buffer.from(JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: text }] }));
      let done = false;
      const big = fetch(`${g.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(async (r) => {
        await r.arrayBuffer();
        done = true;
        return r.status;
      });
      const health: number[] = [];
      const deadline = Date.now() + 20_000;
      while (!done && Date.now() < deadline) {
        const t0 = performance.now();
        const r = await fetch(`${g.url}/health`);
        await r.arrayBuffer();
        health.push(performance.now() - t0);
        await new Promise((res) => setTimeout(res, 5));
      }
      const status = await big;
      expect(done).toBe(true);
      expect(status).toBeLessThan(600);
      expect(health.length).toBeGreaterThan(0);
      expect(Math.max(...health)).toBeLessThan(HEALTH_MS);
    }, 30_000);
  }
});
