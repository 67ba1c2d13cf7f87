import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { startGateway, type RunningGateway } from './helpers/gateway.ts';
import { ROOT_POLICY } from './helpers/policy.ts';

/**
 * The real Claude Code CLI (the @anthropic-ai/claude-code devDependency), headless (`claude -p … --output-format
 * json`) with a temporary HOME, through gw running the shipped routes.gw, its providers' base URLs pointed at the fake
 * upstream by environment variables. No network beyond 127.0.0.1: telemetry, updates and other nonessential traffic
 * are off. Each run is bounded (60 s).
 */
function claudeBinary(): string {
  const require = createRequire(import.meta.url);
  // the platform package's native binary works whether or not the wrapper's postinstall ran
  try {
    const pkg = require.resolve(`@anthropic-ai/claude-code-${process.platform}-${process.arch}/package.json`);
    const bin = join(dirname(pkg), process.platform === 'win32' ? 'claude.exe' : 'claude');
    if (existsSync(bin)) return bin;
  } catch {
    /* fall through */
  }
  return join(dirname(require.resolve('@anthropic-ai/claude-code/package.json')), 'bin', 'claude.exe');
}

interface ClaudeResult {
  is_error: boolean;
  result: string;
  num_turns: number;
}

function runClaude(gwUrl: string, prompt: string, extra: string[] = []): Promise<ClaudeResult> {
  const home = mkdtempSync(join(tmpdir(), 'gw-claude-home-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    ANTHROPIC_BASE_URL: gwUrl,
    ANTHROPIC_API_KEY: 'any-key',
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_BUG_COMMAND: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  };
  return new Promise((resolve, reject) => {
    execFile(claudeBinary(), ['-p', prompt, '--output-format', 'json', ...extra], { env, cwd: home, timeout: 60_000 }, (err, stdout, stderr) => {
      try {
        resolve(JSON.parse(stdout) as ClaudeResult);
      } catch {
        reject(new Error(`claude failed (${err?.message}): ${stdout.slice(0, 500)} ${stderr.slice(0, 500)}`));
      }
    });
  });
}

/** the shipped policy's free models that Claude Code (which always sends tools) can use, whose keys the test sets */
const FREE_PROVIDERS = ['groq', 'siliconflow'];

const KEYS = ['ALIYUN_API_KEY', 'GROQ_API_KEY', 'SILICONFLOW_API_KEY', 'MOONSHOT_API_KEY', 'DEEPSEEK_API_KEY', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY'];

describe('the real Claude Code CLI through gw under the shipped routes.gw', () => {
  let up: FakeUpstream;
  let g: RunningGateway;
  let draw = 0;
  // the providers' documented output caps (groq's free model writes 8,192 at most; routes.gw declares no max_output)
  const limits: { maxOutput: Record<string, number> } = { maxOutput: {} };
  beforeAll(async () => {
    up = await startFakeUpstream(limits);
    const env: Record<string, string> = Object.fromEntries(KEYS.map((k) => [k, `sk-${k.toLowerCase()}`]));
    for (const p of ['aliyun', 'groq', 'siliconflow', 'moonshot', 'deepseek', 'openai']) env[`${p.toUpperCase()}_BASE_URL`] = `${up.url}/${p}/v1`;
    env.ANTHROPIC_UPSTREAM_URL = `${up.url}/anthropic`;
    env.OLLAMA_HOST = `${up.url}/ollama/v1`;
    g = await startGateway(readFileSync(ROOT_POLICY, 'utf8'), env, { random: () => draw });
  }, 30_000);
  afterAll(async () => {
    await g?.close();
    await up?.close();
  });
  const main = () => up.requests.filter((r) => r.provider !== 'ollama' && (r.endpoint === 'messages' || r.endpoint === 'chat.completions'));

  it('plain task over an OpenAI-protocol upstream (free tier)', async () => {
    up.reset();
    draw = 0;
    limits.maxOutput = {};
    const r = await runClaude(g.url, 'say hi');
    expect(r.is_error).toBe(false);
    expect(r.result).toMatch(/^ok from /);
    const sent = main();
    expect(sent.length).toBeGreaterThan(0);
    expect(sent[0].endpoint).toBe('chat.completions');
    // Claude Code's role "system" message reached the OpenAI upstream as a system message
    expect(sent[0].body.messages.filter((m: { role: string }) => m.role === 'system').length).toBeGreaterThanOrEqual(2);
  }, 90_000);

  it('plain task over an Anthropic upstream (paid tier)', async () => {
    up.reset();
    draw = 0.999;
    const r = await runClaude(g.url, 'say hi');
    expect(r.is_error).toBe(false);
    const sent = main();
    expect(sent[0].endpoint).toBe('messages');
    expect(sent[0].provider).toBe('anthropic');
    expect(sent[0].body.messages.some((m: { role: string }) => m.role === 'system')).toBe(true);
    expect(r.result).toBe(`ok from ${sent[0].body.model}`);
  }, 90_000);

  it('tool-use task over an OpenAI-protocol upstream', async () => {
    up.reset();
    draw = 0;
    // which free model leads depends on the time of day (rank expiry: the quota that resets soonest): script each
    for (const provider of FREE_PROVIDERS)
      up.script({ provider }, { toolCalls: [{ name: 'Bash', arguments: { command: 'echo gw-tool-ok', description: 'print a marker' } }] }, { reply: 'the tool said gw-tool-ok' });
    const r = await runClaude(g.url, 'run echo gw-tool-ok', ['--allowedTools', 'Bash']);
    expect(r.is_error).toBe(false);
    expect(r.result).toBe('the tool said gw-tool-ok');
    const second = main().find((q) => JSON.stringify(q.body.messages).includes('"role":"tool"'))!;
    expect(JSON.stringify(second.body.messages)).toContain('gw-tool-ok');
  }, 90_000);

  it('tool-use task over an Anthropic upstream; the thinking + tool_use rule is enforced and met', async () => {
    up.reset();
    draw = 0.999;
    up.script({ provider: 'anthropic' }, { toolCalls: [{ name: 'Bash', arguments: { command: 'echo gw-tool-ok', description: 'print a marker' } }] }, { reply: 'the tool said gw-tool-ok' });
    for (const provider of FREE_PROVIDERS) up.script({ provider }, { reply: 'the tool said gw-tool-ok' });
    const r = await runClaude(g.url, 'run echo gw-tool-ok', ['--allowedTools', 'Bash']);
    expect(r.is_error).toBe(false);
    expect(r.result).toBe('the tool said gw-tool-ok');
    const sent = main();
    expect(sent[0].provider).toBe('anthropic');
    // the tool result went back to Anthropic; when the echoed assistant turn lacks the thinking block Anthropic requires
    // (Claude Code 2.1.197 sends it without), gw turns thinking off for that turn (Anthropic's own remedy), so the
    // same model answers instead of a 400 moving the turn elsewhere
    const withResult = sent.filter((q) => JSON.stringify(q.body.messages).includes('tool_result') || JSON.stringify(q.body.messages).includes('"role":"tool"'));
    expect(withResult[0].provider).toBe('anthropic');
    expect(JSON.stringify(withResult[0].body.messages)).toMatch(/tool_result/);
    const echoed = withResult[0].body.messages.findLast((m: { role: string }) => m.role === 'assistant');
    if (echoed.content[0]?.type !== 'thinking') expect(withResult[0].body.thinking).toBeUndefined();
    expect(withResult).toHaveLength(1);
  }, 90_000);

  it("Claude Code's max_tokens 64000 to a free model capped lower than gw knows: the provider's 400 moves it to the next candidate", async () => {
    up.reset();
    draw = 0;
    // below what the catalog says these models write, so gw's own clamp does not prevent the provider's 400
    limits.maxOutput = { 'llama-3.1-8b-instant': 4096, 'Qwen/Qwen3-8B': 4096 };
    const r = await runClaude(g.url, 'say hi');
    expect(r.is_error).toBe(false);
    const sent = main();
    expect(FREE_PROVIDERS).toContain(sent[0].provider);
    expect(sent.length).toBeGreaterThan(1);
    expect(r.result).toMatch(/^ok from /);
    expect(r.result).not.toBe(`ok from ${sent[0].body.model}`);
  }, 90_000);
});
