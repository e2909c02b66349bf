import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Runs the command and stops it when this Node process is gone, even if it died without its
 * clean-up (SIGKILL): a server we started must not outlive us. SIGTERM/SIGINT to the watchdog
 * are passed on as the server's own stop signal. The parent is looked up in /proc where there
 * is one, because a watchdog running as another user (Postgres under root) may not signal it.
 */
const WATCHDOG = [
  '"$@" & child=$!',
  'trap \'kill -s "$STOP_SIGNAL" "$child" 2>/dev/null\' TERM INT',
  'parent_alive() {',
  '  if [ -d /proc/self ]; then [ -d "/proc/$WATCHED_PID" ]; else kill -0 "$WATCHED_PID" 2>/dev/null; fi',
  '}',
  'while kill -0 "$child" 2>/dev/null; do',
  '  parent_alive || kill -s "$STOP_SIGNAL" "$child" 2>/dev/null',
  '  sleep 1',
  'done',
  'wait "$child"',
].join('\n');

export interface WatchedOptions {
  /** The signal that stops the server cleanly (Postgres: INT, a fast shutdown). */
  stopSignal: 'TERM' | 'INT';
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this user (Postgres refuses to run as root). */
  uid?: number;
  gid?: number;
}

/** Spawns `command` under the watchdog; stdout and stderr are piped, stdin is closed. */
export function spawnWatched(
  command: string,
  args: string[],
  options: WatchedOptions,
): ChildProcess {
  return spawn('sh', ['-c', WATCHDOG, 'watchdog', command, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    env: {
      ...(options.env ?? process.env),
      WATCHED_PID: String(process.pid),
      STOP_SIGNAL: options.stopSignal,
    },
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid }),
  });
}

/** Feeds each non-empty output line of the child to `onLine`; returns the last few, kept up. */
export function forwardLines(child: ChildProcess, onLine: (line: string) => void): string[] {
  const recent: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        recent.push(line);
        if (recent.length > 5) recent.shift();
        onLine(line);
      }
    });
  }
  return recent;
}

/** SIGTERM (the watchdog passes on the server's stop signal), then SIGKILL if it hangs. */
export function stopChild(child: ChildProcess, graceMs = 30_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
