import { readFileSync } from 'node:fs';
import { formatPolicy } from './compiler/fmt.ts';
const r = formatPolicy(readFileSync(process.argv[2], 'utf8'));
if (r.ok) process.stdout.write(r.text); else console.log(r.diagnostics);
