// Who may take which action now, and why not: the Update validators' answer, read from the
// rules tables in lifecycle.ts. Pure functions over the escrow state.
import {
  type ActionInput,
  type Dispute,
  type EscrowState,
  frozen,
  type Rejection,
  type RejectionCode,
} from './escrow-state.js';
import { type ItemState, itemReleasable } from './items.js';
import {
  ACTION_RULES,
  type Action,
  actionsAllowedIn,
  isTerminal,
  itemTargetsOf,
  type Role,
} from './lifecycle.js';

/** Why an action may not be taken now, or `undefined` when it may. Used by Update validators. */
export function rejectAction(
  state: EscrowState,
  input: ActionInput,
  role: Role,
): Rejection | undefined {
  const rule = ACTION_RULES[input.action];
  const reject = (code: RejectionCode, message: string): Rejection => ({
    code,
    message,
    status: state.status,
    allowedActions: availableActions(state, role),
  });
  if (!rule.by.includes(role)) return reject('forbidden', `${role} may not ${input.action}`);
  const mode = state.terms.release ?? 'together';
  if (rule.modes !== undefined && !rule.modes.includes(mode)) {
    return reject('invalid_state', `${input.action} is not for an escrow released as ${mode}`);
  }
  if (!rule.from.includes(state.status)) {
    return reject(
      'invalid_state',
      `${input.action} is not allowed while the escrow is ${state.status}`,
    );
  }
  const open = openDispute(state) !== undefined;
  if (rule.dispute === true && !open) return reject('invalid_state', 'no dispute is open');
  if (rule.dispute === false && open) {
    return reject('invalid_state', 'a dispute is already open: it is resolved first');
  }
  if (rule.items !== undefined) {
    const named = namedItems(input);
    if (named !== undefined) {
      const problem = badItemNames(state, input.action, named);
      if (problem) return reject(problem.code, problem.message);
    } else if (targetItems(state, input).length === 0) {
      const statuses = Object.keys(rule.items).join(', ');
      return reject('invalid_state', `no item is ${statuses}: nothing to ${input.action}`);
    }
  }
  const unmet = unmetCondition(state, input.action);
  if (unmet !== undefined) return reject('invalid_state', unmet);
  switch (input.action) {
    case 'openDispute': {
      if (input.amount === undefined) return undefined;
      const disputable = targetItems(state, input).reduce(
        (sum, item) => sum + itemReleasable(state, item),
        0,
      );
      if (!Number.isSafeInteger(input.amount) || input.amount <= 0 || input.amount > disputable) {
        return reject(
          'invalid_argument',
          `a dispute's amount is more than 0 and at most the ${disputable} held for those items`,
        );
      }
      return undefined;
    }
    case 'reject': {
      const partly = targetItems(state, input).find((item) => item.frozen > 0);
      if (partly) {
        return reject(
          'invalid_state',
          `item ${partly.id} is partly under dispute: it cannot be rejected`,
        );
      }
      return undefined;
    }
    case 'resolveDispute': {
      if (input.outcome !== 'split') return undefined;
      const amount = input.sellerAmount;
      const disputed = frozen(state);
      if (
        amount === undefined ||
        !Number.isSafeInteger(amount) ||
        amount <= 0 ||
        amount >= disputed
      ) {
        return reject(
          'invalid_argument',
          `a split needs sellerAmount strictly between 0 and the disputed amount ${disputed}`,
        );
      }
      return undefined;
    }
    case 'retryRefund': {
      const failed = state.refunds.filter((r) => r.status === 'failed');
      if (input.refundId !== undefined && !failed.some((r) => r.id === input.refundId)) {
        return reject(
          'invalid_argument',
          `refund ${input.refundId} has not failed; failed: ${failed.map((r) => r.id).join(', ')}`,
        );
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** What the escrow itself must be for an action, whatever its arguments: why not, if not. */
function unmetCondition(s: EscrowState, action: Action): string | undefined {
  switch (action) {
    case 'extendInspection':
      return s.inspectionExtended ? 'the inspection window was already extended once' : undefined;
    case 'respondToDispute':
      return s.dispute?.sellerResponse ? 'the seller has already responded' : undefined;
    case 'retryPayout':
      return s.payout.status === 'failed'
        ? undefined
        : `no failed payout to retry (payout is ${s.payout.status})`;
    case 'retryRefund':
      return s.refunds.some((r) => r.status === 'failed') ? undefined : 'no failed refund to retry';
    default:
      return undefined;
  }
}

/**
 * The actions the escrow allows now, by anyone or by one role: its status and release mode,
 * an item for the action to act on, and a dispute open (or not) as the action needs.
 */
export function availableActions(s: EscrowState, role?: Role): Action[] {
  const open = openDispute(s) !== undefined;
  return actionsAllowedIn(s.status, role, s.terms.release ?? 'together').filter((action) => {
    const rule = ACTION_RULES[action];
    if (rule.dispute !== undefined && rule.dispute !== open) return false;
    if (unmetCondition(s, action) !== undefined) return false;
    return (
      rule.items === undefined || s.items.some((i) => itemTargetsOf(action, i.status).length > 0)
    );
  });
}

export const openDispute = (s: EscrowState): Dispute | undefined =>
  s.dispute && !s.dispute.resolution ? s.dispute : undefined;

const namedItems = (input: ActionInput): string[] | undefined =>
  'items' in input ? input.items : undefined;

function badItemNames(
  s: EscrowState,
  action: Action,
  named: string[],
): { code: RejectionCode; message: string } | undefined {
  if (named.length === 0) return { code: 'invalid_argument', message: 'items is empty' };
  const seen = new Set<string>();
  for (const id of named) {
    if (seen.has(id)) return { code: 'invalid_argument', message: `item ${id} is named twice` };
    seen.add(id);
    const item = s.items.find((i) => i.id === id);
    if (!item) {
      return {
        code: 'invalid_argument',
        message: `unknown item ${id}; this escrow's items: ${s.items.map((i) => i.id).join(', ')}`,
      };
    }
    if (itemTargetsOf(action, item.status).length === 0) {
      const statuses = Object.keys(ACTION_RULES[action].items ?? {}).join(', ');
      return {
        code: 'invalid_state',
        message: `item ${id} is ${item.status}; ${action} applies to items ${statuses}`,
      };
    }
  }
  return undefined;
}

/** The items an action acts on: those named, else every item its rule applies to. */
export function targetItems(s: EscrowState, input: ActionInput): ItemState[] {
  const named = namedItems(input);
  return s.items.filter(
    (item) =>
      (named === undefined || named.includes(item.id)) &&
      itemTargetsOf(input.action, item.status).length > 0,
  );
}

/**
 * Why a dispute message is refused now, or undefined: an escrow takes them while it has a
 * dispute, open or resolved. A run resumed after its workflow closed does not carry its dispute
 * (it is terminal): the API has checked the read model's dispute before sending the message.
 */
export function rejectDisputeMessage(s: EscrowState): string | undefined {
  if (s.dispute || isTerminal(s.status)) return undefined;
  return `the escrow is ${s.status} and has no dispute: messages and evidence belong to a dispute`;
}
