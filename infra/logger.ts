import pino, { type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  pretty?: boolean;
  name?: string;
}

/** JSON lines by default; pretty, human-readable lines in development terminals. */
export function createLogger({ level = 'info', pretty, name }: LoggerOptions = {}): Logger {
  const usePretty = pretty ?? (process.stdout.isTTY && process.env.NODE_ENV !== 'production');
  return pino({
    level,
    ...(name ? { name } : {}),
    base: { pid: process.pid },
    ...(usePretty
      ? {
          transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } },
        }
      : {}),
  });
}
