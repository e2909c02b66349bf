import { createServer } from 'node:net';

/** Resolves when nothing listens on host:port. */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** A port the OS just handed out, for test servers. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export class PortInUseError extends Error {
  constructor(port: number, what: string, variable: string) {
    super(`Port ${port} (${what}) is already in use: set ${variable} to a free port.`);
    this.name = 'PortInUseError';
  }
}

export async function assertPortFree(port: number, what: string, variable: string): Promise<void> {
  if (!(await isPortFree(port))) throw new PortInUseError(port, what, variable);
}

/**
 * Starts a server on a port the OS just handed out, and on another if something took that one
 * in between (other test runs share the machine).
 */
export async function onFreePort<T>(start: (port: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (error) {
      const taken = /address already in use|EADDRINUSE|could not bind/i.test(String(error));
      if (!taken || attempt >= attempts) throw error;
    }
  }
}
