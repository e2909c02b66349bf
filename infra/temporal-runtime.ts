import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
import type { Logger } from './logger.js';

const pinoLevel: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Sends the Temporal SDK's logs (TypeScript side and forwarded native core logs) through our
 * logger, so a process has one log stream. Must run before any Worker or NativeConnection, and
 * once per process: only entry points call it (worker/main.ts), never library code.
 * `metricsBindAddress` (`host:port`) serves the SDK's own metrics (workflow and activity task
 * latencies, schedule-to-start, slots, polls …) in the Prometheus format at `/metrics` there,
 * durations in seconds and counters with `_total`, as Prometheus names them.
 */
export function installTemporalRuntime(
  logger: Logger,
  { metricsBindAddress }: { metricsBindAddress?: string | undefined } = {},
): void {
  const temporalLogger = logger.child({ component: 'temporal-sdk' });
  Runtime.install({
    logger: new DefaultLogger('WARN', ({ level, message, meta }) => {
      temporalLogger[pinoLevel[level]](meta ?? {}, message);
    }),
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'WARN' }, forward: {} },
      ...(metricsBindAddress
        ? {
            metrics: {
              prometheus: {
                bindAddress: metricsBindAddress,
                countersTotalSuffix: true,
                useSecondsForDurations: true,
              },
            },
          }
        : {}),
    },
  });
}
