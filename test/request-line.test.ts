import { expect, it } from 'vitest';
import { oneModelGateway } from './helpers/one-model.ts';

const setup = oneModelGateway();

it('one line per request: id, endpoint, client model → model, scenario, tier, status, tokens, ms; refusals with their reason', async () => {
  const g = setup.g();
  const post = (body: unknown) => fetch(`${g.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect((await post({ model: 'claude-sonnet-4-6', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] })).status).toBe(200);
  expect((await post({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'hi' }] })).status).toBe(400);
  const lines = g.log.lines.filter((l) => l.startsWith('request '));
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/^request [0-9a-f]{8} messages claude-sonnet-4-6 → paidco\/paid-model chat paid 200 \d+ tok \d+ ms$/);
  expect(lines[1]).toMatch(/^request [0-9a-f]{8} messages claude-sonnet-4-6 → - - - 400 - \d+ ms invalid_request_error: max_tokens: Field required$/);
});
