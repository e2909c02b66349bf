-- A platform's API keys: up to two at once (rotation without downtime), each stored as the
-- SHA-256 of the key (256 random bits: a fast hash suffices) with a short prefix to tell them
-- apart. Authentication reads this table; platforms.api_key_sha256 keeps only the first key's
-- digest until that key is revoked (then null), for nothing but history.

create table platform_api_keys (
  id text primary key check (id ~ '^key_[a-z0-9]{20}$'),
  platform_id text not null references platforms (id),
  sha256 bytea not null unique check (octet_length(sha256) = 32),
  -- What lists show: `sk_<platform id>.` and the key's first characters (none for the keys made
  -- before this table, whose text was never kept).
  prefix text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index platform_api_keys_active on platform_api_keys (platform_id, created_at)
  where revoked_at is null;

-- Every existing platform's key becomes its first key: id `key_` + the platform id's suffix.
insert into platform_api_keys (id, platform_id, sha256, prefix, created_at)
select 'key_' || substr(id, 5), id, api_key_sha256, 'sk_' || id || '.', created_at
  from platforms;

alter table platforms alter column api_key_sha256 drop not null;
