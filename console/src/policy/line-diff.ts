// A line diff of two texts for "review before save": common prefix and suffix trimmed, then a longest common
// subsequence over what is left (bounded: past MAX cells the middle is shown as removed then added).

export interface DiffLine {
  kind: 'same' | 'add' | 'del' | 'gap';
  text: string;
  /** line number in the old text (same, del) or the new one (add) */
  line?: number;
}

const MAX = 4_000_000;

export function lineDiff(before: string, after: string, context = 3): DiffLine[] {
  const a = before.split('\n');
  const b = after.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const out: DiffLine[] = [];
  for (let i = 0; i < start; i++) out.push({ kind: 'same', text: a[i]!, line: i + 1 });
  out.push(...middle(a.slice(start, endA), b.slice(start, endB), start));
  for (let i = endA; i < a.length; i++) out.push({ kind: 'same', text: a[i]!, line: i + 1 });
  return withContext(out, context);
}

function middle(a: string[], b: string[], offset: number): DiffLine[] {
  const n = a.length;
  const m = b.length;
  if (n * m > MAX) return [...a.map((text, i) => ({ kind: 'del' as const, text, line: offset + i + 1 })), ...b.map((text, j) => ({ kind: 'add' as const, text, line: offset + j + 1 }))];
  // lcs[i][j] = length of the LCS of a[i..] and b[j..], one flat array
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) lcs[i * w + j] = a[i] === b[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ kind: 'same', text: a[i]!, line: offset + i + 1 });
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i * w + j + 1]! >= lcs[(i + 1) * w + j]!)) {
      out.push({ kind: 'add', text: b[j]!, line: offset + j + 1 });
      j++;
    } else {
      out.push({ kind: 'del', text: a[i]!, line: offset + i + 1 });
      i++;
    }
  }
  return out;
}

/** Unchanged runs longer than 2×context collapsed to a gap line. */
function withContext(lines: DiffLine[], context: number): DiffLine[] {
  const near = new Uint8Array(lines.length);
  lines.forEach((l, i) => {
    if (l.kind !== 'same') for (let k = Math.max(0, i - context); k <= Math.min(lines.length - 1, i + context); k++) near[k] = 1;
  });
  const out: DiffLine[] = [];
  let skipped = 0;
  lines.forEach((l, i) => {
    if (near[i]) {
      if (skipped) out.push({ kind: 'gap', text: `… ${skipped}` });
      skipped = 0;
      out.push(l);
    } else skipped++;
  });
  if (skipped && out.length) out.push({ kind: 'gap', text: `… ${skipped}` });
  return out;
}

export const changed = (lines: DiffLine[]): number => lines.filter((l) => l.kind === 'add' || l.kind === 'del').length;
