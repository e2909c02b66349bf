import { Client, Connection } from '@temporalio/client';

export interface TemporalClientOptions {
  address: string;
  namespace: string;
}

/** Connects on first use, so a process can start (and report not ready) while Temporal is down. */
export function createTemporalClient({ address, namespace }: TemporalClientOptions): Client {
  return new Client({ connection: Connection.lazy({ address }), namespace });
}
