import {
  Client,
  type ClientInterceptors,
  Connection,
  type ConnectionOptions,
} from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { type Config, temporalAddress } from './config.js';
import { createDataConverter } from './payload-codec.js';

/** Where and how to reach Temporal: options for a client `Connection` and a `NativeConnection`. */
export interface TemporalTarget {
  connection: Pick<ConnectionOptions, 'tls' | 'metadata'> & { address: string; apiKey?: string };
  namespace: string;
}

/**
 * The Temporal connection from the standard environment configuration (`@temporalio/envconfig`):
 * `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS*`,
 * `TEMPORAL_GRPC_META_*`, and a profile file when `TEMPORAL_CONFIG_FILE` or `TEMPORAL_PROFILE`
 * names one (a service never reads the operator's own CLI profile by accident). Unset address:
 * the dev server `npm run dev` starts. An API key or a TLS setting turns TLS on. An empty variable
 * counts as unset (compose's `${VAR:-}`).
 */
export function temporalTarget(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
): TemporalTarget {
  const vars = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => Boolean(entry[1])),
  );
  const fromFile = vars.TEMPORAL_CONFIG_FILE !== undefined || vars.TEMPORAL_PROFILE !== undefined;
  const { connectionOptions, namespace } = loadClientConnectConfig({
    overrideEnvVars: vars,
    disableFile: !fromFile,
    ...(vars.TEMPORAL_PROFILE ? { profile: vars.TEMPORAL_PROFILE } : {}),
  });
  const { tls, apiKey, metadata } = connectionOptions;
  return {
    connection: {
      address: connectionOptions.address ?? temporalAddress(config),
      ...(tls === undefined || tls === null ? {} : { tls }),
      ...(typeof apiKey === 'string' ? { apiKey } : {}),
      ...(metadata === undefined ? {} : { metadata }),
    },
    namespace: namespace ?? config.TEMPORAL_NAMESPACE,
  };
}

/** The data converter of every Temporal client and worker: payloads encrypted with ENCRYPTION_KEYS. */
export const dataConverterFrom = (config: Config): DataConverter =>
  createDataConverter(config.ENCRYPTION_KEYS);

/** Connects on first use, so a process can start (and report not ready) while Temporal is down. */
export function createTemporalClient(
  config: Config,
  {
    env = process.env,
    interceptors,
  }: {
    env?: NodeJS.ProcessEnv;
    /** Tracing's client interceptors (infra/temporal-tracing.ts), when on. */
    interceptors?: ClientInterceptors;
  } = {},
): Client {
  const { connection, namespace } = temporalTarget(config, env);
  return new Client({
    connection: Connection.lazy(connection),
    namespace,
    dataConverter: dataConverterFrom(config),
    ...(interceptors ? { interceptors } : {}),
  });
}
