import { isAbsolute, resolve } from 'node:path';
import type { Io } from './io.ts';

export function policyPath(arg: string | undefined, io: Io): string {
  const f = arg ?? 'routes.gw';
  return isAbsolute(f) ? f : resolve(io.cwd, f);
}
