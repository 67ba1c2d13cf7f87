import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { createGateway, type Gateway } from '../../runtime/server/app.ts';
import { serveGateway } from '../../runtime/server/listen.ts';
import { memoryLogger } from '../../runtime/log/logger.ts';
import type { FakeUpstream } from '../fixtures/fake-upstream.ts';

export interface RunningGateway {
  gw: Gateway;
  url: string;
  policyPath: string;
  dir: string;
  log: ReturnType<typeof memoryLogger>;
  client(opts?: { apiKey?: string }): OpenAI;
  close(): Promise<void>;
}

/** A policy whose providers all point at the fake upstream (OpenAI protocol at /<name>/v1). */
export function policyFor(up: FakeUpstream, body: string, providers: string[] = ['freebie', 'paidco', 'backup']): string {
  const decls = providers.map((p) => `provider ${p} { base_url "${up.url}/${p}/v1"  key env ${p.toUpperCase()}_KEY }`).join('\n');
  return `${decls}\n${body}\n`;
}

export const TEST_KEYS = { FREEBIE_KEY: 'sk-freebie-secret-1111', PAIDCO_KEY: 'sk-paidco-secret-2222', BACKUP_KEY: 'sk-backup-secret-3333' };

/** Write the policy to a temp dir, build the real gateway and serve it with listhen on 127.0.0.1 and a free port. */
export async function startGateway(policy: string, env: Record<string, string> = TEST_KEYS, opts: { random?: () => number; watch?: boolean; dir?: string; consoleDir?: string } = {}): Promise<RunningGateway> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'gw-test-'));
  const policyPath = join(dir, 'routes.gw');
  writeFileSync(policyPath, policy);
  const log = memoryLogger();
  const gw = createGateway({ policyPath, env, log, random: opts.random ?? (() => 0), watch: opts.watch ?? false, consoleDir: opts.consoleDir });
  await gw.watching;
  const listener = await serveGateway(gw, 0, '127.0.0.1');
  const url = listener.url.replace(/\/$/, '');
  return {
    gw,
    url,
    policyPath,
    dir,
    log,
    client: (o = {}) => new OpenAI({ baseURL: `${url}/v1`, apiKey: o.apiKey ?? 'not-needed', maxRetries: 0, timeout: 15_000 }),
    close: async () => {
      await gw.close();
      await listener.close();
    },
  };
}
