import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULTS, startFakeUpstream, type FakeUpstream, type Step } from './fixtures/fake-upstream.ts';

/**
 * The secret sweep: a real `gw serve` (its own process, its stdout and stderr captured) in front of an upstream that
 * echoes every credential it receives, in every fault mode, through both APIs, JSON and stream, to OpenAI and
 * Anthropic upstreams. Then everything gw wrote is searched for every secret: the client's answers, /logs and each
 * /logs/:id, /metrics, /stats, /_gw/policy, the SQLite file and its WAL, the process's output, `gw check` on a policy
 * that writes secrets into the file. None may appear.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GW = join(ROOT, 'bin', 'gw.js');

const ENV_SECRETS = {
  OA_KEY: 'sk-oa-sweep-9a8b7c6d5e4f',
  OA_HDR: 'relay-hdr-sweep-1f2e3d4c',
  AN_KEY: 'sk-ant-sweep-0011223344',
  AN_HDR: 'an-hdr-sweep-5566778899',
  BK_KEY: 'bk-sweep-key-aabbccddee',
  GW_TOKEN: 'gw-token-sweep-31337abc',
};
/** secrets a policy writes into the file itself (refused with GW151, never quoted back) */
const FILE_SECRETS = ['sk-literal-sweep-77665544', 'Bearer lit-hdr-sweep-0a0b0c', 'fallback-sweep-secret-42'];
const ALL_SECRETS = [...Object.values(ENV_SECRETS), ...FILE_SECRETS, 'lit-hdr-sweep-0a0b0c'];

let up: FakeUpstream;
let dir: string;
let child: ChildProcess;
let url = '';
let out = '';
let err = '';
const written: string[] = [];
const requestIds: string[] = [];

function policy(): string {
  return `gateway {
  auth env GW_TOKEN
  state "./state.db"
}
provider oa { base_url "${up.url}/oa/v1"  key env OA_KEY  header "X-Relay-Token" env OA_HDR  idle_timeout 200ms  deadline 3s }
provider an { protocol anthropic  base_url "${up.url}/an"  key env AN_KEY  header "X-Api-Secret" env AN_HDR  idle_timeout 200ms  deadline 3s }
provider backup { base_url "${up.url}/backup/v1"  key env BK_KEY  idle_timeout 200ms  deadline 3s }
model oa/gpt-m      { context 128k  price 1 / 2 }
model an/claude-m   { context 200k  price 3 / 15 }
model backup/bk-m   { context 128k  price 0.5 / 1 }
scenario anth when header x-up = "an" {
  paid an/claude-m
}
scenario chat {
  paid oa/gpt-m
}
fallback backup/bk-m
retry {
  attempts 2
  backoff 0ms
  on network rate_limit server quota
  cooldown 1m after 1000 failures
}
`;
}

const BAD_POLICY = `gateway {
  auth env GW_TOKEN or "${FILE_SECRETS[2]}"
}
provider oa {
  base_url "http://127.0.0.1:9/v1"
  key "${FILE_SECRETS[0]}"
  header "Authorization" "${FILE_SECRETS[1]}"
}
model oa/gpt-m { context 128k  price 1 / 2 }
scenario chat { paid oa/gpt-m }
`;

const auth = { authorization: `Bearer ${ENV_SECRETS.GW_TOKEN}` };

async function get(path: string): Promise<string> {
  const r = await fetch(`${url}${path}`, { headers: auth, signal: AbortSignal.timeout(10_000) });
  const text = await r.text();
  written.push(`GET ${path}\n${text}`);
  return text;
}

