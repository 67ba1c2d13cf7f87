import { describe, expect, it } from 'vitest';
import { fromOpenAIResponse, OpenAIToAnthropicStream, toOpenAIRequest } from '../runtime/protocols/anthropic-to-openai.ts';
import { fromAnthropicResponse } from '../runtime/protocols/openai-to-anthropic.ts';
import type { OpenAIChatChunk, OpenAIChatCompletion } from '../runtime/protocols/openai-types.ts';

describe('reasoning round trip: reasoning_content ⇄ Anthropic thinking', () => {
  it('an OpenAI-protocol answer with reasoning_content becomes a thinking block, then the text', () => {
    const completion = {
      id: 'c1',
      object: 'chat.completion',
      created: 1,
      model: 'deepseek-reasoner',
      choices: [{ index: 0, message: { role: 'assistant', content: '42', reasoning_content: 'six times seven' }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14, completion_tokens_details: { reasoning_tokens: 7 } },
    } as unknown as OpenAIChatCompletion;
    const msg = fromOpenAIResponse(completion, 'm');
    expect(msg.content).toEqual([
      { type: 'thinking', thinking: 'six times seven', signature: '' },
      { type: 'text', text: '42' },
    ]);
  });

  it('streamed: reasoning_content deltas become a thinking block before the text block', () => {
    const s = new OpenAIToAnthropicStream('id', 'm', 3);
    const chunk = (delta: Record<string, unknown>, finish: string | null = null): OpenAIChatChunk =>
      ({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] }) as unknown as OpenAIChatChunk;
    const events = [chunk({ role: 'assistant', reasoning_content: 'six ' }), chunk({ reasoning_content: 'times seven' }), chunk({ content: '42' }), chunk({}, 'stop')].flatMap((c) => s.push(c));
    events.push(...s.finish());
    const shape = events.map((e) => (e.data.type === 'content_block_start' ? `start:${(e.data as { content_block: { type: string } }).content_block.type}` : e.data.type === 'content_block_delta' ? `delta:${(e.data as { delta: { type: string } }).delta.type}` : e.data.type));
    expect(shape).toEqual(['message_start', 'ping', 'start:thinking', 'delta:thinking_delta', 'delta:thinking_delta', 'content_block_stop', 'start:text', 'delta:text_delta', 'content_block_stop', 'message_delta', 'message_stop']);
  });

  it('thinking in the history goes to an OpenAI upstream as reasoning_content; Anthropic thinking reaches OpenAI clients as reasoning_content', () => {
    const req = toOpenAIRequest(
      {
        model: 'x',
        max_tokens: 10,
        messages: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: '' }, { type: 'tool_use', id: 't1', name: 'f', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ok' }] },
        ],
      },
      'deepseek-reasoner',
    );
    expect(req.messages[1]).toMatchObject({ role: 'assistant', reasoning_content: 'hmm', tool_calls: [{ id: 't1' }] });
    const out = fromAnthropicResponse(
      { id: 'm', type: 'message', role: 'assistant', model: 'c', content: [{ type: 'thinking', thinking: 'deep', signature: 's' }, { type: 'text', text: 'hi' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } },
      'c',
    );
    expect(out.choices[0].message).toMatchObject({ content: 'hi', reasoning_content: 'deep' });
  });
});
