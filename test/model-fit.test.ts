import Anthropic from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { classifyHttp } from '../runtime/providers/failure.ts';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { policyFor, startGateway, type RunningGateway } from './helpers/gateway.ts';

describe('an upstream 400/404/422 about the model or the fit of the request is its own failure class', () => {
  const openai = (message: string, code: string | null = null) => JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code } });
  const anthropic = (message: string) => JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message } });
  it.each([
    [400, openai('`max_tokens` must be less than or equal to `8192`, the maximum value for `max_tokens` is less than the `context_window` for this model')],
    [400, openai('Invalid max_tokens value, the valid range of max_tokens is [1, 8192]')],
    [400, openai('max_tokens is too large: 64000. This model supports at most 16384 completion tokens, whereas you provided 64000.')],
    [400, anthropic('max_tokens: 64000 > 8192, which is the maximum allowed number of output tokens for claude-3-5-haiku')],
    [400, openai("This model's maximum context length is 128000 tokens. However, your messages resulted in 200000 tokens.", 'context_length_exceeded')],
    [400, anthropic('prompt is too long: 210000 tokens > 200000 maximum')],
    [400, openai("Unsupported parameter: 'reasoning_effort' is not supported with this model.", 'unsupported_parameter')],
    [400, openai('Image input is not supported for this model')],
    [400, anthropic("role 'system' is not supported on this model")],
    [400, anthropic('messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`. When `thinking` is enabled, a final `assistant` message must start with a thinking block')],
    [422, JSON.stringify({ detail: 'max_tokens must be at most 4096 for this model' })],
  ])('%i %s → model_fit', (status, body) => {
    expect(classifyHttp(status, body, null).class).toBe('model_fit');
  });
  it('a malformed request stays invalid_request; a missing model stays model_not_found', () => {
    expect(classifyHttp(400, openai('Invalid request.'), null).class).toBe('invalid_request');
    expect(classifyHttp(400, anthropic('messages.0.content: Field required'), null).class).toBe('invalid_request');
    expect(classifyHttp(404, openai('The model `x` does not exist or you do not have access to it.', 'model_not_found'), null).class).toBe('model_not_found');
  });
});

describe('routing past a model that cannot take the request', () => {
  let up: FakeUpstream;
  let g: RunningGateway;
  beforeAll(async () => {
    // groq caps output at 8192 (no max_output declared: the provider's 400 is the only word on it)
    up = await startFakeUpstream({ maxOutput: { 'llama-small': 8192 } });
    g = await startGateway(
      policyFor(
        up,
        `model groq/llama-small { context 128k  free 1M tokens every day }
model freebie/gone-model { context 128k  free 1M tokens every day }
model paidco/paid-model { context 200k  price 1 / 2 }
scenario gone when header x-test = "gone" {
  free freebie/gone-model
  paid paidco/paid-model
  willingness 100%
}
scenario chat {
  free groq/llama-small
  paid paidco/paid-model
  willingness 100%
}
fallback backup/backup-model
model backup/backup-model { context 200k  price 9 / 9 }
retry { attempts 1  backoff 0ms  on network server }`,
        ['freebie', 'paidco', 'backup', 'groq'],
      ),
      { FREEBIE_KEY: 'a', PAIDCO_KEY: 'b', BACKUP_KEY: 'c', GROQ_KEY: 'd' },
    );
  });
  afterAll(async () => {
    await g?.close();
    await up?.close();
  });
  afterEach(() => up.reset());
  const client = () => new Anthropic({ baseURL: g.url, apiKey: 'x', maxRetries: 0, timeout: 15_000 });

  it('a free model whose provider caps output lower: the next candidate answers (retry on does not list it, attempts 1)', async () => {
    const { data, response } = await client().messages.create({ model: 'claude-sonnet-4-6', max_tokens: 32_000, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(data.content[0]).toMatchObject({ text: 'ok from paid-model' });
    expect(response.headers.get('x-gw-attempts')).toBe('2');
    const row = g.gw.ledger.requests.get(response.headers.get('x-gw-request-id')!)!;
    expect(JSON.stringify(row)).toContain('model_fit');
  });

  it('a model the provider says does not exist is set aside for 1 h, and the trace says so', async () => {
    up.script({ model: 'gone-model' }, { status: 404 });
    const first = await client().messages.create({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-test': 'gone' } }).withResponse();
    expect(first.data.content[0]).toMatchObject({ text: 'ok from paid-model' });
    expect(first.response.headers.get('x-gw-attempts')).toBe('2');
    up.reset();
    const second = await client().messages.create({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-test': 'gone' } }).withResponse();
    expect(second.response.headers.get('x-gw-attempts')).toBe('1');
    expect(up.requests.some((r) => r.model === 'gone-model')).toBe(false);
    const row = g.gw.ledger.requests.get(second.response.headers.get('x-gw-request-id')!)!;
    expect(JSON.stringify(row)).toMatch(/set aside for 1h: the provider says it does not exist/);
  });

  it('a pinned model that cannot take the request: a clear 400 naming why, no pricier fallback', async () => {
    const err = await client()
      .messages.create({ model: 'groq/llama-small', max_tokens: 32_000, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e as InstanceType<typeof Anthropic.APIError>);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).status).toBe(400);
    expect(String((err as Error).message)).toMatch(/groq\/llama-small cannot take this request: 400 `max_tokens` must be less than or equal to `8192`/);
    expect(up.requests.some((r) => r.model === 'backup-model')).toBe(false);
  });

  it('a malformed request ends routing at once', async () => {
    up.script({ model: 'llama-small' }, { status: 400 });
    const err = await client()
      .messages.create({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e as InstanceType<typeof Anthropic.APIError>);
    expect((err as InstanceType<typeof Anthropic.APIError>).status).toBe(400);
    expect(up.requests.filter((r) => r.endpoint === 'chat.completions').length).toBe(1);
  });
});
