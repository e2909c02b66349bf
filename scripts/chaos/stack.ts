import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../devstack/paths.js';
import { freePort } from '../../devstack/ports.js';
import { type PostgresServer, startPostgres } from '../../devstack/postgres-server.js';
import { spawnService, waitForHttp } from '../../devstack/services.js';
import { startTemporal, type TemporalServer } from '../../devstack/temporal-server.js';
import { forwardLines, stopChild } from '../../devstack/watchdog.js';
import { createSql } from '../../infra/db.js';
import { migrate } from '../../infra/migrate.js';
import { prefixedWriter } from '../lib/log-prefix.js';

/** Only errors from the services (and not the ones the chaos itself causes on purpose). */
const errorsOnly = (name: string, verbose: boolean) => {
  const write = prefixedWriter(name);
  // Errors are expected here (connections cut by the restarts): only fatal ones are shown.
  return (line: string) => {
    if (verbose || /"level":60|\bPANIC\b/.test(line)) write(line);
  };
};

type Role = 'api' | 'worker';

interface Service {
  name: string;
  role: Role;
  index: number;
  entry: string;
  env: NodeJS.ProcessEnv;
  child?: ChildProcess;
  /** Started again after we killed it. */
  restarts: number;
  /** Worker only: its WORKER_HEALTH_PORT (200 while it polls Temporal). */
  healthUrl?: string;
}

/**
 * One Postgres and one Temporal dev server (each restartable on the same port and data), the
 * sandbox PSP, two API and two worker processes, and a round-robin front for the PSP's
 * callbacks (PUBLIC_BASE_URL), all on free loopback ports in a temporary folder.
 */
export class ChaosStack {
  dir = '';
  opsKey = `ops_chaos_${randomBytes(16).toString('hex')}`;
  apiUrls: string[] = [];
  sandboxUrl = '';
  databaseUrl = '';
  private pgPort = 0;
  private temporalPort = 0;
  private postgres?: PostgresServer;
  private temporal?: TemporalServer;
  private sandbox?: ChildProcess;
  private services: Service[] = [];
  private front?: Server;
  private stopping = false;
  private verbose: boolean;
  private say = prefixedWriter('chaos');
  private frontTurn = 0;
  /** API or worker processes that exited without our kill (and were started again). */
  selfExits = 0;

  constructor({ verbose = false } = {}) {
    this.verbose = verbose;
  }

