import { expect, it } from 'vitest';
import { startWorkerHealth } from '../../worker/health.js';

it("the worker's /healthz answers 200 while the worker runs, 503 otherwise", async () => {
  let state = 'INITIALIZED';
  const health = await startWorkerHealth({ host: '127.0.0.1', port: 0, state: () => state });
  try {
    const address = health.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const url = (path: string) => `http://127.0.0.1:${address.port}${path}`;
    expect((await fetch(url('/healthz'))).status).toBe(503);
    state = 'RUNNING';
    const ok = await fetch(url('/healthz'));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'ok', worker: 'RUNNING' });
    state = 'DRAINING';
    expect((await fetch(url('/healthz'))).status).toBe(503);
    expect((await fetch(url('/metrics'))).status).toBe(404);
    expect((await fetch(url('/healthz'), { method: 'POST' })).status).toBe(404);
  } finally {
    await health.stop();
  }
});
