-- Webhook endpoints a platform manages: an event-type filter, secret rotation with an overlap
-- (deliveries carry a signature with each secret until previous_secret_until), and deletion
-- (kept, disabled and hidden, because deliveries reference the endpoint).

alter table webhook_endpoints
  -- null: every event type; otherwise only these (`escrow.shipped`, …).
  add column event_types text[],
  add column previous_secret text check (previous_secret like 'whsec\_%'),
  add column previous_secret_until timestamptz,
  add column deleted_at timestamptz,
  add column updated_at timestamptz not null default now(),
  add check (deleted_at is null or not enabled),
  add check ((previous_secret is null) = (previous_secret_until is null));
