/**
 * JSON with sorted object keys and bigints as strings, otherwise `JSON.stringify` itself
 * (`toJSON`, undefined and functions dropped): equal requests give equal text. The ledger keeps
 * the SHA-256 of this text for every entry it wrote and API idempotency keys keep theirs, so a
 * retry after a deploy must hash the same: do not change its output (a test pins it).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
          a < b ? -1 : a > b ? 1 : 0,
        ),
      );
    }
    return v;
  });
}
