-- The payment link each escrow got from its rail. VNPay finds a payment (querydr, refund) by
-- its TxnRef and the link's creation date, to the second: reconciliation needs it long after
-- the workflow that knew it has closed.

create table payment_links (
  escrow_id text primary key,
  provider text not null,
  created_at timestamptz not null,
  expires_at timestamptz not null
);
