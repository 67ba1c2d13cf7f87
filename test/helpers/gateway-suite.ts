import { afterAll, beforeAll } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../fixtures/fake-upstream.ts';
import { policyFor, startGateway, TEST_KEYS, type RunningGateway } from './gateway.ts';

/**
 * One fake upstream and one gateway for a test file: started before its tests, closed after. `body` gets the fake's
 * URL and returns the policy after the chat-only providers policyFor declares (freebie, paidco, backup).
 */
export function gatewaySuite(body: (url: string) => string, env: Record<string, string> = TEST_KEYS): { up: FakeUpstream; g: RunningGateway } {
  const s = {} as { up: FakeUpstream; g: RunningGateway };
  beforeAll(async () => {
    s.up = await startFakeUpstream();
    s.g = await startGateway(policyFor(s.up, body(s.up.url)), env);
  });
  afterAll(async () => {
    await s.g?.close();
    await s.up?.close();
  });
  return s;
}
