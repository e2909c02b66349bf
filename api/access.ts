import type { Context, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Role } from '../domain/lifecycle.js';
import type { TenantScope } from '../domain/tenant.js';
import type { Sql } from '../infra/db.js';
import { type EscrowRecord, getScopedEscrow } from '../store/escrow-queries.js';
import { type Principal, roleOf } from './principal.js';
import { ProblemError } from './problem.js';

export const escrowNotFound = (id: string): ProblemError =>
  new ProblemError(404, 'not-found', 'Escrow not found', `No escrow with id ${id}.`);

const ROLE_NAMES: Record<Role, string> = {
  platform: 'a platform API key',
  ops: 'the ops key',
  buyer: "a buyer's party token",
  seller: "a seller's party token",
};

/** The escrow a route acts on: the `{id}` of `/v1/escrows/{id}…`, not another route's id. */
const escrowIdOf = (c: Context): string | undefined =>
  routePath(c).startsWith('/v1/escrows/:id') ? c.req.param('id') : undefined;

/** 403: the caller is known but its role may not do this. */
export const forbidden = (detail: string): ProblemError =>
  new ProblemError(403, 'forbidden', 'Forbidden', detail);

/**
 * Route middleware, before any input is read: who may call this route at all. A party token
 * scoped to another escrow sees nothing (404, as for a missing escrow); a credential whose role
 * may not call the route gets 403.
 */
export function allow(roles: readonly Role[]): MiddlewareHandler {
  return async (c, next) => {
    const principal = c.get('principal');
    const escrowId = escrowIdOf(c);
    if (principal.kind === 'party' && escrowId !== undefined && principal.escrowId !== escrowId) {
      throw escrowNotFound(escrowId);
    }
    const role = roleOf(principal);
    if (!roles.includes(role)) {
      throw forbidden(
        `${ROLE_NAMES[role]} may not call ${c.req.method} ${routePath(c)}; allowed: ${roles
          .map((r) => ROLE_NAMES[r])
          .join(', ')}.`,
      );
    }
    await next();
  };
}

/** The calling platform, on a route that `allow(['platform'])` admits platforms only to. */
export function callingPlatform(c: Context): string {
  const principal = c.get('principal');
  if (principal.kind !== 'platform') throw new Error('unreachable: allow() admits platforms');
  return principal.platformId;
}

/** The tenant whose escrows a principal sees: its platform, or all of them for ops. */
export const scopeOf = (principal: Principal): TenantScope => ({
  platformId: principal.kind === 'ops' ? null : principal.platformId,
});

/** The escrow if this principal may see it; 404 otherwise, whether missing or someone else's. */
export async function visibleEscrow(c: Context, sql: Sql, escrowId: string): Promise<EscrowRecord> {
  const principal = c.get('principal');
  if (principal.kind === 'party' && principal.escrowId !== escrowId) throw escrowNotFound(escrowId);
  const escrow = await getScopedEscrow(sql, scopeOf(principal), escrowId);
  if (!escrow) throw escrowNotFound(escrowId);
  return escrow;
}
