import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The receiver's check, written from the Standard Webhooks spec with node:crypto alone (not with
 * the engine's signer): the key is the base64 after `whsec_`; the signature is base64
 * HMAC-SHA256 over `id.timestamp.body`; `webhook-signature` holds space-separated `v1,<sig>`
 * entries; the timestamp must be within 5 minutes.
 */
export function receiverAccepts(
  secret: string,
  headers: { id?: string | null; timestamp?: string | null; signature?: string | null },
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return signature.split(' ').some((entry) => {
    const [version, value] = entry.split(',');
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

export interface ReceivedRequest {
  webhookId: string;
  escrowId: string;
  seq: number;
  type: string;
  body: string;
  /** The Standard Webhooks headers as received. */
  headers: { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string };
  signatureValid: boolean;
  /** What this receiver answered (0: no answer, the request hung until the sender gave up). */
  answered: number;
  at: number;
}

/** How to answer one request: a status, optionally after a delay; `hang` never answers. */
export type Answer = number | { status: number; delayMs?: number } | 'hang';

export interface Receiver {
  url: string;
  /** Set once the endpoint is registered: every request is verified with it. */
  secret: string;
  requests: ReceivedRequest[];
  /** Requests that got a 2xx answer, in the order they were answered. */
  accepted: () => ReceivedRequest[];
  /** Violations seen: a request for seq n+1 arriving before seq n was accepted, or overlapping. */
  orderViolations: string[];
  maxConcurrentPerEscrow: number;
  answer: (request: ReceivedRequest) => Answer;
  /** Stops listening and drops open connections: senders get connection refused. */
  down: () => Promise<void>;
  /** Listens again on the same port. */
  up: () => Promise<void>;
  close: () => Promise<void>;
}

/**
 * A real HTTP endpoint on loopback that verifies each request independently and records it,
 * checking order per escrow as it goes: seq n may arrive only after seq n-1 was accepted (for the
 * events it is given; the first one it sees of an escrow may be any seq).
 */
export async function startReceiver(): Promise<Receiver> {
  const lastAccepted = new Map<string, number>();
  const inFlight = new Map<string, number>();
  const hanging = new Set<() => void>();
  let server: Server;
  let port = 0;

  const receiver: Receiver = {
    url: '',
    secret: '',
    requests: [],
    accepted: () => receiver.requests.filter((r) => r.answered >= 200 && r.answered < 300),
    orderViolations: [],
    maxConcurrentPerEscrow: 0,
    answer: () => 200,
    down: async () => {
      for (const release of hanging) release();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    up: () => listen(port),
    close: async () => {
      for (const release of hanging) release();
      if (!server.listening) return;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };

  async function handle(req: IncomingMessage, res: import('node:http').ServerResponse) {
    const body = await readBody(req);
    const payload = JSON.parse(body) as {
      id: string;
      type: string;
      data: { escrowId: string; seq: number };
    };
    const request: ReceivedRequest = {
      webhookId: String(req.headers['webhook-id']),
      escrowId: payload.data.escrowId,
      seq: payload.data.seq,
      type: payload.type,
      body,
      headers: {
        'webhook-id': String(req.headers['webhook-id']),
        'webhook-timestamp': String(req.headers['webhook-timestamp']),
        'webhook-signature': String(req.headers['webhook-signature']),
      },
      signatureValid: receiverAccepts(
        receiver.secret,
        {
          id: req.headers['webhook-id'] as string | undefined,
          timestamp: req.headers['webhook-timestamp'] as string | undefined,
          signature: req.headers['webhook-signature'] as string | undefined,
        },
        body,
      ),
      answered: 0,
      at: Date.now(),
    };
    receiver.requests.push(request);
    const { escrowId, seq } = request;
    const concurrent = (inFlight.get(escrowId) ?? 0) + 1;
    inFlight.set(escrowId, concurrent);
    receiver.maxConcurrentPerEscrow = Math.max(receiver.maxConcurrentPerEscrow, concurrent);
    if (concurrent > 1)
      receiver.orderViolations.push(`${escrowId}: ${concurrent} requests at once`);
    const previous = lastAccepted.get(escrowId);
    if (previous !== undefined && seq > previous + 1) {
      receiver.orderViolations.push(
        `${escrowId}: seq ${seq} arrived before seq ${previous + 1} was accepted`,
      );
    }
    try {
      const answer = receiver.answer(request);
      if (answer === 'hang') {
        await new Promise<void>((resolve) => {
          const release = () => {
            hanging.delete(release);
            resolve();
          };
          hanging.add(release);
          res.once('close', release);
        });
        return;
      }
      const { status, delayMs = 0 } = typeof answer === 'number' ? { status: answer } : answer;
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      if (status >= 200 && status < 300) {
        lastAccepted.set(escrowId, Math.max(seq, lastAccepted.get(escrowId) ?? 0));
      }
      request.answered = status;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'nope');
    } finally {
      inFlight.set(escrowId, (inFlight.get(escrowId) ?? 1) - 1);
    }
  }

  async function listen(onPort: number) {
    server = createServer((req, res) => {
      handle(req, res).catch((error: unknown) => {
        res.writeHead(500).end(String(error));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(onPort, '127.0.0.1', () => resolve());
    });
    port = (server.address() as AddressInfo).port;
    receiver.url = `http://127.0.0.1:${port}/hooks`;
  }

  await listen(0);
  return receiver;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
