#!/usr/bin/env node
// Generates runtime/types/decision-table.ts from schema/decision-table.schema.json (json-schema-to-typescript).
// `--check` exits 1 when the generated file on disk is stale.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDecisionTableTypes } from './gen-types-lib.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'runtime/types/decision-table.ts');
const text = await generateDecisionTableTypes(root);
if (process.argv.includes('--check')) {
  const current = await readFile(out, 'utf8').catch(() => '');
  if (current !== text) {
    console.error(`${out} is stale: run \`npm run gen:types\``);
    process.exit(1);
  }
} else {
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, text);
  console.log(`wrote ${out}`);
}
