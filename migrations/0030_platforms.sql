-- Platforms: the API's tenants. A platform authenticates with an API key that is shown once at
-- creation and kept here only as its SHA-256 digest (the key carries 256 random bits, so a fast
-- hash is enough; the key names its platform, so the digest is compared in constant time in the
-- API instead of being looked up).

create table platforms (
  id text primary key check (id ~ '^plt_[a-z0-9]{20}$'),
  name text not null check (char_length(name) between 1 and 200),
  api_key_sha256 bytea not null check (octet_length(api_key_sha256) = 32),
  -- Per-platform default timer windows in milliseconds, keyed by timer name; an escrow's own
  -- windows override them, the engine's defaults fill the rest.
  default_windows jsonb not null default '{}' check (jsonb_typeof(default_windows) = 'object'),
  created_at timestamptz not null default now()
);
