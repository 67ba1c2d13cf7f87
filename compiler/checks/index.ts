import { namesPass } from './names.ts';
import { scenariosPass } from './scenarios.ts';
import { piiPass } from './pii.ts';
import { fallbackPass } from './fallback.ts';
import { modelsPass } from './models.ts';
import { providersPass } from './providers.ts';
import { limitsPass } from './limits.ts';
import { clientsPass } from './clients.ts';
import { selfLoopPass } from './self-loop.ts';
import { regexBacktrackingPass } from './regex-backtracking.ts';
import { catalogChecksPass } from './catalog.ts';
import { stickyPass } from './sticky.ts';
import type { CheckPass } from './context.ts';

/** The checking passes, in the order they run. Each is testable alone. */
export const CHECK_PASSES: readonly CheckPass[] = [
  namesPass,
  providersPass,
  modelsPass,
  scenariosPass,
  fallbackPass,
  piiPass,
  limitsPass,
  clientsPass,
  selfLoopPass,
  regexBacktrackingPass,
  catalogChecksPass,
  stickyPass,
];
