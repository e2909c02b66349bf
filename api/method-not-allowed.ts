import type { Hono } from 'hono';
import { ProblemError } from './problem.js';

/** `/v1/escrows/:id/ship` as a matcher of concrete paths. */
const patternOf = (path: string): RegExp =>
  new RegExp(
    `^${path
      .split('/')
      .map((segment) =>
        segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      )
      .join('/')}$`,
  );

/**
 * For requests no route answers: a 405 problem with `Allow` when the path exists under other
 * methods (RFC 9110), else `undefined` (a 404). Read from the app's routes on first use, once all
 * are mounted; middleware (method ALL) is not a route.
 */
export function methodNotAllowed(
  app: Hono,
): (method: string, path: string) => ProblemError | undefined {
  let table: Array<{ pattern: RegExp; methods: Set<string> }> | undefined;
  const build = () => {
    const byPath = new Map<string, Set<string>>();
    for (const route of app.routes) {
      if (route.method === 'ALL') continue;
      const methods = byPath.get(route.path) ?? new Set<string>();
      methods.add(route.method);
      // Hono answers HEAD with the GET handler.
      if (route.method === 'GET') methods.add('HEAD');
      byPath.set(route.path, methods);
    }
    return [...byPath].map(([path, methods]) => ({ pattern: patternOf(path), methods }));
  };
  return (method, path) => {
    table ??= build();
    const allowed = new Set(
      table.filter((t) => t.pattern.test(path)).flatMap((t) => [...t.methods]),
    );
    if (allowed.size === 0 || allowed.has(method)) return undefined;
    const allow = [...allowed].sort().join(', ');
    return new ProblemError(
      405,
      'method-not-allowed',
      'Method not allowed',
      `${method} is not allowed on ${path}; allowed: ${allow}.`,
      {},
      { Allow: allow },
    );
  };
}
