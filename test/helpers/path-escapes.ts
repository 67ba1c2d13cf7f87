import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';

/** A reference in a tracked file to a path that is not inside the repository. */
export interface Escape {
  file: string;
  line: number;
  text: string;
  why: string;
}

const MENTIONS = /\.\.\/shared\b|\/work\/shared\b|\/shared\/design\//;
/** a quoted relative path: `'../x'`, `"./y"`, `` `..` `` */
const RELATIVE_LITERAL = /(['"`])(\.\.?(?:\/[^'"`\s$]*)?)\1/g;
/** `join(base, 'a', '..')`, `resolve(…)`, `path.join(…)` with literal segments (no nested parentheses in the base) */
const JOIN_CALL = /\b(?:join|resolve)\(((?:[^()]|\([^()]*(?:\([^()]*\))*[^()]*\))*)\)/g;
/** a markdown link or image to a relative target */
const MD_LINK = /\]\((\.\.\/[^)\s]*)\)/g;

const inside = (root: string, p: string) => {
  const r = relative(root, p);
  return r === '' || (!r.startsWith(`..${sep}`) && r !== '..' && !isAbsolute(r));
};

/**
 * Every place `text` (the file `file`, relative to the repository root `root`) names a path above the root:
 * `../shared` wherever it appears, relative literals (imports, `new URL(x, import.meta.url)`, fs calls) resolved
 * against the file's directory, `join`/`resolve` calls whose literal segments climb out (from the file's directory,
 * or from the root when the base is named root/ROOT), and markdown links.
 */
export function pathEscapes(root: string, file: string, text: string): Escape[] {
  const out: Escape[] = [];
  const dir = dirname(resolve(root, file));
  const lines = text.split('\n');
  lines.forEach((lineText, i) => {
    const at = (why: string) => out.push({ file, line: i + 1, text: lineText.trim().slice(0, 160), why });
    if (MENTIONS.test(lineText)) at('names a directory beside the repository');
    for (const m of lineText.matchAll(RELATIVE_LITERAL)) {
      const target = m[2]!;
      if (!target.startsWith('..')) continue;
      if (!inside(root, resolve(dir, target))) at(`"${target}" resolves outside the repository`);
    }
    for (const m of lineText.matchAll(JOIN_CALL)) {
      const args = splitArgs(m[1]!);
      if (args.length < 2) continue;
      const literals = args.slice(1).map((a) => /^(['"`])([^'"`$]*)\1$/.exec(a.trim())?.[2]);
      if (literals.some((l) => l === undefined) || !literals.some((l) => l!.split('/').includes('..'))) continue;
      const base = /\broot\b|\bROOT\b/.test(args[0]!) ? root : dir;
      const target = normalize(join(base, ...(literals as string[])));
      if (!inside(root, target)) at(`${m[0].slice(0, 80)} climbs out of the repository`);
    }
    if (file.endsWith('.md')) for (const m of lineText.matchAll(MD_LINK)) if (!inside(root, resolve(dir, m[1]!))) at(`link ${m[1]} points outside the repository`);
  });
  return out;
}

function splitArgs(s: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let cur = '';
  let quote: string | null = null;
  for (const ch of s) {
    if (quote) {
      cur += ch;
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    if (ch === ')' || ch === ']' || ch === '}') depth--;
    if (ch === ',' && depth === 0) {
      args.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) args.push(cur);
  return args;
}
