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
 * logger, so a process has one log stream. Must run before any Worker or NativeConnection.
 */
export function installTemporalRuntime(logger: Logger): void {
  const temporalLogger = logger.child({ component: 'temporal-sdk' });
  Runtime.install({
    logger: new DefaultLogger('WARN', ({ level, message, meta }) => {
      temporalLogger[pinoLevel[level]](meta ?? {}, message);
    }),
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'WARN' }, forward: {} } },
  });
}
