// @temporalio/common is the workflow package's own foundation: safe in the sandbox.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** What ops filter escrows by in the Temporal UI. No personal data: values are stored unencoded. */
export const EscrowStatus = defineSearchAttributeKey('EscrowStatus', SearchAttributeType.KEYWORD);
export const PlatformId = defineSearchAttributeKey('PlatformId', SearchAttributeType.KEYWORD);
export const SellerId = defineSearchAttributeKey('SellerId', SearchAttributeType.KEYWORD);
export const BuyerId = defineSearchAttributeKey('BuyerId', SearchAttributeType.KEYWORD);
export const EscrowAmount = defineSearchAttributeKey('EscrowAmount', SearchAttributeType.INT);
export const EscrowCurrency = defineSearchAttributeKey(
  'EscrowCurrency',
  SearchAttributeType.KEYWORD,
);
export const NeedsAttention = defineSearchAttributeKey('NeedsAttention', SearchAttributeType.BOOL);

export const escrowSearchAttributes = [
  EscrowStatus,
  PlatformId,
  SellerId,
  BuyerId,
  EscrowAmount,
  EscrowCurrency,
  NeedsAttention,
];
