// Failure types that cross from activities to the workflow (plain strings: the workflow sandbox
// sees only the ApplicationFailure's type, never the error class behind it).

/** Postgres refused a write for good (data it cannot hold, a broken rule): retrying cannot help. */
export const PERMANENT_DATA_ERROR = 'PermanentDataError';
