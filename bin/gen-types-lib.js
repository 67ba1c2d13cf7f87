import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compile } from 'json-schema-to-typescript';

/** The generated TypeScript for the decision table schema: one function so the generator and its staleness test agree. */
export async function generateDecisionTableTypes(root) {
  const schema = JSON.parse(await readFile(join(root, 'schema/decision-table.schema.json'), 'utf8'));
  return compile(schema, 'DecisionTable', {
    bannerComment:
      '/* Generated from schema/decision-table.schema.json by `npm run gen:types` (json-schema-to-typescript). Do not edit by hand. */',
    additionalProperties: false,
    unreachableDefinitions: true,
    style: { singleQuote: true, printWidth: 120 },
  });
}
