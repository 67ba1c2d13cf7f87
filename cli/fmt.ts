import { chmodSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatPolicy } from '../compiler/fmt.ts';
import { formatReport } from '../compiler/format-diagnostics.ts';
import { UsageError, type Io } from './io.ts';
import { policyPath } from './policy-path.ts';

export const fmtHelp = `gw fmt [--check] [FILE]
  Rewrite a policy (default ./routes.gw) in the one canonical layout; the file is written only if it changes.
  \`gw fmt -\` reads the policy on stdin and writes the formatted policy to stdout.
  A policy with syntax errors is left untouched: the errors are printed and the exit code is 1.

  --check  change nothing; if the policy is not formatted, print its name and a short diff to stderr and exit 1`;

const DIFF_LINES = 24;

/** `gw fmt`. `readStdin` is injectable for tests; the CLI reads file descriptor 0. */
export function fmt(args: string[], io: Io, readStdin: () => string = () => readFileSync(0, 'utf8')): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { check: { type: 'boolean', default: false } } });
  if (positionals.length > 1) throw new UsageError(`one policy file at a time (got ${positionals.length})`);
  const arg = positionals[0];
  const stdin = arg === '-';
  const name = stdin ? '<stdin>' : (arg ?? 'routes.gw');
  const path = stdin ? '' : policyPath(arg, io);

  let text: string;
  try {
    text = stdin ? readStdin() : readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    io.err(`gw fmt: cannot read ${name}: ${code === 'ENOENT' ? 'no such file' : (code ?? (e as Error).message)}\n`);
    return 1;
  }

  const r = formatPolicy(text, name);
  if (!r.ok) {
    io.err(formatReport(r.diagnostics, text.charCodeAt(0) === 0xfeff ? text.slice(1) : text));
    return 1;
  }
  const changed = r.text !== text;
  if (values.check) {
    if (changed) io.err(diffHint(name, text, r.text, stdin));
    return changed ? 1 : 0;
  }
  if (stdin) {
    io.out(r.text);
    return 0;
  }
  if (changed) {
    try {
      writeAtomically(path, r.text);
    } catch (e) {
      io.err(`gw fmt: cannot write ${name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return 1;
    }
  }
  return 0;
}

/**
 * Write through a temporary file in the same directory and rename it over the target, so a running gateway that
 * watches the policy never reads a half-written file. Symlinks are followed; the file's permissions are kept.
 */
function writeAtomically(path: string, text: string): void {
  const target = realpathSync(path);
  const tmp = join(dirname(target), `.${basename(target)}.gw-fmt-${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text, { encoding: 'utf8', flag: 'wx' });
    chmodSync(tmp, statSync(target).mode & 0o7777);
    renameSync(tmp, target);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to clean up
    }
    throw e;
  }
}

// ---- the --check diff hint ---------------------------------------------------------------------------------------

function splitLines(text: string): { lines: string[]; missingFinalNewline: boolean } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split(/\r?\n/);
  const missingFinalNewline = lines[lines.length - 1] !== '';
  if (!missingFinalNewline) lines.pop();
  return { lines, missingFinalNewline };
}

/** `NAME: not formatted`, what changes beyond the lines (line endings, BOM), then a unified diff without context, cut short. */
export function diffHint(name: string, before: string, after: string, stdin = false): string {
  const a = splitLines(before);
  const b = splitLines(after);
  const notes: string[] = [];
  if (before.charCodeAt(0) === 0xfeff) notes.push('the byte-order mark is dropped');
  if (before.includes('\r\n')) notes.push('CRLF line endings become LF');
  if (a.missingFinalNewline && after !== '') notes.push('a final newline is added');
  const hunks = diffLines(a.lines, b.lines);
  const out = [`${name}: not formatted${stdin ? '' : `; run \`gw fmt ${name}\` to fix it`}`];
  for (const n of notes) out.push(`  (${n})`);
  if (hunks.length > 0) {
    out.push(`--- ${name}`, `+++ ${name} (formatted)`);
    let shown = 0;
    let omitted = 0;
    for (const h of hunks) {
      const body = [...h.del.map((l) => `-${l}`), ...h.add.map((l) => `+${l}`)];
      if (shown >= DIFF_LINES) {
        omitted += body.length;
        continue;
      }
      out.push(`@@ -${range(h.aStart, h.del.length)} +${range(h.bStart, h.add.length)} @@`);
      const room = DIFF_LINES - shown;
      out.push(...body.slice(0, room));
      shown += Math.min(room, body.length);
      omitted += Math.max(0, body.length - room);
    }
    if (omitted > 0) out.push(`… ${omitted} more changed line${omitted === 1 ? '' : 's'}`);
  }
  return `${out.join('\n')}\n`;
}

/** Unified-diff range: start line (1-based; for an empty side, the line before) and count. */
function range(start: number, count: number): string {
  if (count === 1) return `${start + 1}`;
  return `${count === 0 ? start : start + 1},${count}`;
}

interface Hunk {
  aStart: number; // 0-based index in a of the first deleted line (or insertion point)
  bStart: number;
  del: string[];
  add: string[];
}

/** Line diff by longest common subsequence, after trimming the common prefix and suffix. */
export function diffLines(a: string[], b: string[]): Hunk[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  if (am.length === 0 && bm.length === 0) return [];
  if (am.length * bm.length > 4_000_000) return [{ aStart: pre, bStart: pre, del: am, add: bm }];

  // lcs[i][j] = LCS length of am[i..], bm[j..]
  const n = am.length;
  const m = bm.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i][j] = am[i] === bm[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const hunks: Hunk[] = [];
  let cur: Hunk | null = null;
  let i = 0;
  let j = 0;
  const open = (): Hunk => (cur ??= { aStart: pre + i, bStart: pre + j, del: [], add: [] });
  while (i < n || j < m) {
    if (i < n && j < m && am[i] === bm[j]) {
      if (cur) hunks.push(cur);
      cur = null;
      i++;
      j++;
    } else if (j < m && (i >= n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      open().add.push(bm[j++]);
    } else {
      open().del.push(am[i++]);
    }
  }
  if (cur) hunks.push(cur);
  return hunks;
}
