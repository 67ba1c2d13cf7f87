import { parseArgs } from 'node:util';
import { loadPolicy } from '../compiler/load-policy.ts';
import { formatReport } from '../compiler/format-diagnostics.ts';
import { hasErrors } from '../compiler/diagnostics.ts';
import { runDoctor, type DoctorResult } from '../runtime/providers/doctor.ts';
import type { Io } from './io.ts';
import { policyPath } from './policy-path.ts';
import { tableLines } from './table-text.ts';
import { useProxyEnv } from '../runtime/providers/proxy-agent.ts';

export const doctorHelp = `gw doctor [--config FILE] [--provider P] [--json] [--call]
  For each enabled provider (or P): connect and TLS (through HTTPS_PROXY / HTTP_PROXY unless NO_PROXY, from the shell
  or the policy's .env), authentication (a 401/403 names the key variable to fix), its model list against the
  policy's models (each served, or not: retired or misspelled), the account balance where the provider reports one
  (OpenRouter, DeepSeek, SiliconFlow, Moonshot), and latency. --call also sends each declared model a one-token
  request and reports its latency and the usage it answered with (it costs money: off by default). A table with a
  fix per failure; exit 1 when anything is broken, 0 when all is well. Keys are never printed.`;

export async function doctor(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, provider: { type: 'string' }, json: { type: 'boolean', default: false }, call: { type: 'boolean', default: false } } });
  const file = values.config ?? 'routes.gw';
  const r = loadPolicy({ path: policyPath(values.config, io), file, env: io.env });
  if (!r.table || hasErrors(r.diagnostics)) {
    io.err(formatReport(r.diagnostics, r.text));
    return 1;
  }
  const table = r.table;
  if (values.provider && !table.providers.some((p) => p.name === values.provider)) {
    io.err(`gw doctor: the policy has no provider "${values.provider}"\n`);
    return 1;
  }
  useProxyEnv(io.env);
  const results: DoctorResult[] = await runDoctor(table, io.env, values.provider, { call: values.call });
  const broken = results.some((x) => x.status !== 'ok');
  if (values.json) io.out(`${JSON.stringify(results, null, 2)}\n`);
  else {
    const rows = results.map((x) => [x.provider, x.status === 'ok' ? 'ok' : `FAIL ${x.status}`, x.latencyMs === null ? '-' : `${x.latencyMs} ms`, x.detail, x.fix || '-']);
    const calls = results.flatMap((x) =>
      x.models.filter((m) => m.call).map((m) => [m.id, m.call!.ok ? 'ok' : 'FAIL', `${m.call!.latencyMs} ms`, m.call!.usage ? `${m.call!.usage.prompt_tokens} in / ${m.call!.usage.completion_tokens} out` : '-', m.call!.detail]),
    );
    const callTable = calls.length ? `\n\n${tableLines([['MODEL', 'CALL', 'LATENCY', 'USAGE', 'ANSWER'], ...calls]).join('\n')}` : '';
    io.out(`${tableLines([['PROVIDER', 'RESULT', 'LATENCY', 'DETAIL', 'FIX'], ...rows]).join('\n')}${callTable}\n\n${broken ? 'something is broken: see FIX' : `all ${results.length} providers are well`}\n`);
  }
  return broken ? 1 : 0;
}
