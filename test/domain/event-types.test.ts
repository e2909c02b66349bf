import { readFile } from 'node:fs/promises';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { openApiDocument } from '../../clients/generate.js';
import type { EscrowEvent } from '../../domain/escrow-state.js';
import {
  EVENT_TYPE_NAMES,
  EVENT_TYPES,
  type EventType,
  isWebhookEventType,
  WEBHOOK_EVENT_TYPES,
} from '../../domain/events.js';

/** The names domain/escrow.ts passes to record(): the compiler checks each is an EventType. */
async function recordedNames(): Promise<string[]> {
  const source = await readFile(new URL('../../domain/escrow.ts', import.meta.url), 'utf8');
  const calls = [...source.matchAll(/\brecord\(\s*\w+,\s*\w+,\s*'([a-z0-9_]+)'/g)];
  return [...new Set(calls.map((m) => m[1] ?? ''))].sort();
}

describe('event types (domain/events.ts)', () => {
  it("the timeline's events are typed by the list", () => {
    expectTypeOf<EscrowEvent['type']>().toEqualTypeOf<EventType>();
  });

  it('every type the reducer records is in the list, and every listed type is recorded', async () => {
    const recorded = await recordedNames();
    // Every call names its type literally (a variable would escape this check).
    const source = await readFile(new URL('../../domain/escrow.ts', import.meta.url), 'utf8');
    const allCalls = source.match(/\brecord\(/g)?.length ?? 0;
    expect(allCalls - 1).toBe(
      [...source.matchAll(/\brecord\(\s*\w+,\s*\w+,\s*'/g)].length, // minus the definition
    );
    expect(recorded).toEqual([...EVENT_TYPE_NAMES].sort());
  });

  it('each has a one-line description, and webhook names are escrow.<type>', () => {
    for (const type of EVENT_TYPE_NAMES) {
      expect(EVENT_TYPES[type]).toMatch(/^[A-Z].*\.$/);
      expect(EVENT_TYPES[type]).not.toContain('\n');
    }
    expect(WEBHOOK_EVENT_TYPES).toContain('escrow.dispute_message');
    expect(isWebhookEventType('escrow.funds_released')).toBe(true);
    expect(isWebhookEventType('escrow.funded')).toBe(false);
    expect(isWebhookEventType('shipped')).toBe(false);
    expect(isWebhookEventType('escrow.toString')).toBe(false);
  });

  it('the OpenAPI document has one webhook per event type, with the signature headers', async () => {
    const document = (await openApiDocument()) as unknown as {
      webhooks: Record<
        string,
        {
          post: {
            parameters: { in: string; name: string; required?: boolean }[];
            requestBody: { content: Record<string, { schema: { properties: object } }> };
          };
        }
      >;
    };
    expect(Object.keys(document.webhooks).sort()).toEqual([...WEBHOOK_EVENT_TYPES].sort());
    for (const [name, item] of Object.entries(document.webhooks)) {
      const headers = item.post.parameters.filter((p) => p.in === 'header');
      expect(headers.map((p) => [p.name, p.required])).toEqual([
        ['webhook-id', true],
        ['webhook-timestamp', true],
        ['webhook-signature', true],
      ]);
      const schema = item.post.requestBody.content['application/json']?.schema;
      expect(schema?.properties).toMatchObject({
        type: { type: 'string', enum: [name] },
        data: { $ref: '#/components/schemas/WebhookEventData' },
      });
    }
  });
});
