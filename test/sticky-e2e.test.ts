import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { main } from '../cli/main.ts';
import type { FakeUpstream, RecordedRequest } from './fixtures/fake-upstream.ts';
import { TEST_KEYS, type RunningGateway } from './helpers/gateway.ts';
import { suiteGateway } from './helpers/suite-gateway.ts';
import { memoryIo } from './helpers/mem-io.ts';

const CLAUDE_KEY = 'sk-ant-claude-secret-4444';
const ENV = { ...TEST_KEYS, CLAUDE_KEY };
const FREE = 'freebie/free-model';
const CLAUDE = 'claude/claude-native';

const body = (url: string) => `
provider claude { protocol anthropic  base_url "${url}/claude"  key env CLAUDE_KEY }
model freebie/free-model    { context 32k  free 1M tokens every day  can tools }
model paidco/paid-model     { context 128k  price 1 / 2  can tools }
model claude/claude-native  { context 200k  price 3 / 15  can tools }
model claude/claude-other   { context 200k  price 3 / 15  can tools }
scenario chat {
  paid claude/claude-native, claude/claude-other, paidco/paid-model
  free freebie/free-model
  willingness 50%
}
retry {
  attempts 3
  backoff 0ms
  on network rate_limit server quota
}
`;

/** the draw of each decision: free, paid, free, paid… (a session without affinity would alternate with it) */
let n = 0;
const alternate = () => (n++ % 2 === 0 ? 0.1 : 0.9);
const suite = suiteGateway(body, ENV, { random: alternate });
let up: FakeUpstream;
let g: RunningGateway;
beforeEach(() => {
  [up, g] = [suite.up(), suite.g()];
  up.reset();
  n = 0;
});

const openai = (session?: string) =>
  new OpenAI({ baseURL: `${g.url}/v1`, apiKey: 'not-needed', maxRetries: 0, timeout: 15_000, defaultHeaders: session ? { 'x-gw-session': session } : {} });
const anthropic = () => new Anthropic({ baseURL: g.url, apiKey: 'not-needed', maxRetries: 0, timeout: 15_000 });
type Msg = OpenAI.Chat.Completions.ChatCompletionMessageParam;

/** One turn of a Claude Code-like session: its session in metadata.user_id, thinking on, a Bash tool. */
function claudeCodeTurn(session: string) {
  const client = anthropic();
  const metadata = { user_id: JSON.stringify({ device_id: 'd'.repeat(64), account_uuid: '', session_id: session }) };
  const tools: Anthropic.Tool[] = [{ name: 'Bash', description: 'run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }];
  return (messages: Anthropic.MessageParam[]) =>
    client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 1024 }, metadata, tools, messages }).withResponse();
}

async function chatTurn(client: OpenAI, messages: Msg[]): Promise<{ model: string; sticky: string | null; id: string; text: string }> {
  const { data, response } = await client.chat.completions.create({ model: 'auto', messages }).withResponse();
  return { model: response.headers.get('x-gw-model')!, sticky: response.headers.get('x-gw-sticky'), id: response.headers.get('x-gw-request-id')!, text: data.choices[0].message.content ?? '' };
}

async function logged(id: string): Promise<{ decision: { trace: { step: string; message: string }[] } }> {
  return (await fetch(`${g.url}/logs/${id}`)).json() as never;
}

