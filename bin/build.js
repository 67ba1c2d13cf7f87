#!/usr/bin/env node
// Compiles the TypeScript sources to dist/ (esbuild: one ESM bundle per entry, shared chunks, lazy imports kept as
// their own chunks; packages stay external; no keepNames wrappers). Run by `npm install`/`npm ci` (prepare) and by the
// npm scripts that run the compiled output. Outputs are flat in dist/ so `new URL('../schema/…', import.meta.url)`
// resolves to the repository's schema/ exactly as it does from the sources. Then the web console (bin/build-console.js)
// into dist/console/; `--cli` builds the CLI alone.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildConsole } from './build-console.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** Packages bundled into dist/ instead of loaded from node_modules: chevrotain pulls in hundreds of lodash-es files,
 * whose module loading alone cost `gw check` ≈ 100 ms. Everything else stays external. */
const INLINE = /^(chevrotain|@chevrotain\/|lodash-es)/;

/** compiler/table-validator.ts, compiled: ajv's standalone code for the schema, with the options of the sources. */
function standaloneValidator() {
  const { default: Ajv } = require('ajv');
  const { default: standalone } = require('ajv/dist/standalone');
  const schema = JSON.parse(readFileSync(join(root, 'schema/decision-table.schema.json'), 'utf8'));
  // the same options as tableValidatorOptions in compiler/table-validator.ts (test/build.test.ts checks they agree)
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, code: { source: true, esm: true } });
  return `${standalone(ajv, ajv.compile(schema))}\nexport function tableValidator() { return validate10; }\n`;
}

const plugins = [
  {
    name: 'gw',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => (INLINE.test(args.path) ? undefined : { path: args.path, external: true }));
      b.onLoad({ filter: /compiler[\\/]table-validator\.ts$/ }, () => ({ contents: standaloneValidator(), loader: 'js' }));
    },
  },
];
const outdir = join(root, 'dist');
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  // the log-writer thread's entry (runtime/state/log-writer.ts starts dist/log-writer-worker.js in the build)
  entryPoints: { gw: 'cli/gw.ts', 'log-writer-worker': 'runtime/state/log-writer-worker.ts', 'mock-upstream': 'bench/mock-upstream.ts', 'bare-proxy': 'bench/bare-proxy.ts' },
  outdir,
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins,
  define: { 'process.env.GW_COMPILED': '"1"' },
  keepNames: false,
  legalComments: 'none',
  logLevel: 'warning',
});
if (!process.argv.includes('--cli')) await buildConsole(root);
