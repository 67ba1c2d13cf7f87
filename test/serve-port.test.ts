import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

let blocker: Server;
let port: number;
beforeAll(async () => {
  blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  port = (blocker.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => blocker.close(() => r())));

it('gw serve on a taken port: one clear line and exit 1 (no alternative port, no stack trace)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-port-'));
  const policy = join(dir, 'routes.gw');
  writeFileSync(policy, 'provider ollama { local }\nmodel ollama/qwen { context 32k }\nscenario chat {\n  paid ollama/qwen\n}\n');
  const bin = new URL('../bin/gw.js', import.meta.url).pathname;
  const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = execFile(process.execPath, [bin, 'serve', '--config', policy, '--port', String(port)], { cwd: dir, timeout: 30_000, env: { PATH: process.env.PATH ?? '' } }, (err, stdout, stderr) =>
      resolve({ code: child.exitCode ?? (err as { code?: number } | null)?.code ?? null, out: `${stdout}${stderr}` }),
    );
  });
  expect(code).toBe(1);
  const lines = out.trim().split('\n');
  expect(lines.at(-1)).toBe(`gw: port ${port} on 127.0.0.1 is already in use (another gw, or another program); stop it or pass --port N`);
  expect(out).not.toMatch(/alternative port|\n\s+at /);
  expect(lines.filter((l) => !/ info  policy /.test(l))).toHaveLength(1);
}, 40_000);
