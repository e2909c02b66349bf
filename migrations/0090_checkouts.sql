-- Multi-seller checkouts: one payment for a cart that funds one escrow per seller. The checkout
-- workflow (workflows/checkout.ts) is this table's only writer, through the recordCheckout
-- activity. order_ref is the rail's own order reference (payOS's orderCode), as on escrows: a
-- callback finds its checkout by it. payment_transaction_id is the rail's id of the payment
-- that paid the cart, once it has.
create table checkouts (
  id text primary key,
  platform_id text not null,
  reference text not null,
  buyer_id text not null,
  currency char(3) not null,
  amount bigint not null check (amount > 0),
  rail text not null check (rail in ('vnpay', 'momo', 'zalopay', 'payos')),
  status text not null check (status in ('awaiting_payment', 'paid', 'expired')),
  payment_link jsonb,
  order_ref text unique,
  payment_transaction_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index checkouts_platform_recent on checkouts (platform_id, created_at desc, id desc);

-- The cart's escrows, one per seller, in the order the platform sent them. Written with the
-- checkout, before the escrows' own rows exist (each escrow's workflow writes its row).
create table checkout_escrows (
  checkout_id text not null references checkouts (id),
  escrow_id text not null unique,
  seller_id text not null,
  amount bigint not null check (amount > 0),
  position integer not null check (position >= 0),
  primary key (checkout_id, position),
  unique (checkout_id, seller_id)
);
