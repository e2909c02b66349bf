-- Idempotency keys (Stripe semantics): one row per (tenant, key). The first request claims the
-- row and holds it while in flight (locked_until in the future: a concurrent duplicate gets 409);
-- its response is stored and replayed to every later request with the same key and the same
-- request hash (a different hash gets 422). `seed` is the resource id chosen by the first attempt
-- (e.g. the escrow id), so a retry after a crash continues with the same resource instead of
-- creating another. Rows live at least 24 hours (expires_at); an expired key starts afresh.

create table idempotency_keys (
  tenant text not null,
  key text not null check (char_length(key) between 1 and 255),
  method text not null,
  path text not null,
  request_sha256 bytea not null check (octet_length(request_sha256) = 32),
  seed text,
  locked_until timestamptz,
  -- Which attempt holds the lock: only it may store the response or release the lock.
  lock_token uuid,
  response_status smallint check (response_status between 200 and 599),
  response_content_type text,
  response_body text,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  primary key (tenant, key),
  check ((response_status is null) = (response_body is null))
);

create index idempotency_keys_expiry on idempotency_keys (expires_at);
