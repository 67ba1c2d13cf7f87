import type { H3 } from 'h3';
import { SECRET_NAME, VaultError, type MasterKey, type Vault } from '../state/vault.ts';
import { readJsonObject } from './body.ts';
import { badRequest, GwError, jsonResponse } from './errors.ts';

const iso = (t: number) => new Date(t).toISOString();

/**
 * The key vault's admin endpoints, write-only: list names (never values), set one, remove one.
 *   GET /_gw/secrets · PUT /_gw/secrets/NAME {"value": "…"} · DELETE /_gw/secrets/NAME
 */
export function secretsRoutes(
  app: H3,
  ctx: { vault: Vault; guard: (h: (req: Request) => unknown) => (event: { req: Request }) => unknown; master: () => MasterKey | null; changed: () => void },
  base = '/_gw/secrets',
): void {
  const nameOf = (req: Request) => {
    const name = decodeURIComponent(new URL(req.url).pathname.split('/').pop() ?? '');
    if (!SECRET_NAME.test(name)) throw badRequest('a secret is named like an environment variable (letters, digits, "_")', 'invalid_value', 'name');
    return name;
  };
  app.get(base, ctx.guard(() => jsonResponse(200, { secrets: ctx.vault.list().map((s) => ({ name: s.name, set_at: iso(s.setAt) })) })));
  app.put(
    `${base}/:name`,
    ctx.guard(async (req) => {
      const name = nameOf(req);
      const body = await readJsonObject(req, 64 * 1024);
      if (typeof body.value !== 'string' || body.value.length === 0) throw badRequest('send {"value": "<the secret>"}', 'invalid_value', 'value');
      try {
        ctx.vault.set(name, body.value, ctx.master(), Date.now());
      } catch (e) {
        if (e instanceof VaultError) throw new GwError(500, 'server_error', `key vault: ${e.message}`, 'vault_error');
        throw e;
      }
      ctx.changed();
      return jsonResponse(201, { name, set: true });
    }),
  );
  app.delete(
    `${base}/:name`,
    ctx.guard((req) => {
      const name = nameOf(req);
      if (!ctx.vault.remove(name)) throw new GwError(404, 'invalid_request_error', `no secret named "${name}"`, 'secret_not_found');
      ctx.changed();
      return jsonResponse(200, { name, removed: true });
    }),
  );
}
