import type { Sql } from '../infra/db.js';

export interface ActivityDeps {
  sql: Sql;
}

/** Every activity the worker registers, bound to its dependencies. */
export function createActivities(_deps: ActivityDeps) {
  return {};
}

export type Activities = ReturnType<typeof createActivities>;
