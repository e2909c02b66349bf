import type { SandboxContext } from './context.js';
import type { FaultOperation } from './faults.js';

/**
 * Applies an armed delay, http500 or timeout fault to one request. A timeout does the work and
 * then holds the answer past the client's deadline: the realistic case where the client cannot
 * know whether it happened and must retry with the same idempotency key.
 */
export async function withRequestFaults(
  context: SandboxContext,
  operation: FaultOperation,
  handle: () => Promise<Response>,
): Promise<Response> {
  const fault = context.faults.take(operation, ['delay', 'http500', 'timeout']);
  if (!fault) return handle();
  context.log.info({ operation, kind: fault.kind, delayMs: fault.delayMs }, 'injecting fault');
  switch (fault.kind) {
    case 'http500':
      return new Response('Injected fault: internal server error', { status: 500 });
    case 'delay':
      await context.background.sleep(fault.delayMs);
      return handle();
    default: {
      const response = await handle();
      await context.background.sleep(fault.delayMs);
      return response;
    }
  }
}
