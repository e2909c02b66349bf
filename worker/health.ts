import { createServer, type Server } from 'node:http';

/**
 * The worker's `/healthz` on WORKER_HEALTH_PORT: 200 while its Temporal worker runs, else 503
 * (a container health check). Anything else is 404. Apart from the metrics port, if any.
 */
export async function startWorkerHealth(options: {
  host: string;
  port: number;
  state: () => string;
}): Promise<{ server: Server; stop: () => Promise<void> }> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://worker').pathname;
    if (path !== '/healthz' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404).end();
      return;
    }
    const state = options.state();
    const ok = state === 'RUNNING';
    response
      .writeHead(ok ? 200 : 503, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
      })
      .end(
        request.method === 'HEAD'
          ? undefined
          : JSON.stringify({ status: ok ? 'ok' : 'unavailable', worker: state }),
      );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    server,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
