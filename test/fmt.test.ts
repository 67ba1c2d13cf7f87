import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatPolicy } from '../compiler/fmt.ts';
import { lex } from '../compiler/lexer.ts';
import { loadPolicy } from '../compiler/load-policy.ts';
import { fmt } from '../cli/fmt.ts';
import { main } from '../cli/main.ts';
import type { Io } from '../cli/io.ts';
import { EXAMPLE } from './helpers/policy.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const EXAMPLE_PATH = EXAMPLE;
const REPO_ROUTES = join(root, 'routes.gw');
const example = (() => {
  try {
    return readFileSync(EXAMPLE_PATH, 'utf8');
  } catch {
    return readFileSync(REPO_ROUTES, 'utf8'); // the repository's routes.gw starts from the example
  }
})();
const repoRoutes = readFileSync(REPO_ROUTES, 'utf8');

function format(text: string): string {
  const r = formatPolicy(text, 'routes.gw');
  if (!r.ok) throw new Error(`refused: ${r.diagnostics.map((d) => `${d.loc.line}:${d.loc.col} ${d.code} ${d.message}`).join('; ')}`);
  return r.text;
}

/** A decision table with nothing that depends on layout: no source hash, no `at`/`lines` locations. */
function stripLocations(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripLocations);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (k !== 'at' && k !== 'lines') out[k] = stripLocations(x);
    return out;
  }
  return v;
}
function table(text: string): unknown {
  const r = loadPolicy({ text, file: 'routes.gw', env: {} });
  if (!r.table) throw new Error(`does not compile: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  const t = stripLocations(r.table) as { source?: Record<string, unknown> };
  if (t.source) delete t.source.sha256;
  return t;
}
/** Lines where a blank line follows an opening `{` or precedes a closing `}`. */
function blankLinesInsideBraces(text: string): number[] {
  const lines = text.split('\n');
  const code = lex(text).tokens.filter((t) => t.tokenType.name !== 'Newline');
  const bad: number[] = [];
  code.forEach((t, i) => {
    const l = t.startLine ?? 0;
    if (t.tokenType.name === 'LBrace' && code[i + 1]?.startLine !== l && lines[l] === '') bad.push(l);
    if (t.tokenType.name === 'RBrace' && code[i - 1]?.startLine !== l && lines[l - 2] === '') bad.push(l);
  });
  return bad;
}
const comments = (text: string): string[] =>
  lex(text)
    .comments.map((c) => c.image.trimEnd())
    .sort();

describe('formatPolicy on the example', () => {
  const out = format(example);

  it('is idempotent', () => {
    expect(format(out)).toBe(out);
  });

  it('keeps the decision table and every comment', () => {
    expect(table(out)).toEqual(table(example));
    expect(comments(out)).toEqual(comments(example));
  });

  it('changes only alignment: the models’ `{` column, the aliyun comment and the pii comments', () => {
    const a = example.split('\n');
    const b = out.split('\n');
    expect(b.length).toBe(a.length);
    const changed = a.map((l, i) => (l === b[i] ? null : i + 1)).filter((x) => x !== null);
    for (const i of changed) expect(b[i - 1].replace(/\s+/g, ' ')).toBe(a[i - 1].replace(/\s+/g, ' '));
    expect(changed.length).toBeLessThanOrEqual(11);
    expect(out).toContain('model anthropic/claude-3-5-sonnet-20241022 { context 200k  price 3 / 15  can code vision tools }\n');
    expect(out).toContain('model deepseek/deepseek-chat               { context 64k   price 0.27 / 1.1 }\n');
    expect(out).toContain('provider siliconflow { key env SILICONFLOW_API_KEY }\n');
    expect(out).toContain('  auth env GATEWAY_AUTH_TOKEN            # unset variable = no auth\n');
  });

  it('is idempotent on the repository’s routes.gw and keeps its table', () => {
    const r = format(repoRoutes);
    expect(format(r)).toBe(r);
    expect(table(r)).toEqual(table(repoRoutes));
    expect(comments(r)).toEqual(comments(repoRoutes));
  });
});

// ---- property tests: random layouts of the example ----------------------------------------------------------------

const exampleTokens = lex(example);
const exampleCode = exampleTokens.tokens;
/** Tokens that may touch their neighbour with no space between. */
const PUNCT = new Set(['LBrace', 'RBrace', 'Comma', 'LParen', 'RParen', 'Arrow']);
/** Inside a one-line block, a newline may go after `{`, before `}`, and before a statement keyword. */
const oneLineBlockBreaks = (() => {
  const breaks = new Set<number>(); // index i: a newline may precede token i
  let open = -1;
  exampleCode.forEach((t, i) => {
    if (t.tokenType.name === 'LBrace') open = i;
    if (t.tokenType.name === 'RBrace' && open >= 0) {
      if (exampleCode[open].startLine === t.startLine) {
        for (let k = open + 1; k <= i; k++) {
          const name = exampleCode[k].tokenType.name;
          const startsStatement = exampleCode[k].tokenType.CATEGORIES?.some((c) => c.name === 'StatementStart') ?? false;
          if (k === open + 1 || name === 'RBrace' || startsStatement) breaks.add(k);
        }
      }
      open = -1;
    }
  });
  return breaks;
})();

const commentText = fc
  .array(fc.constantFrom('a', 'z', ' ', '#', '{', '}', '"', '/', '-', '注', '释', '7', '>', ',', '\t'), { maxLength: 12 })
  .map((cs) => `#${cs.join('')}`);

interface Layout {
  spaces: number[]; // per token gap: 0..3 → '', ' ', '   ', '\t '
  lineBreaks: number[]; // per Newline: 1..3 newlines
  fullComments: (string | null)[]; // per Newline: a comment line inserted after it
  trailingComments: (string | null)[]; // per Newline: a trailing comment before it
  extraBreaks: boolean[]; // per token: a newline inserted before it, where the grammar allows
  crlf: boolean;
}

function render(l: Layout, horizontalOnly: boolean): string {
  const nl = l.crlf && !horizontalOnly ? '\r\n' : '\n';
  const commentByLine = new Map<number, string>();
  for (const c of exampleTokens.comments) commentByLine.set(c.startLine ?? 0, c.image);
  let s = '';
  let nlIndex = 0;
  exampleCode.forEach((t, i) => {
    const prev = exampleCode[i - 1];
    const name = t.tokenType.name;
    if (name === 'Newline') {
      const own = commentByLine.get(t.startLine ?? 0);
      if (own) s += (prev && prev.tokenType.name !== 'Newline' ? ' '.repeat(1 + (l.spaces[i] % 3)) : '') + own;
      else if (!horizontalOnly && l.trailingComments[nlIndex] && prev && prev.tokenType.name !== 'Newline') s += ` ${l.trailingComments[nlIndex]}`;
      s += horizontalOnly ? nl : nl.repeat(l.lineBreaks[nlIndex]);
      if (!horizontalOnly && l.fullComments[nlIndex]) s += `${' '.repeat(l.spaces[i] % 4)}${l.fullComments[nlIndex]}${nl}`;
      nlIndex++;
      return;
    }
    if (prev && prev.tokenType.name !== 'Newline') {
      if (!horizontalOnly && l.extraBreaks[i] && oneLineBlockBreaks.has(i)) s += nl;
      const canTouch = PUNCT.has(name) || PUNCT.has(prev.tokenType.name);
      const k = l.spaces[i] % 4;
      s += k === 0 ? (canTouch ? '' : ' ') : k === 1 ? ' ' : k === 2 ? '   ' : '\t ';
    } else {
      s += ' '.repeat(l.spaces[i] % 5); // indentation, whatever it was
    }
    s += t.image;
  });
  return s;
}

const newlineCount = exampleCode.filter((t) => t.tokenType.name === 'Newline').length;
const layout: fc.Arbitrary<Layout> = fc.record({
  spaces: fc.array(fc.nat(11), { minLength: exampleCode.length, maxLength: exampleCode.length }),
  lineBreaks: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: newlineCount, maxLength: newlineCount }),
  fullComments: fc.array(fc.option(commentText, { freq: 6 }), { minLength: newlineCount, maxLength: newlineCount }),
  trailingComments: fc.array(fc.option(commentText, { freq: 6 }), { minLength: newlineCount, maxLength: newlineCount }),
  extraBreaks: fc.array(fc.boolean(), { minLength: exampleCode.length, maxLength: exampleCode.length }),
  crlf: fc.boolean(),
});

describe('formatPolicy on random layouts of the example', () => {
  const expectedTable = table(example);
  const formattedExample = format(example);

  it('the generator reproduces the example’s comment-only lines and parses', () => {
    // full-line comments of the example sit on lines with no code: render puts them back at each Newline
    const plain = render(
      { spaces: exampleCode.map(() => 1), lineBreaks: [], fullComments: [], trailingComments: [], extraBreaks: [], crlf: false },
      true,
    );
    expect(comments(plain)).toEqual(comments(example));
    expect(format(plain)).toBe(formattedExample);
  });

  it('is idempotent, keeps the table and keeps every comment', () => {
    fc.assert(
      fc.property(layout, (l) => {
        const variant = render(l, false);
        const once = format(variant);
        expect(format(once)).toBe(once);
        expect(table(once)).toEqual(expectedTable);
        expect(table(variant)).toEqual(expectedTable);
        expect(comments(once)).toEqual(comments(variant));
        expect(once.endsWith('\n') && !once.endsWith('\n\n')).toBe(true);
        expect(once).not.toMatch(/\r|\n\n\n|[ \t]\n|^\n/);
        expect(blankLinesInsideBraces(once)).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('is canonical: spaces and tabs between tokens do not change the output', () => {
    fc.assert(
      fc.property(layout, (l) => {
        expect(format(render(l, true))).toBe(formattedExample);
      }),
      { numRuns: 60 },
    );
  });
});

// ---- golden ---------------------------------------------------------------------------------------------------------

const MESSY = `


  # leading comment, indented
gateway{listen 3000
\tauth   env GATEWAY_AUTH_TOKEN or env DEV_TOKEN# no space before
}
provider  groq{key env GROQ_API_KEY}   # preset
provider ollama { base_url "http://localhost:11434/v1"  local }
provider openai {
}


model groq/llama-3.1-8b-instant {   # fast
  context   128k


  speed 800 free 1M tokens every month   # two statements, one line
     # indented full-line comment
  limit 30 rpm }
model openai/gpt-4o{context 128k price 5/15 can vision tools}
model ollama/qwen2.5:7b { context 32k }     # local
model deepseek/deepseek-chat {context 64k price 0.27 /1.1}
scenario long when ( tokens>50k or has image ) and not text~/x{2,}/i {paid openai/gpt-4o ,deepseek/deepseek-chat
 free any willingness 70%


}
scenario chat { paid openai/gpt-4o  free groq/llama-3.1-8b-instant,ollama/qwen2.5:7b }
fallback openai/gpt-4o->deepseek/deepseek-chat   ->  ollama/qwen2.5:7b budget 5 per day then free_only
alert low_quota below 5000 tokens ,expiring within 24h,webhook "http://x"   # alerts



# trailing comment at the end    \t
`;

const MESSY_FORMATTED = `# leading comment, indented
gateway {
  listen 3000
  auth env GATEWAY_AUTH_TOKEN or env DEV_TOKEN  # no space before
}
provider groq   { key env GROQ_API_KEY }  # preset
provider ollama { base_url "http://localhost:11434/v1"  local }
provider openai {}

model groq/llama-3.1-8b-instant {        # fast
  context 128k

  speed 800
  free 1M tokens every month             # two statements, one line
  # indented full-line comment
  limit 30 rpm
}
model openai/gpt-4o          { context 128k  price 5 / 15  can vision tools }
model ollama/qwen2.5:7b      { context 32k }  # local
model deepseek/deepseek-chat { context 64k  price 0.27 / 1.1 }
scenario long when (tokens > 50k or has image) and not text ~ /x{2,}/i {
  paid openai/gpt-4o, deepseek/deepseek-chat
  free any
  willingness 70%
}
scenario chat { paid openai/gpt-4o  free groq/llama-3.1-8b-instant, ollama/qwen2.5:7b }
fallback openai/gpt-4o -> deepseek/deepseek-chat -> ollama/qwen2.5:7b
budget 5 per day then free_only
alert low_quota below 5000 tokens, expiring within 24h, webhook "http://x"  # alerts

# trailing comment at the end
`;

describe('formatPolicy: golden output', () => {
  it('formats a messy policy exactly', () => {
    expect(format(MESSY)).toBe(MESSY_FORMATTED);
    expect(format(MESSY_FORMATTED)).toBe(MESSY_FORMATTED);
    expect(table(MESSY_FORMATTED)).toEqual(table(MESSY));
    expect(comments(MESSY_FORMATTED)).toEqual(comments(MESSY));
  });

  it('normalises CRLF and a byte-order mark; ends with one newline', () => {
    const crlf = '\uFEFFgateway {  \r\n  listen 3000   # port\r\n}\r\nbudget 5 per day then block';
    expect(format(crlf)).toBe('gateway {\n  listen 3000                            # port\n}\nbudget 5 per day then block\n');
    expect(format('\n\n  \n')).toBe('');
  });

  it('opens up a one-line block wider than 100 columns; its trailing comment moves to the header line', () => {
    const long = 'model anthropic/claude-3-5-sonnet-20241022 { context 200k  price 3 / 15  can code vision tools reasoning long_words } # big\n';
    const out = format(long);
    expect(out).toBe(
      'model anthropic/claude-3-5-sonnet-20241022 {  # big\n  context 200k\n  price 3 / 15\n  can code vision tools reasoning long_words\n}\n',
    );
    expect(format(out)).toBe(out);
  });

  it('keeps literals exactly as written', () => {
    const src = 'scenario s when text ~ /a  b|"x"\\/y/gi or header "X-Team"  =  "a  b" {\n  free any\n  willingness 07.50%\n}\n';
    expect(format(src)).toBe('scenario s when text ~ /a  b|"x"\\/y/gi or header "X-Team" = "a  b" {\n  free any\n  willingness 07.50%\n}\n');
  });

  it('refuses a policy that does not parse, with its syntax diagnostics', () => {
    const r = formatPolicy('gateway {\n  listen 3000 3\n}\nprovider x { key "unterminated }\n', 'bad.gw');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.diagnostics.length).toBeGreaterThan(0);
      expect(r.diagnostics.every((d) => d.code === 'GW001' || d.code === 'GW002')).toBe(true);
      expect(r.diagnostics[0].file).toBe('bad.gw');
    }
  });
});

// ---- the CLI ----------------------------------------------------------------------------------------------------------

function memoryIo(cwd: string): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
    env: {},
    cwd,
  };
  return io;
}

describe('gw fmt', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-fmt-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--check exits 1 with a diff hint on an unformatted file, 0 once formatted; fmt rewrites in place', () => {
    const file = join(dir, 'routes.gw');
    writeFileSync(file, MESSY);
    let io = memoryIo(dir);
    expect(fmt(['--check'], io)).toBe(1);
    expect(io.stdout).toBe('');
    expect(io.stderr).toContain('routes.gw: not formatted');
    expect(io.stderr).toContain('--- routes.gw');
    expect(io.stderr).toMatch(/^@@ -\d+(,\d+)? \+\d+(,\d+)? @@$/m);
    expect(io.stderr).toContain('+gateway {');
    expect(readFileSync(file, 'utf8')).toBe(MESSY);

    io = memoryIo(dir);
    expect(fmt([], io)).toBe(0);
    expect(io.stdout + io.stderr).toBe('');
    expect(readFileSync(file, 'utf8')).toBe(MESSY_FORMATTED);

    io = memoryIo(dir);
    expect(fmt(['--check', 'routes.gw'], io)).toBe(0);
    expect(io.stdout + io.stderr).toBe('');
  });

  it('does not touch a file that is already formatted', () => {
    const file = join(dir, 'clean.gw');
    writeFileSync(file, MESSY_FORMATTED);
    const old = new Date('2020-01-01T00:00:00Z');
    utimesSync(file, old, old);
    const before = statSync(file).mtimeMs;
    const io = memoryIo(dir);
    expect(fmt([file], io)).toBe(0);
    expect(statSync(file).mtimeMs).toBe(before);
  });

  it('refuses a file with a syntax error, prints the diagnostics and leaves it untouched', () => {
    const file = join(dir, 'broken.gw');
    const bad = 'gateway {\n  listen 3000 3\n}\n';
    writeFileSync(file, bad);
    for (const args of [['broken.gw'], ['--check', 'broken.gw']]) {
      const io = memoryIo(dir);
      expect(fmt(args, io)).toBe(1);
      expect(io.stderr).toContain('broken.gw:2:');
      expect(io.stderr).toContain('error[GW002]');
      expect(io.stderr).toContain('1 error');
      expect(readFileSync(file, 'utf8')).toBe(bad);
    }
  });

  it('`gw fmt -` reads stdin and writes stdout', () => {
    const io = memoryIo(dir);
    expect(fmt(['-'], io, () => MESSY)).toBe(0);
    expect(io.stdout).toBe(MESSY_FORMATTED);
    const check = memoryIo(dir);
    expect(fmt(['--check', '-'], check, () => MESSY)).toBe(1);
    expect(check.stdout).toBe('');
    expect(check.stderr).toContain('<stdin>: not formatted');
  });

  it('reports a missing file; is reachable through `gw fmt`', async () => {
    const io = memoryIo(dir);
    expect(fmt(['nope.gw'], io)).toBe(1);
    expect(io.stderr).toContain('cannot read nope.gw');
    const file = join(dir, 'via-main.gw');
    writeFileSync(file, 'budget   5 per day then block\n');
    const m = memoryIo(dir);
    expect(await main(['fmt', '--check', 'via-main.gw'], m)).toBe(1);
    expect(await main(['fmt', 'via-main.gw'], m)).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('budget 5 per day then block\n');
  });
});
