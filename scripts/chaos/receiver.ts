import { createServer, type Server } from 'node:http';
import { freePort } from '../../devstack/ports.js';

/** What a local webhook endpoint saw: per escrow, each event's seq in the order it arrived. */
export class WebhookReceiver {
  url = '';
  /** escrowId → seqs, first arrivals only, in arrival order. */
  readonly arrivals = new Map<string, number[]>();
  /** webhook-id (or escrow:seq) → how many times it arrived. */
  readonly seen = new Map<string, number>();
  duplicates = 0;
  private server?: Server;

  async start(): Promise<void> {
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}/hooks`;
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            data?: { escrowId?: string; seq?: number };
          };
          const escrowId = body.data?.escrowId;
          const seq = body.data?.seq;
          if (typeof escrowId === 'string' && typeof seq === 'number') {
            const key = `${escrowId}:${seq}`;
            const times = (this.seen.get(key) ?? 0) + 1;
            this.seen.set(key, times);
            if (times > 1) this.duplicates++;
            else {
              const list = this.arrivals.get(escrowId) ?? [];
              list.push(seq);
              this.arrivals.set(escrowId, list);
            }
          }
        } catch {
          // a test event or something else: acknowledged all the same
        }
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', () => resolve()));
  }

  stop(): void {
    this.server?.close();
    this.server?.closeAllConnections();
  }
}
