// `virtual:gw-keywords`: the routes.gw keywords, read from compiler/lexer.ts at build time (its `kw('word', starts)`
// calls), so the editor's highlighting follows the language without a second list and without shipping chevrotain.
import { readFileSync } from 'node:fs';
import type { Plugin } from 'vite';

const ID = 'virtual:gw-keywords';

export function keywordsOf(lexerSource: string): { statements: string[]; soft: string[] } {
  const statements: string[] = [];
  const soft: string[] = [];
  for (const m of lexerSource.matchAll(/\bkw\('([A-Za-z_]+)'(\s*,\s*true)?\)/g)) (m[2] ? statements : soft).push(m[1]!);
  return { statements, soft };
}

export function gwKeywords(lexerPath: string): Plugin {
  return {
    name: 'gw-keywords',
    resolveId: (id) => (id === ID ? `\0${ID}` : undefined),
    load(id) {
      if (id !== `\0${ID}`) return undefined;
      this.addWatchFile(lexerPath);
      const k = keywordsOf(readFileSync(lexerPath, 'utf8'));
      if (k.statements.length === 0) throw new Error(`no keywords found in ${lexerPath}`);
      return `export const statements = ${JSON.stringify(k.statements)};\nexport const soft = ${JSON.stringify(k.soft)};\n`;
    },
  };
}
