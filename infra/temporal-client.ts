import { Client, type ClientInterceptors, Connection } from '@temporalio/client';

export interface TemporalClientOptions {
  address: string;
  namespace: string;
  /** Tracing's client interceptors (infra/temporal-tracing.ts), when on. */
  interceptors?: ClientInterceptors;
}

/** Connects on first use, so a process can start (and report not ready) while Temporal is down. */
export function createTemporalClient({
  address,
  namespace,
  interceptors,
}: TemporalClientOptions): Client {
  return new Client({
    connection: Connection.lazy({ address }),
    namespace,
    ...(interceptors ? { interceptors } : {}),
  });
}
