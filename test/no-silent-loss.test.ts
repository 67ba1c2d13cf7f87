import { describe, expect, it } from 'vitest';
import { toAnthropicRequest, ProtocolTranslationError } from '../runtime/protocols/openai-to-anthropic.ts';
import type { OpenAIChatRequest } from '../runtime/protocols/openai-types.ts';

const base: OpenAIChatRequest = { model: 'auto', messages: [{ role: 'user', content: 'hi' }] };
const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };

describe('no silent loss on the way to an Anthropic upstream', () => {
  it('response_format json_schema becomes Anthropic structured output', () => {
    const out = toAnthropicRequest({ ...base, response_format: { type: 'json_schema', json_schema: { name: 'x', schema, strict: true } } }, 'claude-x') as unknown as Record<string, unknown>;
    expect(out.output_config).toEqual({ format: { type: 'json_schema', schema } });
  });
  it('json_object, n > 1 and logprobs are a clear refusal, not dropped', () => {
    expect(() => toAnthropicRequest({ ...base, response_format: { type: 'json_object' } }, 'c')).toThrow(ProtocolTranslationError);
    expect(() => toAnthropicRequest({ ...base, n: 2 }, 'c')).toThrow(/n > 1/);
    expect(() => toAnthropicRequest({ ...base, logprobs: true } as OpenAIChatRequest, 'c')).toThrow(/logprobs/);
  });
  it('response_format text is no constraint', () => {
    expect((toAnthropicRequest({ ...base, response_format: { type: 'text' } }, 'c') as unknown as Record<string, unknown>).output_config).toBeUndefined();
  });
});
