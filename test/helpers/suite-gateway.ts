import { afterAll, beforeAll } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../fixtures/fake-upstream.ts';
import { policyFor, startGateway, type RunningGateway } from './gateway.ts';

/**
 * A fake upstream and a gateway serving `policyFor(up, body(up.url))`, started before the suite and closed after it
 * (oneModelGateway is the one-model case). `restart` closes the gateway and starts another on the same directory
 * (its state database), as a restart of gw would.
 */
export function suiteGateway(
  body: (upstreamUrl: string) => string,
  env: Record<string, string>,
  opts: { random?: () => number } = {},
): { up(): FakeUpstream; g(): RunningGateway; restart(): Promise<RunningGateway> } {
  let up: FakeUpstream;
  let g: RunningGateway;
  let policy = '';
  beforeAll(async () => {
    up = await startFakeUpstream();
    policy = policyFor(up, body(up.url));
    g = await startGateway(policy, env, opts);
  });
  afterAll(async () => {
    await g?.close();
    await up?.close();
  });
  return {
    up: () => up,
    g: () => g,
    restart: async () => {
      await g.close();
      g = await startGateway(policy, env, { ...opts, dir: g.dir });
      return g;
    },
  };
}
