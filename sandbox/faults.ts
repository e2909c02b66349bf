import { z } from 'zod';

export const faultOperations = ['create', 'ipn', 'refund', 'payout', 'query'] as const;
export const faultKinds = [
  'decline',
  'delay',
  'http500',
  'timeout',
  'duplicate_callback',
  'out_of_order_callback',
  'drop',
  'pending',
] as const;
export type FaultOperation = (typeof faultOperations)[number];
export type FaultKind = (typeof faultKinds)[number];

/** Which faults make sense where: the sandbox is the server for all but the IPN, its client. */
const kindsByOperation: Record<FaultOperation, readonly FaultKind[]> = {
  create: ['decline', 'delay', 'http500', 'timeout'],
  ipn: ['delay', 'duplicate_callback', 'out_of_order_callback', 'drop'],
  refund: ['decline', 'delay', 'http500', 'timeout', 'pending'],
  payout: ['decline', 'delay', 'http500', 'timeout', 'pending'],
  query: ['delay', 'http500', 'timeout'],
};

const defaultDelayMs: Partial<Record<FaultKind, number>> = {
  delay: 1_000,
  // Longer than any sane client timeout: the client gives up, the work is done anyway.
  timeout: 30_000,
};

export const faultSpecSchema = z
  .object({
    operation: z.enum(faultOperations),
    kind: z.enum(faultKinds),
    /** How many matching operations it affects. */
    times: z.number().int().min(1).default(1),
    delayMs: z.number().int().min(0).max(600_000).optional(),
    /** `pending`: how many status queries see it pending before it is final. */
    pendingQueries: z.number().int().min(1).max(1_000).default(2),
    /** `pending`: how it ends. */
    outcome: z.enum(['succeeded', 'failed']).default('succeeded'),
  })
  .superRefine((spec, context) => {
    const kinds = kindsByOperation[spec.operation];
    if (!kinds.includes(spec.kind)) {
      context.addIssue({
        code: 'custom',
        path: ['kind'],
        message: `${spec.kind} does not apply to ${spec.operation}; use one of ${kinds.join(', ')}`,
      });
    }
  });

export type FaultSpec = z.input<typeof faultSpecSchema>;

export interface Fault {
  id: number;
  operation: FaultOperation;
  kind: FaultKind;
  remaining: number;
  delayMs: number;
  pendingQueries: number;
  outcome: 'succeeded' | 'failed';
}

/** Armed faults, consumed first-armed first as matching operations happen. */
export class Faults {
  private armed: Fault[] = [];
  private nextId = 1;

  arm(spec: z.output<typeof faultSpecSchema>): Fault {
    const fault: Fault = {
      id: this.nextId++,
      operation: spec.operation,
      kind: spec.kind,
      remaining: spec.times,
      delayMs: spec.delayMs ?? defaultDelayMs[spec.kind] ?? 0,
      pendingQueries: spec.pendingQueries,
      outcome: spec.outcome,
    };
    this.armed.push(fault);
    return { ...fault };
  }

  clear(): void {
    this.armed = [];
  }

  list(): Fault[] {
    return this.armed.map((fault) => ({ ...fault }));
  }

  /** Consumes one use of the first armed fault for the operation among the given kinds. */
  take(operation: FaultOperation, kinds: readonly FaultKind[]): Fault | undefined {
    const fault = this.armed.find((f) => f.operation === operation && kinds.includes(f.kind));
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.armed = this.armed.filter((f) => f !== fault);
    return { ...fault };
  }
}
