import postgres from 'postgres';

/** int8 ↔ bigint is registered, so bigint parameters and results type-check. */
type CustomTypes = { bigint: bigint };
export type Sql = postgres.Sql<CustomTypes>;
/** The handle inside `sql.begin`: same queries, one transaction. */
export type Tx = postgres.TransactionSql<CustomTypes>;

export interface SqlOptions {
  max?: number;
  /** Visible in pg_stat_activity, so ops can tell the processes apart. */
  applicationName?: string;
  /**
   * The role every connection runs as (`set role` at start-up): APP_ROLE for the application,
   * none (the login itself, the tables' owner) for migrations and ops tools.
   */
  role?: string;
}

/**
 * The application's role (migration 0130): it reads the ledger's tables but writes them only
 * through the ledger's functions, which run as the owner.
 */
export const APP_ROLE = 'escrow_app';

/** A postgres.js pool that maps int8 to bigint: money never passes through a JS number. */
export function createSql(
  url: string,
  { max = 10, applicationName = 'escrow', role }: SqlOptions = {},
): Sql {
  return postgres(url, {
    max,
    types: { bigint: postgres.BigInt },
    onnotice: () => {},
    // A start-up parameter: the role is set before the first query, on every new connection.
    connection: { application_name: applicationName, ...(role ? { role } : {}) },
  });
}
