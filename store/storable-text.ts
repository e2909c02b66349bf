/**
 * Postgres text and jsonb cannot hold U+0000. The API refuses it, but an escrow whose state got
 * one earlier would fail every later write: the character is kept visible as U+FFFD instead.
 */
export function storable<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll('\u0000', '\uFFFD') as T;
  if (Array.isArray(value)) return value.map(storable) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [storable(key), storable(inner)]),
    ) as T;
  }
  return value;
}
