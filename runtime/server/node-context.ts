import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

/** The Node request and response behind a srvx Request, when the server runs on Node (not under app.fetch). */
export function nodeContext(req: Request): { req?: IncomingMessage; res?: ServerResponse } | undefined {
  return (req as { runtime?: { node?: { req?: IncomingMessage; res?: ServerResponse } } }).runtime?.node;
}

/** Request headers as a plain object with lower-case names (Node's own object when there is one). */
export function headerRecord(req: Request): Readonly<Record<string, string | undefined>> {
  const node = nodeContext(req)?.req;
  if (node) return flatten(node.headers);
  return Object.fromEntries(req.headers);
}

function flatten(h: IncomingHttpHeaders): Record<string, string | undefined> {
  // only set-cookie is an array in Node's object; join it like Headers would
  if (h['set-cookie'] === undefined) return h as Record<string, string | undefined>;
  return { ...h, 'set-cookie': h['set-cookie'].join(', ') } as Record<string, string | undefined>;
}