beforeAll(async () => {
  up = await startFakeUpstream();
  dir = mkdtempSync(join(tmpdir(), 'gw-sweep-'));
  writeFileSync(join(dir, 'routes.gw'), policy());
  child = spawn(process.execPath, [GW, 'serve', '--config', join(dir, 'routes.gw'), '--port', '0'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: dir, ...ENV_SECRETS },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const t0 = Date.now();
  while (!/listening on (http:\/\/127\.0\.0\.1:\d+)/.test(out)) {
    if (Date.now() - t0 > 30_000 || child.exitCode !== null) throw new Error(`gw serve did not start:\n${out}\n${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
}, 40_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  await up?.close();
});

type Api = 'chat' | 'messages';
const STEPS: [string, Step][] = [
  ...FAULTS.map((f) => [f, { fault: f }] as [string, Step]),
  ['stall after content', { fault: 'stall', faultAfterChunks: 3, reply: 'one two three four five' }],
  ['401 echoing the key', { status: 401, echoKey: true }],
  ['500 echoing the key', { status: 500, echoKey: true }],
];

async function call(api: Api, upstream: 'oa' | 'an', stream: boolean): Promise<void> {
  const body =
    api === 'chat'
      ? { model: 'auto', messages: [{ role: 'user', content: 'hello' }], stream }
      : { model: 'auto', max_tokens: 64, messages: [{ role: 'user', content: 'hello' }], stream };
  const r = await fetch(`${url}${api === 'chat' ? '/v1/chat/completions' : '/v1/messages'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth, ...(upstream === 'an' ? { 'x-up': 'an' } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await r.text();
  const id = r.headers.get('x-gw-request-id');
  if (id) requestIds.push(id);
  written.push(`${api} ${upstream} stream=${stream} → ${r.status} ${[...r.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${text}`);
}

function leaks(haystack: string | Buffer): string[] {
  const s = typeof haystack === 'string' ? haystack : haystack.toString('latin1');
  return ALL_SECRETS.filter((secret) => s.includes(secret));
}

describe('secret sweep', () => {
  it('every fault mode, both APIs, JSON and stream, OpenAI and Anthropic upstreams: no secret anywhere gw wrote', async () => {
    const sent: string[] = [];
    for (const [, step] of STEPS) {
      for (const api of ['chat', 'messages'] as const) {
        for (const upstream of ['oa', 'an'] as const) {
          for (const stream of [false, true]) {
            // the chosen model and the fallback both fail the same way: the client gets the final error or cut
            // (a 401, or a failure after the first byte, is not retried: the fallback's step is then dropped)
            up.script(upstream === 'oa' ? 'gpt-m' : 'claude-m', step);
            up.script('bk-m', step);
            await call(api, upstream, stream);
            for (const r of up.requests) sent.push(JSON.stringify(r.headers));
            up.reset();
          }
        }
      }
    }

    // the upstream really got the secrets (so the sweep can find them)
    for (const v of Object.values(ENV_SECRETS).filter((v) => v !== ENV_SECRETS.GW_TOKEN)) expect(sent.join('\n')).toContain(v);

    // a reload with secrets written in the file: refused (GW151), reported without quoting them
    writeFileSync(join(dir, 'routes.gw'), BAD_POLICY);
    const t0 = Date.now();
    while (!(await get('/_gw/policy')).includes('GW151') && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 100));
    expect(await get('/_gw/policy')).toContain('GW151');

    await get(`/logs?limit=1000`);
    for (const id of requestIds) await get(`/logs/${id}`);
    await get('/metrics');
    await get('/stats');
    await get('/quota');

    const check = spawnSync(process.execPath, [GW, 'check', join(dir, 'routes.gw')], { env: { PATH: process.env.PATH ?? '', ...ENV_SECRETS }, encoding: 'utf8', timeout: 30_000 });
    expect(check.status).toBe(1);
    expect(check.stderr + check.stdout).toContain('GW151');
    const checkOut = check.stderr + check.stdout;

    const db = join(dir, 'state.db');
    const files = [db, `${db}-wal`].filter(existsSync).map((f) => [f, readFileSync(f)] as const);
    expect(files.length).toBeGreaterThan(0);

    const report: Record<string, string[]> = {};
    written.forEach((w, i) => {
      const l = leaks(w);
      if (l.length) report[`written #${i}: ${w.slice(0, 80)}`] = l;
    });
    for (const [f, bytes] of files) if (leaks(bytes).length) report[f] = leaks(bytes);
    if (leaks(out).length) report.stdout = leaks(out);
    if (leaks(err).length) report.stderr = leaks(err);
    if (leaks(checkOut).length) report['gw check'] = leaks(checkOut);
    expect(report).toEqual({});
    // the sweep saw real traffic: every request was logged, the upstream's echoes were there to leak
    expect(requestIds.length).toBe(STEPS.length * 8);
    expect(written.join('\n')).toContain('[redacted]');
  }, 120_000);
});