  async start(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'escrow-chaos-'));
    await chmod(this.dir, 0o755);
    [this.pgPort, this.temporalPort] = await Promise.all([freePort(), freePort()]);
    const bundle = join(this.dir, 'workflow-bundle.js');
    await Promise.all([
      this.startPostgres(),
      this.startTemporal(),
      runBundle(bundle, errorsOnly('bundle', this.verbose)),
    ]);
    const admin = createSql(this.postgres?.url() ?? '', { max: 1 });
    await admin.unsafe('create database escrow');
    await admin.end();
    this.databaseUrl = this.postgres?.url('escrow') ?? '';
    const sql = createSql(this.databaseUrl, { max: 1 });
    await migrate(sql);
    await sql.end();

    const [api1, api2, psp, front, health1, health2] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    this.apiUrls = [api1, api2].map((port) => `http://127.0.0.1:${port}`);
    this.sandboxUrl = `http://127.0.0.1:${psp}`;
    const frontUrl = `http://127.0.0.1:${front}`;
    await this.startFront(front);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      LOG_PRETTY: 'false',
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: frontUrl,
      DATABASE_URL: this.databaseUrl,
      DATABASE_POOL_SIZE: '10',
      TEMPORAL_ADDRESS: `127.0.0.1:${this.temporalPort}`,
      PSP_SANDBOX_PORT: String(psp),
      PSP_SANDBOX_DATA_FILE: join(this.dir, 'psp-sandbox.json'),
      PAYMENT_RAILS: 'vnpay',
      VNPAY_URL: this.sandboxUrl,
      PAYOS_PAYOUT_URL: this.sandboxUrl,
      OPS_API_KEY: this.opsKey,
      TOKEN_SECRET: randomBytes(32).toString('hex'),
      WORKFLOW_BUNDLE_PATH: bundle,
      // Two workers on one machine: no fixed metrics port.
      WORKER_METRICS_PORT: '0',
      LATE_PAYMENT_GRACE: 'PT1M',
      WEBHOOK_RETRY_SCHEDULE: 'PT1S,PT2S,PT3S,PT5S,PT5S,PT10S,PT10S,PT15S,PT30S,PT30S,PT60S,PT60S',
      WEBHOOK_POLL_INTERVAL_MS: '200',
      WEBHOOK_TIMEOUT_MS: '5000',
    };
    this.sandbox = spawnService('sandbox/main.ts', env, errorsOnly('psp', this.verbose));
    for (const index of [0, 1]) {
      this.services.push({
        name: `api-${index + 1}`,
        role: 'api',
        index,
        entry: 'api/main.ts',
        env: { ...env, PORT: String([api1, api2][index]) },
        restarts: 0,
      });
      this.services.push({
        name: `worker-${index + 1}`,
        role: 'worker',
        index,
        entry: 'worker/main.ts',
        env: { ...env, WORKER_HEALTH_PORT: String([health1, health2][index]) },
        healthUrl: `http://127.0.0.1:${[health1, health2][index]}/healthz`,
        restarts: 0,
      });
    }
    for (const service of this.services) this.spawn(service);
    await waitForHttp(`${this.sandboxUrl}/_sandbox/payments`, 120_000, this.sandbox);
    await Promise.all([
      ...this.apiUrls.map((url) => waitForHttp(`${url}/readyz`, 180_000)),
      ...this.services.flatMap((s) => (s.healthUrl ? [waitForHttp(s.healthUrl, 180_000)] : [])),
    ]);
  }

  private spawn(service: Service): void {
    const child = spawnService(service.entry, service.env, errorsOnly(service.name, this.verbose), {
      watched: false,
    });
    service.child = child;
    child.once('exit', (code, signal) => {
      if (this.stopping || service.child !== child) return;
      // Died on its own (not killed by us): say so and bring it back, as an orchestrator would.
      this.selfExits++;
      this.say(`${service.name} exited by itself (${signal ?? `code ${code}`}); restarting it`);
      setTimeout(() => {
        if (!this.stopping && service.child === child) this.spawn(service);
      }, 1_000);
    });
  }

  /** SIGKILLs one API or worker process and starts it again after `downMs`. */
  async kill(role: Role, index: number, downMs: number): Promise<void> {
    const service = this.services.find((s) => s.role === role && s.index === index);
    if (!service?.child) return;
    const child = service.child;
    service.child = undefined;
    // It may have died by itself just now: then its exit event is already gone.
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    }
    await new Promise((resolve) => setTimeout(resolve, downMs));
    if (this.stopping) return;
    service.restarts++;
    this.spawn(service);
    // Back in service before the next blow: at most one of each kind is down at a time.
    await waitForHttp(
      role === 'api' ? `${this.apiUrls[index]}/healthz` : (service.healthUrl ?? ''),
      120_000,
    ).catch(() => {});
  }

  async restartTemporal(downMs: number): Promise<void> {
    await this.temporal?.stop();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.startTemporal();
  }

  async restartPostgres(downMs: number): Promise<void> {
    await this.postgres?.stop();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.startPostgres();
  }

  private async startPostgres(): Promise<void> {
    this.postgres = await startPostgres({
      dataDir: join(this.dir, 'pg'),
      port: this.pgPort,
      fast: true,
      onLog: errorsOnly('postgres', this.verbose),
    });
  }

  private async startTemporal(): Promise<void> {
    this.temporal = await startTemporal({
      port: this.temporalPort,
      dbFile: join(this.dir, 'temporal.db'),
      onLog: errorsOnly('temporal', this.verbose),
    });
  }

  /**
   * PUBLIC_BASE_URL: the PSP's callbacks go to either API, in turn, and to the other when one
   * does not answer (a load balancer's job).
   */
  private startFront(port: number): Promise<void> {
    this.front = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', async () => {
        const body = Buffer.concat(chunks);
        const first = this.frontTurn++ % this.apiUrls.length;
        for (let attempt = 0; attempt < this.apiUrls.length * 3; attempt++) {
          const base = this.apiUrls[(first + attempt) % this.apiUrls.length];
          try {
            const headers = Object.fromEntries(
              Object.entries(req.headers).filter(
                ([name, value]) =>
                  typeof value === 'string' &&
                  !['host', 'connection', 'content-length'].includes(name),
              ),
            ) as Record<string, string>;
            const response = await fetch(`${base}${req.url}`, {
              method: req.method,
              headers,
              body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
              redirect: 'manual',
            });
            const answer = Buffer.from(await response.arrayBuffer());
            res.writeHead(response.status, Object.fromEntries(response.headers));
            res.end(answer);
            return;
          } catch {
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        }
        res.writeHead(502).end();
      });
    });
    return new Promise((resolve) => this.front?.listen(port, '127.0.0.1', () => resolve()));
  }

  /** Stops everything it started, each by its own handle; safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await Promise.allSettled([
      ...this.services.map((s) => (s.child ? stopChild(s.child, 10_000) : undefined)),
      this.sandbox ? stopChild(this.sandbox, 10_000) : undefined,
    ]);
    await Promise.allSettled([this.postgres?.stop(), this.temporal?.stop()]);
    this.front?.close();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

/** Prebuilds the workflow bundle once: a restarted worker then starts without webpack. */
async function runBundle(target: string, onLine: (line: string) => void): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/bundle-workflows.ts', target],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  forwardLines(child, onLine);
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`workflow bundle failed (code ${code})`)),
    );
  });
}
