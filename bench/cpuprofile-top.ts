/**
 * Summarise a V8 .cpuprofile (from `node --cpu-prof`): where the busy time went, by area and by function (self time).
 *
 *   npx tsx bench/cpuprofile-top.ts FILE.cpuprofile [top [fromMs [toMs]]]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Coarse area of a function, from its script URL. */
function area(url: string, name: string): string {
  if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') return name;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').replace(/\/.*$/, '') + (url.includes('/') ? '/*' : '');
  const own = /\/work\/[^/]+\/(?:main\/)?((?:runtime|cli|compiler|bin)\/[^/]+)/.exec(url) ?? /\/((?:runtime|cli|compiler|bin)\/[^/]+(?:\/[^/]+)?)$/.exec(url);
  if (own) return `gw ${own[1]}`;
  return url ? url.replace(/^.*\//, '') : '(native)';
}

/** Who a sample's time belongs to: walking up from the leaf, the first frame of gw, of a package, or of undici. */
function owner(id: number, byId: Map<number, ProfileNode>, parent: Map<number, number>): string {
  const leaf = byId.get(id)!.callFrame.functionName;
  if (leaf === '(garbage collector)' || leaf === '(program)') return leaf;
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const { url, functionName } = byId.get(cur)!.callFrame;
    if (url.includes('internal/deps/undici')) return 'undici (fetch)';
    if (!url || url.startsWith('node:')) continue;
    return area(url, functionName);
  }
  return 'Node core only (no user frame)';
}

/** `fromMs`/`toMs`: only the samples in that window, in ms since the profile started (≈ since the process started). */
export function summarize(file: string, opts: { top?: number; fromMs?: number; toMs?: number; title?: string } = {}): string {
  const { top = 25, fromMs = 0, toMs = Infinity } = opts;
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  // Each sample counts as one sampling interval. Time deltas would also charge the time the process spent
  // descheduled (on a busy 2-core box, often right after a socket write woke the peer) to whatever ran next.
  const interval = [...p.timeDeltas].sort((a, b) => a - b)[p.timeDeltas.length >> 1] ?? 1000;
  let t = 0;
  let n = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    if (t < fromMs * 1000 || t > toMs * 1000) continue;
    n++;
    self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + interval);
  }
  let total = 0;
  let idle = 0;
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  const owners = new Map<string, number>();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    total += us;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    const a = area(url, functionName);
    areas.set(a, (areas.get(a) ?? 0) + us);
    const o = owner(id, byId, parent);
    owners.set(o, (owners.get(o) ?? 0) + us);
    const key = `${functionName || '(anonymous)'}  ${a}${url && !url.startsWith('node:') ? `:${lineNumber + 1}` : url ? ` ${url.replace(/^node:/, '')}:${lineNumber + 1}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
  const window = Number.isFinite(toMs) || fromMs > 0 ? `, ${(fromMs / 1000).toFixed(1)}–${(toMs / 1000).toFixed(1)} s after start` : '';
  const lines = [`${opts.title ?? 'profile'} ${file}${window}`, `  ${ms(total)} sampled (${n} samples of ~${interval} µs), idle ${ms(idle)}, busy ${ms(busy)} (percentages: of busy)`, '  by area (self time):'];
  for (const [a, us] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, 14)) lines.push(`    ${pct(us)} ${ms(us)}  ${a}`);
  lines.push('  by owner (the nearest frame on the stack that is not Node core; undici = Node\'s built-in fetch):');
  for (const [o, us] of [...owners].sort((x, y) => y[1] - x[1]).slice(0, 14)) lines.push(`    ${pct(us)} ${ms(us)}  ${o}`);
  lines.push(`  top ${top} functions (self time):`);
  for (const [f, us] of [...fns].sort((x, y) => y[1] - x[1]).slice(0, top)) lines.push(`    ${pct(us)} ${ms(us)}  ${f}`);
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!process.argv[2]) {
    console.error('usage: npx tsx bench/cpuprofile-top.ts FILE.cpuprofile [top [fromMs [toMs]]]');
    process.exit(2);
  }
  console.log(summarize(process.argv[2], { top: Number(process.argv[3] ?? 25), fromMs: Number(process.argv[4] ?? 0), toMs: Number(process.argv[5] ?? Infinity) }));
}
