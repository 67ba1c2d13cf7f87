import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layers point down only: server → gateway → providers / router / state / …; nothing under runtime/ imports the
 * CLI, and below the gateway nothing imports the server or the gateway. runtime/replay re-enacts the front doors
 * (their request parsers), so it stands beside the server. Within a layer, runtime/router and
 * runtime/server have no import cycles (type imports count: they tie the files together just the same).
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNTIME = join(ROOT, 'runtime');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** file → the files it imports (relative specifiers only: packages are no layer) */
function importGraph(files: string[]): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    const deps = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => resolve(dirname(f), m[1]!));
    g.set(f, deps);
  }
  return g;
}

const layerOf = (file: string) => relative(RUNTIME, file).split(sep)[0]!;
const graph = importGraph(sources(RUNTIME));

/** Strongly connected components of more than one file (Tarjan), as sorted repository paths. */
function cycles(g: Map<string, string[]>, within: (f: string) => boolean): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of g.get(v) ?? []) {
      if (!g.has(w) || !within(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(relative(ROOT, w));
      } while (w !== v);
      if (c.length > 1) found.push(c.sort());
    }
  };
  for (const f of g.keys()) if (within(f) && !index.has(f)) visit(f);
  return found;
}

describe('layers', () => {
  it('reads the runtime sources (the graph is not empty)', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get(join(RUNTIME, 'server/app.ts'))?.length).toBeGreaterThan(5);
  });

  it('nothing under runtime/ imports the CLI', () => {
    const cli = join(ROOT, 'cli') + sep;
    const bad = [...graph].flatMap(([f, deps]) => deps.filter((d) => d.startsWith(cli)).map((d) => `${relative(ROOT, f)} → ${relative(ROOT, d)}`));
    expect(bad).toEqual([]);
  });

  it('below the server nothing imports runtime/server; below the gateway nothing imports runtime/gateway', () => {
    const bad: string[] = [];
    for (const [f, deps] of graph) {
      const from = layerOf(f);
      for (const d of deps) {
        const to = layerOf(d);
        const top = from === 'server' || from === 'replay';
        if ((to === 'server' && !top) || (to === 'gateway' && from !== 'gateway' && !top)) bad.push(`${relative(ROOT, f)} → ${relative(ROOT, d)}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('runtime/router and runtime/server have no import cycles', () => {
    for (const layer of ['router', 'server']) expect(cycles(graph, (f) => layerOf(f) === layer), layer).toEqual([]);
  });

  it('finds a cycle where there is one (the check itself)', () => {
    const a = join(RUNTIME, 'x/a.ts');
    const b = join(RUNTIME, 'x/b.ts');
    expect(cycles(new Map([[a, [b]], [b, [a]]]), () => true)).toEqual([['runtime/x/a.ts', 'runtime/x/b.ts']]);
  });
});
