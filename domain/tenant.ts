/**
 * Whose data a caller sees: one platform's, or every platform's (`platformId: null`, ops).
 * Reads outside the scope find nothing, so another platform's records look like missing ones.
 */
export interface TenantScope {
  platformId: string | null;
}
