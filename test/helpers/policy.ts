import { loadPolicy } from '../../compiler/load-policy.ts';
import type { DecisionTable } from '../../runtime/types/decision-table.ts';

export const EXAMPLE = new URL('../fixtures/routes.example.gw', import.meta.url).pathname;
export const ROOT_POLICY = new URL('../../routes.gw', import.meta.url).pathname;

/** Every provider key of the example set, so every provider is enabled. */
export const ALL_KEYS = {
  ALIYUN_API_KEY: 'sk-aliyun-test',
  GROQ_API_KEY: 'gsk-test',
  SILICONFLOW_API_KEY: 'sk-sf-test',
  MOONSHOT_API_KEY: 'sk-moon-test',
  DEEPSEEK_API_KEY: 'sk-ds-test',
  OPENAI_API_KEY: 'sk-openai-test',
  ANTHROPIC_API_KEY: 'sk-ant-test',
};

export function compileText(text: string, env: Record<string, string> = ALL_KEYS): DecisionTable {
  const r = loadPolicy({ text, file: 'routes.gw', env });
  if (!r.table) throw new Error(`policy did not compile:\n${r.diagnostics.map((d) => `${d.loc.line}:${d.loc.col} ${d.code} ${d.message}`).join('\n')}`);
  return r.table;
}

export function compileFile(path: string, env: Record<string, string> = ALL_KEYS): DecisionTable {
  const r = loadPolicy({ path, file: 'routes.gw', env });
  if (!r.table) throw new Error(`policy did not compile: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return r.table;
}
