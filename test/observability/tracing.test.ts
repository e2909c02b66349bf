import { SpanKind } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clientInterceptors } from '../../infra/temporal-tracing.js';
import { startTracing, type Tracing, tracingEnabled } from '../../infra/tracing.js';
import { escrowBody } from '../api/harness.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { type EscrowStack, startEscrowStack } from '../support/escrow-stack.js';
import { eventually } from '../support/eventually.js';
import { connectTestTemporal, type TestTemporal, testDataConverter } from '../support/temporal.js';

// Tracing as api/main.ts and worker/main.ts start it, with an in-memory exporter in place of
// OTLP: the API (with @hono/otel), its Temporal client and an in-process worker, all traced.
const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let db: TestDatabase;
let temporal: TestTemporal;
let stack: EscrowStack;

beforeAll(async () => {
  tracing = startTracing('escrow-test', {
    spanProcessor: new SimpleSpanProcessor(exporter),
  }) as Tracing;
  [db, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
  const client = new Client({
    connection: temporal.client.connection,
    interceptors: clientInterceptors(tracing),
    dataConverter: testDataConverter,
  });
  stack = await startEscrowStack({ ...temporal, client, sql: db.sql, tracing });
});
afterAll(async () => {
  await stack?.stop();
  await temporal?.close();
  await db?.drop();
  await tracing?.shutdown();
});

it('is off unless an OTLP endpoint is set', () => {
  expect(tracingEnabled({})).toBe(false);
  expect(startTracing('x', { env: {} })).toBeUndefined();
  expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
  expect(tracingEnabled({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' })).toBe(
    true,
  );
  expect(
    tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }),
  ).toBe(false);
  expect(
    tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }),
  ).toBe(false);
});

it('one trace goes from POST /v1/escrows through the workflow to the createPaymentLink activity', async () => {
  const post = (path: string, token: string, body: unknown) =>
    fetch(`${stack.apiUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const platform = (await (
    await post('/v1/platforms', stack.apiSettings.opsApiKey, { name: 'Traced shop' })
  ).json()) as { apiKey: string };
  const created = await post('/v1/escrows', platform.apiKey, escrowBody());
  expect(created.status).toBe(201);

  let spans: ReadableSpan[] = [];
  await eventually(async () => {
    const finished = exporter.getFinishedSpans();
    const http = finished.find(
      (s) => s.kind === SpanKind.SERVER && s.attributes['http.route'] === '/v1/escrows',
    );
    expect(http, names(finished).join(', ')).toBeDefined();
    const trace = finished.filter((s) => s.spanContext().traceId === http?.spanContext().traceId);
    expect(names(trace)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^StartWorkflow:escrowWorkflow|^UpdateWithStartWorkflow/),
        'StartActivity:createPaymentLink',
        'RunActivity:createPaymentLink',
      ]),
    );
    spans = trace;
  });
  // Parent links hold across the process boundaries: activity → workflow's call → … → HTTP.
  const run = spans.find((s) => s.name === 'RunActivity:createPaymentLink');
  const start = spans.find((s) => s.name === 'StartActivity:createPaymentLink');
  expect(run?.parentSpanId).toBe(start?.spanContext().spanId);
  // The workflow's own span (RunWorkflow) ends with the escrow, so it is not exported yet; the
  // client's start span is, and it is the HTTP span's child.
  const client = spans.find((s) => /^StartWorkflow|^UpdateWithStart/.test(s.name));
  const http = spans.find((s) => s.kind === SpanKind.SERVER);
  expect(client?.parentSpanId).toBe(http?.spanContext().spanId);
  expect(start?.parentSpanId).toBeDefined();
  expect(run?.resource.attributes['service.name']).toBe('escrow-test');
});

const names = (spans: ReadableSpan[]) => spans.map((s) => s.name);
