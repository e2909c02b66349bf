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
}

/** A postgres.js pool that maps int8 to bigint: money never passes through a JS number. */
export function createSql(
  url: string,
  { max = 10, applicationName = 'escrow' }: SqlOptions = {},
): Sql {
  return postgres(url, {
    max,
    types: { bigint: postgres.BigInt },
    onnotice: () => {},
    connection: { application_name: applicationName },
  });
}
