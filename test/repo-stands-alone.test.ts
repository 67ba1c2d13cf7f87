import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pathEscapes } from './helpers/path-escapes.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const TEXT = /\.(ts|js|mjs|cjs|json|md|gw|sh|ya?ml)$|^\.ci\//;
/** the scanner and this test quote escaping paths on purpose (as the cases below) */
const SELF = new Set(['test/helpers/path-escapes.ts', 'test/repo-stands-alone.test.ts']);

describe('the repository stands alone', () => {
  it('no tracked file refers to a path above the repository root', () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f && TEXT.test(f) && f !== 'package-lock.json' && !SELF.has(f));
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((f) => {
      let text: string;
      try {
        text = readFileSync(`${ROOT}/${f}`, 'utf8');
      } catch {
        return []; // deleted in the work tree
      }
      return pathEscapes(ROOT, f, text);
    });
    expect(found.map((e) => `${e.file}:${e.line} ${e.why}: ${e.text}`)).toEqual([]);
  });

  describe('the scan catches each way out', () => {
    const cases: [string, string, string][] = [
      ['test/helpers/policy.ts', "export const EXAMPLE = new URL('../../../shared/design/routes.example.gw', import.meta.url).pathname;", 'shared'],
      ['test/helpers/policy.ts', "const p = new URL('../../../other/file.gw', import.meta.url);", 'relative literal'],
      ['test/x.test.ts', "import { a } from '../../outside.ts';", 'import'],
      ['test/x.test.ts', "const p = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'design', 'a.gw');", 'join from the file'],
      ['bench/x.ts', "const p = resolve(ROOT, '../design/a.gw');", 'resolve from the root'],
      ['README.md', 'see [the design](../design/language.md)', 'markdown link'],
    ];
    for (const [file, line, what] of cases) it(`flags ${what}`, () => expect(pathEscapes(ROOT, file, line).length).toBeGreaterThan(0));

    it('lets paths inside the repository pass', () => {
      const ok = [
        ['test/helpers/policy.ts', "export const EXAMPLE = new URL('../fixtures/routes.example.gw', import.meta.url).pathname;"],
        ['test/x.test.ts', "const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');"],
        ['test/helpers/policy.ts', "import { loadPolicy } from '../../compiler/load-policy.ts';"],
        ['bench/x.ts', "const ROOT = fileURLToPath(new URL('..', import.meta.url));"],
      ];
      for (const [file, line] of ok) expect(pathEscapes(ROOT, file!, line!)).toEqual([]);
    });
  });
});