describe('sticky sessions over the real HTTP stack', () => {
  it('openai SDK: without a session the draw alternates the model; with x-gw-session every turn stays, then moves when its model fails', async () => {
    // the control: first turns of different conversations follow the draw
    const control = new Set<string>();
    for (let i = 0; i < 4; i++) control.add((await chatTurn(openai(), [{ role: 'user', content: `question number ${i}` }])).model);
    expect(control.size).toBe(2);

    const client = openai('conv-openai-1');
    const messages: Msg[] = [{ role: 'system', content: 'be brief' }];
    const turns: { model: string; sticky: string | null; id: string }[] = [];
    for (let i = 0; i < 5; i++) {
      messages.push({ role: 'user', content: `turn ${i}` });
      const t = await chatTurn(client, messages);
      turns.push(t);
      messages.push({ role: 'assistant', content: t.text });
    }
    const first = turns[0].model;
    expect(turns.map((t) => t.model)).toEqual(Array(5).fill(first));
    expect(turns.map((t) => t.sticky)).toEqual(['new', 'kept', 'kept', 'kept', 'kept']);
    const kept = await logged(turns[3].id);
    expect(kept.decision.trace.find((t) => t.step === 'sticky')?.message).toMatch(new RegExp(`^session conv-openai-1 \\(x-gw-session\\) stays on ${first} \\(turn 4, there since `));

    // its model fails: the turn moves on, and the session stays where it moved even once the first model is back
    up.script({ model: first.slice(first.indexOf('/') + 1) }, { status: 500 });
    messages.push({ role: 'user', content: 'turn 5' });
    const moved = await chatTurn(client, messages);
    expect(moved.model).not.toBe(first);
    expect(moved.sticky).toBe(`moved from ${first}`);
    const movedLog = await logged(moved.id);
    expect(movedLog.decision.trace.find((t) => t.step === 'sticky')?.message).toContain(`was on ${first}: `);
    messages.push({ role: 'assistant', content: moved.text });
    for (let i = 6; i < 9; i++) {
      messages.push({ role: 'user', content: `turn ${i}` });
      const t = await chatTurn(client, messages);
      expect([t.model, t.sticky]).toEqual([moved.model, 'kept']);
      messages.push({ role: 'assistant', content: t.text });
    }

    // gw explain --session reads where the gateway keeps it, and routes the next turn there whatever the draw
    for (const draw of ['0.1', '0.9']) {
      const io = memoryIo(g.dir, ENV);
      expect(await main(['explain', '--config', g.policyPath, '--session', 'conv-openai-1', '--draw', draw, 'next turn'], io)).toBe(0);
      expect(io.stdout).toContain(`session conv-openai-1:\n  scenario chat: ${moved.model}, 4 turns since `);
      expect(io.stdout).toMatch(new RegExp(`sticky +session conv-openai-1 \\(x-gw-session\\) stays on ${moved.model} \\(turn 5, `));
      expect(io.stdout).toContain(`model ${moved.model}`);
    }
    const metrics = await (await fetch(`${g.url}/metrics`)).text();
    expect(metrics).toMatch(/^gw_sticky_total\{state="kept"\} (\d+)$/m);
    expect(Number(/^gw_sticky_total\{state="kept"\} (\d+)$/m.exec(metrics)![1])).toBeGreaterThanOrEqual(7);
    expect(metrics).toMatch(/^gw_sticky_total\{state="moved"\} 1$/m);
    const asJson = memoryIo(g.dir, ENV);
    expect(await main(['explain', '--json', '--config', g.policyPath, '--session', 'conv-openai-1', '--draw', '0.9', 'next turn'], asJson)).toBe(0);
    const j = JSON.parse(asJson.stdout);
    expect(j.model).toBe(moved.model);
    expect(j.sticky).toMatchObject({ state: 'kept', scenario: 'chat', session: { id: 'conv-openai-1', source: 'x-gw-session' }, pin: { model: moved.model, turns: 4 } });
    expect(j.session.stored).toEqual([expect.objectContaining({ scenario: 'chat', source: 'x-gw-session', pin: expect.objectContaining({ model: moved.model }) })]);
    const unknown = memoryIo(g.dir, ENV);
    await main(['explain', '--config', g.policyPath, '--session', 'never-seen', '--draw', '0.1', 'hi'], unknown);
    expect(unknown.stdout).toContain('session never-seen: nothing stored');
  });

  it('Anthropic SDK, a Claude Code session (metadata.user_id): stays on Claude with thinking across draws; when Claude fails the next model gets a history it accepts', async () => {
    const ask = claudeCodeTurn('cc-session-1');
    n = 1; // the first turn draws paid: Claude
    up.script({ provider: 'claude' }, { toolCalls: [{ name: 'Bash', arguments: { command: 'ls' } }] });
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'list the files' }];
    const t1 = await ask(messages);
    expect(t1.response.headers.get('x-gw-model')).toBe(CLAUDE);
    expect(t1.data.content[0].type).toBe('thinking');
    const use = t1.data.content.find((b) => b.type === 'tool_use')!;
    messages.push({ role: 'assistant', content: t1.data.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'a.txt b.txt' }] });
    // draws free now: the session stays on Claude, its thinking history intact
    const t2 = await ask(messages);
    expect([t2.response.headers.get('x-gw-model'), t2.response.headers.get('x-gw-sticky')]).toEqual([CLAUDE, 'kept']);
    const toClaude = up.requests.filter((r) => r.provider === 'claude');
    expect(toClaude).toHaveLength(2);
    expect(toClaude[1].body.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
    expect(toClaude[1].body.messages[1].content[0].type).toBe('thinking');

    // both Claude models fail: the next model (OpenAI protocol) gets the conversation without Anthropic's thinking blocks
    messages.push({ role: 'assistant', content: t2.data.content }, { role: 'user', content: 'and now?' });
    up.script({ provider: 'claude' }, { status: 500 }, { status: 500 });
    const t3 = await ask(messages);
    const movedTo = t3.response.headers.get('x-gw-model')!;
    expect(movedTo).not.toBe(CLAUDE);
    expect(t3.response.headers.get('x-gw-sticky')).toBe(`moved from ${CLAUDE}`);
    const toOpenAI = up.requests.filter((r) => r.endpoint === 'chat.completions');
    expect(toOpenAI).toHaveLength(1);
    expect(JSON.stringify(toOpenAI[0].body.messages)).not.toContain('"thinking"');
    expect(toOpenAI[0].body.thinking).toBeUndefined();
  });

  it('Anthropic SDK: a session moves from one Claude model to another mid tool loop; the thinking the first signed is left out, no "Invalid signature" 400', async () => {
    const ask = claudeCodeTurn('cc-session-3');
    n = 1; // paid: claude-native, with thinking and a tool call
    up.script({ model: 'claude-native' }, { toolCalls: [{ name: 'Bash', arguments: { command: 'ls' } }] }, { status: 500 });
    up.script({ model: 'claude-other' }, { reply: 'two files' });
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'list the files' }];
    const t1 = await ask(messages);
    expect(t1.response.headers.get('x-gw-model')).toBe(CLAUDE);
    const signed = t1.data.content[0] as Anthropic.ThinkingBlock;
    expect(signed.signature).toMatch(/^fakesig:claude-native:/);
    const use = t1.data.content.find((b) => b.type === 'tool_use')!;
    messages.push({ role: 'assistant', content: t1.data.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'a.txt b.txt' }] });
    // the turn decides three times (kept, then after the failure twice around the backoff): the last draw is paid
    n = 1;
    const t2 = await ask(messages);
    expect([t2.response.headers.get('x-gw-model'), t2.response.headers.get('x-gw-sticky')]).toEqual(['claude/claude-other', `moved from ${CLAUDE}`]);
    expect(t2.response.headers.get('x-gw-dropped')).toBe('messages.1.content.0, thinking');
    const toOther = up.requests.filter((r) => r.model === 'claude-other');
    expect(toOther).toHaveLength(1);
    expect(toOther[0].body.messages[1].content.map((b: { type: string }) => b.type)).toEqual(['tool_use']);
    expect(toOther[0].body.thinking).toBeUndefined();
  });

  it('Anthropic SDK: a session on an OpenAI model moves to Claude mid tool loop; its unsigned thinking is dropped and thinking turned off, no "Expected thinking" 400', async () => {
    const ask = claudeCodeTurn('cc-session-2');
    n = 0; // free: the OpenAI-protocol model, answering with reasoning_content and a tool call
    up.script({ model: 'free-model' }, { reasoning: 'I should list them', toolCalls: [{ name: 'Bash', arguments: { command: 'ls' } }] });
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'list the files' }];
    const t1 = await ask(messages);
    expect(t1.response.headers.get('x-gw-model')).toBe(FREE);
    const thinking = t1.data.content.find((b) => b.type === 'thinking') as Anthropic.ThinkingBlock;
    expect(thinking.thinking).toBe('I should list them');
    expect(thinking.signature).toBe('');
    const use = t1.data.content.find((b) => b.type === 'tool_use')!;
    messages.push({ role: 'assistant', content: t1.data.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'a.txt b.txt' }] });
    up.script({ model: 'free-model' }, { status: 500 });
    up.script({ provider: 'claude' }, { reply: 'two files' });
    const t2 = await ask(messages);
    expect(t2.data.content.find((b) => b.type === 'text')).toMatchObject({ text: 'two files' });
    expect(t2.response.headers.get('x-gw-model')).toBe(CLAUDE);
    expect(t2.response.headers.get('x-gw-sticky')).toBe(`moved from ${FREE}`);
    expect(t2.response.headers.get('x-gw-dropped')).toBe('messages.1.content.0, thinking');
    const toClaude: RecordedRequest[] = up.requests.filter((r) => r.provider === 'claude');
    // one call: no "Expected `thinking`" 400 to route around
    expect(toClaude).toHaveLength(1);
    expect(toClaude[0].body.thinking).toBeUndefined();
    expect(toClaude[0].body.messages[1].content.map((b: { type: string }) => b.type)).toEqual(['tool_use']);
  });

  it('openai SDK, Responses API: a Codex thread (prompt_cache_key) stays on one model across draws', async () => {
    const client = openai();
    const models: (string | null)[] = [];
    for (let i = 0; i < 4; i++) {
      const { response } = await client.responses.create({ model: 'auto', input: `step ${i}`, prompt_cache_key: 'codex-thread-1', store: false }).withResponse();
      models.push(response.headers.get('x-gw-model'));
    }
    expect(new Set(models).size).toBe(1);
  });

  it('a restart keeps the sessions (state database)', async () => {
    const client = openai('conv-restart');
    const messages: Msg[] = [{ role: 'user', content: 'hello there' }];
    const t1 = await chatTurn(client, messages);
    messages.push({ role: 'assistant', content: t1.text }, { role: 'user', content: 'and again' });
    g = await suite.restart();
    for (let i = 0; i < 3; i++) {
      const t = await chatTurn(openai('conv-restart'), messages);
      expect([t.model, t.sticky]).toEqual([t1.model, 'kept']);
      messages.push({ role: 'assistant', content: t.text }, { role: 'user', content: `more ${i}` });
    }
  });
});
