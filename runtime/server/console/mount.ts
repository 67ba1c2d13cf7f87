import type { H3 } from 'h3';
import type { EventHub } from './events.ts';
import { consoleFallback, consoleRoutes, type ConsoleContext } from './console-routes.ts';

/** Every console route on the gateway's app: the session and data API, then the app's pages. */
export function mountConsole(app: H3, ctx: ConsoleContext): EventHub {
  const api = consoleRoutes(app, ctx);
  consoleFallback(app, api);
  return api.hub;
}
