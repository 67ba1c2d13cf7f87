import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { policyFor, startGateway, TEST_KEYS, type RunningGateway } from './helpers/gateway.ts';

/**
 * The real Codex CLI (@openai/codex, a devDependency) run headless with `codex exec` against gw and the fake upstream:
 * its Responses requests, its shell tool loop (exec_command → function_call_output), over a chat-only upstream and an
 * Anthropic one. The config is the README's.
 */
const CODEX = new URL('../node_modules/.bin/codex', import.meta.url).pathname;
const CLAUDE_KEY = 'sk-ant-claude-secret-4444';

const body = (url: string) => `
provider claude { protocol anthropic  base_url "${url}/claude"  key env CLAUDE_KEY }
model freebie/free-model  { context 128k  can tools vision  free 1M tokens every day }
model claude/claude-model { context 200k  can tools vision  price 3 / 15 }
scenario claude when model ~ /claude/ {
  paid claude/claude-model
  willingness 0%
}
scenario chat {
  free freebie/free-model
}
retry { attempts 2  backoff 0ms }
`;

let up: FakeUpstream;
let g: RunningGateway;
beforeAll(async () => {
  up = await startFakeUpstream();
  g = await startGateway(policyFor(up, body(up.url)), { ...TEST_KEYS, CLAUDE_KEY, GW_TOKEN: 'gw-codex-token' });
});
afterAll(async () => {
  await g?.close();
  await up?.close();
});

function codexHome(model: string): { home: string; work: string } {
  const root = mkdtempSync(join(tmpdir(), 'gw-codex-'));
  const home = join(root, 'home');
  const work = join(root, 'work');
  mkdirSync(home);
  mkdirSync(work);
  writeFileSync(
    join(home, 'config.toml'),
    `model = "${model}"
model_provider = "gw"
web_search = "disabled"

[model_providers.gw]
name = "gw"
base_url = "${g.url}/v1"
wire_api = "responses"
env_key = "GW_API_KEY"
`,
  );
  return { home, work };
}

function codexExec(home: string, work: string, prompt: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // stdin closed: `codex exec` otherwise waits for more prompt on it
    const p = spawn(CODEX, ['exec', '--skip-git-repo-check', '-s', 'danger-full-access', '-C', work, prompt], {
      env: { PATH: process.env.PATH, HOME: home, CODEX_HOME: home, GW_API_KEY: 'not-checked' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c) => (stdout += c));
    p.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('Codex CLI through gw', () => {
  for (const [label, model, target] of [
    ['a chat-only upstream', 'auto', { provider: 'freebie' }],
    ['an Anthropic upstream', 'claude/claude-model', { provider: 'claude' }],
  ] as const) {
    it(`runs its shell tool loop over ${label}`, async () => {
      up.reset();
      up.script(target, { toolCalls: [{ id: 'call_sh1', name: 'exec_command', arguments: { cmd: 'echo gw-shell-$((6*7)) > proof.txt; cat proof.txt' } }] }, { reply: 'The command printed gw-shell-42.' });
      const { home, work } = codexHome(model);
      const r = await codexExec(home, work, 'run the proof command');
      expect(r.stdout + r.stderr).toContain('The command printed gw-shell-42.');
      expect(readFileSync(join(work, 'proof.txt'), 'utf8').trim()).toBe('gw-shell-42');
      const turns = up.requests.filter((q) => q.provider === target.provider);
      expect(turns.length).toBeGreaterThanOrEqual(2);
      // the second turn carries the tool's output back as a chat tool message / Anthropic tool_result
      const second = JSON.stringify(turns[1].body);
      expect(second).toContain('call_sh1');
      expect(second).toContain('gw-shell-42');
      expect(turns[0].body.tools.map((t: { function?: { name: string }; name?: string }) => t.function?.name ?? t.name)).toContain('exec_command');
    }, 120_000);
  }

  it('its captured request parses and routes (fixture kept from a logging proxy)', async () => {
    const fx = JSON.parse(readFileSync(new URL('./fixtures/codex/responses-request.json', import.meta.url), 'utf8'));
    up.reset();
    up.script({ provider: 'freebie' }, { reply: 'hi' });
    const res = await fetch(`${g.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify(fx.body) });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('event: response.completed');
    // the namespace tool's functions go upstream flattened
    expect(up.requests[0].body.tools.map((t: { function: { name: string } }) => t.function.name)).toContain('multi_agent_v1__spawn_agent');
  });
});
