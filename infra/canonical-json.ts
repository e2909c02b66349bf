/**
 * JSON with sorted object keys and bigints as strings, otherwise `JSON.stringify` itself
 * (`toJSON`, undefined and functions dropped): equal requests give equal text. The ledger keeps
 * the SHA-256 of this text for every entry it wrote and API idempotency keys keep theirs, so a
 * retry after a deploy must hash the same: do not change its output (a test pins it, and checks
 * it against the JSON.stringify-with-a-sorting-replacer definition it first had).
 *
 * Written out rather than as a replacer: this runs for every ledger entry, and rebuilding each
 * object sorted cost several times what serialising it does.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '') as string;
}

type WithToJson = { toJSON: (key: string) => unknown };

/** The text of one value, or undefined where JSON.stringify leaves it out. */
function write(input: unknown, key: string): string | undefined {
  let value = input;
  if (
    (typeof value === 'object' && value !== null) ||
    (typeof value === 'bigint' && typeof (value as unknown as WithToJson).toJSON === 'function')
  ) {
    const toJson = (value as Partial<WithToJson>).toJSON;
    if (typeof toJson === 'function') value = toJson.call(value, key);
  }
  switch (typeof value) {
    case 'bigint':
      return `"${value.toString()}"`;
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value)
        ? writeArray(value)
        : writeObject(value as Record<string, unknown>);
    default:
      return undefined;
  }
}

function writeArray(array: unknown[]): string {
  const parts: string[] = [];
  for (let i = 0; i < array.length; i++) parts.push(write(array[i], String(i)) ?? 'null');
  return `[${parts.join(',')}]`;
}

function writeObject(object: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const key of propertyOrder(Object.keys(object))) {
    const text = write(object[key], key);
    if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}

const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;
const MAX_ARRAY_INDEX = 2 ** 32 - 2;

/**
 * Keys sorted, then in the order JavaScript keeps an object's own keys (the definition rebuilt a
 * sorted object): array-index keys first, in ascending number order, then the others as sorted.
 */
function propertyOrder(keys: string[]): string[] {
  keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const indices = keys.filter((k) => ARRAY_INDEX.test(k) && Number(k) <= MAX_ARRAY_INDEX);
  if (indices.length === 0) return keys;
  indices.sort((a, b) => Number(a) - Number(b));
  return [
    ...indices,
    ...keys.filter((k) => !(ARRAY_INDEX.test(k) && Number(k) <= MAX_ARRAY_INDEX)),
  ];
}
