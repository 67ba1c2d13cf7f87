import { Ajv, type ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** ajv options of the table validator; bin/build.js generates the compiled CLI's standalone validator with the same. */
export const tableValidatorOptions = { allErrors: true, strict: true, allowUnionTypes: true } as const;

let validator: ValidateFunction | null = null;

/**
 * The validator of schema/decision-table.schema.json. From the sources it is compiled with ajv at first use; the build
 * (bin/build.js) replaces this module with ajv's standalone code generated from the same schema and options, so the
 * compiled CLI neither loads ajv nor compiles the schema on every run.
 */
export function tableValidator(): ValidateFunction {
  if (validator) return validator;
  const schema = JSON.parse(readFileSync(fileURLToPath(new URL('../schema/decision-table.schema.json', import.meta.url)), 'utf8')) as object;
  return (validator = new Ajv(tableValidatorOptions).compile(schema));
}
