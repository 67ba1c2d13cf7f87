import type * as A from '../ast.ts';
import { error, type Diagnostic } from '../diagnostics.ts';
import type { CheckContext, CheckPass } from './context.ts';

/** Fallback chains form a graph (A -> B means "after A fails, try B"); a cycle sends a failing request round forever. */
function run(ctx: CheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const chains: A.Name[][] = [];
  for (const d of ctx.policy.decls) {
    if (d.kind === 'fallback') chains.push(d.chain);
    if (d.kind === 'scenario') for (const s of d.settings) if (s.kind === 'fallback') chains.push(s.chain);
  }
  const edges = new Map<string, { to: string; at: A.Name }[]>();
  for (const chain of chains) {
    for (let i = 0; i + 1 < chain.length; i++) {
      const list = edges.get(chain[i].text) ?? [];
      list.push({ to: chain[i + 1].text, at: chain[i + 1] });
      edges.set(chain[i].text, list);
    }
  }
  const reported = new Set<string>();
  const state = new Map<string, 1 | 2>();
  const path: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 1);
    path.push(n);
    for (const e of edges.get(n) ?? []) {
      const s = state.get(e.to);
      if (s === 1) {
        const cycle = [...path.slice(path.indexOf(e.to)), e.to];
        const key = [...cycle].sort().join(',');
        if (!reported.has(key)) {
          reported.add(key);
          out.push(error('GW130', ctx.file, e.at.loc, `fallback cycle: ${cycle.join(' -> ')}`, [{ message: 'a fallback chain must not lead back to a model before it' }]));
        }
      } else if (s === undefined) visit(e.to);
    }
    path.pop();
    state.set(n, 2);
  };
  for (const n of edges.keys()) if (!state.has(n)) visit(n);
  return out;
}

export const fallbackPass: CheckPass = { name: 'fallback', run };
