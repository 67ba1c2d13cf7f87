import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { policyFor, startGateway, TEST_KEYS, type RunningGateway } from './helpers/gateway.ts';

/** A request of the real Claude Code CLI (2.1.197), captured through a logging proxy: role "system" inside messages, adaptive thinking, output_config, context_management, betas. */
const captured = JSON.parse(readFileSync(new URL('./fixtures/claude-code-request.json', import.meta.url), 'utf8')) as {
  path: string;
  headers: Record<string, string>;
  body: Record<string, any>;
};

const CLAUDE_KEY = 'sk-ant-claude-secret-4444';
const body = (url: string) => `
provider claude { protocol anthropic  base_url "${url}/claude"  key env CLAUDE_KEY }
model claude/claude-native  { context 1M  price 5 / 25  can tools }
model paidco/paid-model     { context 1M  price 1 / 2  can tools }
scenario native when header x-test-upstream = "anthropic" {
  paid claude/claude-native
  willingness 0%
}
scenario chat {
  paid paidco/paid-model
  willingness 0%
}
retry { attempts 2  backoff 0ms  on network rate_limit server quota }
`;

let up: FakeUpstream;
let g: RunningGateway;
beforeAll(async () => {
  up = await startFakeUpstream();
  g = await startGateway(policyFor(up, body(up.url)), { ...TEST_KEYS, CLAUDE_KEY });
});
afterAll(async () => {
  await g?.close();
  await up?.close();
});
afterEach(() => up.reset());

function send(over: { headers?: Record<string, string>; body?: Record<string, unknown> } = {}): Promise<Response> {
  const headers: Record<string, string> = { ...captured.headers, 'x-api-key': 'any', ...over.headers };
  delete headers['accept-encoding'];
  return fetch(`${g.url}${captured.path}`, { method: 'POST', headers, body: JSON.stringify({ ...captured.body, ...over.body }) });
}

describe('the captured Claude Code request', () => {
  it('has what makes it current: a role "system" message, adaptive thinking, output_config, context_management, the betas', () => {
    expect(captured.body.messages.map((m: { role: string }) => m.role)).toContain('system');
    expect(captured.body.thinking).toEqual({ type: 'adaptive' });
    expect(captured.body.output_config).toBeDefined();
    expect(captured.body.context_management).toBeDefined();
    expect(captured.headers['anthropic-beta']).toContain('mid-conversation-system-2026-04-07');
  });

  it('goes to an Anthropic upstream unchanged (model replaced) with its anthropic-beta', async () => {
    const res = await send({ headers: { 'x-test-upstream': 'anthropic' } });
    expect(res.status).toBe(200);
    await res.text();
    const sent = up.requests.find((r) => r.endpoint === 'messages')!;
    expect(sent.body).toEqual({ ...captured.body, model: 'claude-native' });
    expect(sent.headers['anthropic-beta']).toBe(captured.headers['anthropic-beta']);
    expect(res.headers.get('x-gw-dropped')).toBeNull();
  });

  it('goes to an OpenAI upstream with the role "system" message as a system message at its position', async () => {
    const res = await send();
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('event: message_stop');
    const sent = up.requests.find((r) => r.endpoint === 'chat.completions')!;
    const roles = sent.body.messages.map((m: { role: string }) => m.role);
    expect(roles).toEqual(['system', 'user', 'system']);
    expect(sent.body.messages[2].content).toBe(captured.body.messages[1].content);
    // the documented table: Anthropic-only fields are dropped, never sent to an OpenAI upstream
    for (const k of ['thinking', 'context_management', 'output_config', 'metadata', 'system']) expect(sent.body).not.toHaveProperty(k);
    expect(sent.body.max_tokens).toBe(64000);
    // …and named in the answer's x-gw-dropped header and the log
    expect(res.headers.get('x-gw-dropped')).toBe('context_management, output_config.effort, thinking');
    expect(g.log.lines.some((l) => l.includes('dropped context_management, output_config.effort, thinking'))).toBe(true);
  });
});

describe("gw's own errors on /v1/messages use Anthropic's wording", () => {
  const hi = [{ role: 'user', content: 'hi' }];
  const post = (b: Record<string, unknown>) =>
    fetch(`${g.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'any' }, body: JSON.stringify(b) });
  it.each([
    [{ messages: hi, max_tokens: 10 }, 'model: Field required'],
    [{ model: 'm', max_tokens: 10 }, 'messages: Field required'],
    [{ model: 'm', messages: hi }, 'max_tokens: Field required'],
    [{ model: 'm', messages: [], max_tokens: 10 }, 'messages: at least one message is required'],
    [{ model: 'm', messages: hi, max_tokens: 'x' }, 'max_tokens: Input should be a valid integer'],
    [{ model: 'm', messages: hi, max_tokens: 0 }, 'max_tokens: Input should be greater than or equal to 1'],
    [{ model: 'm', messages: [{ role: 'tool', content: 'x' }], max_tokens: 10 }, 'messages: Unexpected role "tool". Allowed roles are "user", "assistant" or "system".'],
    [{ model: 'm', messages: [{ role: 'user' }], max_tokens: 10 }, 'messages.0.content: Field required'],
    [{ model: 'm', messages: hi, max_tokens: 10, stream: 'yes' }, 'stream: Input should be a valid boolean'],
  ])('%j → %s', async (b, message) => {
    const res = await post(b);
    expect(res.status).toBe(400);
    const j = (await res.json()) as { request_id?: unknown };
    expect(j).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message } });
    expect(typeof j.request_id).toBe('string');
  });
});

describe('Anthropic fields on an OpenAI upstream (the documented table)', () => {
  const post = (b: Record<string, unknown>) =>
    fetch(`${g.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'any' }, body: JSON.stringify({ model: 'auto', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }], ...b }) });
  it('output_config.format becomes response_format json_schema', async () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    const res = await post({ output_config: { format: { type: 'json_schema', schema } }, service_tier: 'auto', top_k: 5, cache_control: { type: 'ephemeral', scope: 'global' } });
    expect(res.status).toBe(200);
    const sent = up.requests.find((r) => r.endpoint === 'chat.completions')!;
    expect(sent.body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'output', schema, strict: true } });
    for (const k of ['service_tier', 'top_k', 'cache_control', 'output_config']) expect(sent.body).not.toHaveProperty(k);
    expect(res.headers.get('x-gw-dropped')).toBe('cache_control, service_tier, top_k');
  });
  it('mcp_servers cannot go to an OpenAI upstream: a 400 naming it', async () => {
    const res = await post({ mcp_servers: [{ type: 'url', url: 'https://mcp.invalid/sse', name: 'x' }] });
    expect(res.status).toBe(400);
    const j = (await res.json()) as { error: { type: string; message: string } };
    expect(j.error.type).toBe('invalid_request_error');
    expect(j.error.message).toContain('mcp_servers');
  });
});
