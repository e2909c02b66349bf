-- Outbound webhooks: the platform's endpoints, one delivery per (outbox event × endpoint), and
-- every attempt made. All dispatcher state lives here, so any process may stop at any moment
-- and another picks up where it left off.

create table webhook_endpoints (
  id text primary key,
  platform_id text not null,
  url text not null,
  -- `whsec_` + base64 of random bytes; kept readable because every delivery is signed with it.
  secret text not null check (secret like 'whsec\_%'),
  enabled boolean not null default true,
  disabled_at timestamptz,
  disabled_reason text,
  created_at timestamptz not null default now(),
  check (enabled or disabled_at is not null)
);
create index webhook_endpoints_platform on webhook_endpoints (platform_id, created_at);

-- Fan-out progress: an outbox row is turned into deliveries exactly once.
alter table webhook_outbox add column fanned_out_at timestamptz;
create index webhook_outbox_to_fan_out on webhook_outbox (id) where fanned_out_at is null;

create table webhook_deliveries (
  id text primary key,
  -- Listing order and pagination cursor; never shown as such.
  position bigint generated always as identity unique,
  endpoint_id text not null references webhook_endpoints (id),
  outbox_id bigint not null references webhook_outbox (id),
  platform_id text not null,
  escrow_id text not null,
  seq integer not null,
  event_type text not null,
  status text not null default 'pending'
    check (status in ('pending', 'delivering', 'succeeded', 'failed')),
  -- Attempts made in all; round_attempts since it was last queued (drives the backoff).
  attempts integer not null default 0 check (attempts >= 0),
  round_attempts integer not null default 0 check (round_attempts >= 0),
  next_attempt_at timestamptz,
  -- While delivering: the claim expires then, and another dispatcher may take it over.
  lease_until timestamptz,
  last_attempt_at timestamptz,
  last_status_code integer,
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  succeeded_at timestamptz,
  failed_at timestamptz,
  unique (endpoint_id, outbox_id),
  check (status <> 'pending' or next_attempt_at is not null),
  check (status <> 'delivering' or lease_until is not null)
);
-- Due work, for the dispatcher's claim.
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at)
  where status = 'pending';
create index webhook_deliveries_leased on webhook_deliveries (lease_until)
  where status = 'delivering';
-- In-order check: an earlier event of the same escrow still open for the same endpoint.
create index webhook_deliveries_open on webhook_deliveries (endpoint_id, escrow_id, seq)
  where status in ('pending', 'delivering');
-- Listings for a platform, newest first, optionally for one escrow.
create index webhook_deliveries_platform on webhook_deliveries (platform_id, position desc);
create index webhook_deliveries_platform_escrow
  on webhook_deliveries (platform_id, escrow_id, position desc);

create table webhook_delivery_attempts (
  delivery_id text not null references webhook_deliveries (id),
  attempt integer not null check (attempt > 0),
  started_at timestamptz not null,
  duration_ms integer,
  status_code integer,
  error text,
  -- The first bytes the endpoint answered, to help platforms debug their receiver.
  response_excerpt text,
  primary key (delivery_id, attempt)
);
