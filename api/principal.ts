import type { Role } from '../domain/lifecycle.js';

/**
 * Who is calling, as established by the auth middleware from the Authorization header.
 * Tenancy always comes from here, never from the request body or path.
 */
export type Principal =
  | { kind: 'platform'; platformId: string }
  /** An operator, named by the ops key they used (`ops` for the single OPS_API_KEY). */
  | { kind: 'ops'; operator: string }
  /** A short-lived token scoped to one escrow and one role. */
  | {
      kind: 'party';
      platformId: string;
      escrowId: string;
      role: 'buyer' | 'seller';
      expiresAt: string;
    };

/** The lifecycle role a principal acts as. */
export const roleOf = (principal: Principal): Role =>
  principal.kind === 'party' ? principal.role : principal.kind;

declare module 'hono' {
  interface ContextVariableMap {
    principal: Principal;
  }
}
