-- Items can be sent back: an escrow whose open items are all on their way back is `returning`.
alter table escrows drop constraint escrows_status_check;
alter table escrows add constraint escrows_status_check check (status in (
  'awaiting_payment', 'funded', 'shipped', 'delivered', 'disputed', 'returning',
  'released', 'refunded', 'split', 'cancelled', 'expired'));
