-- The rails a platform takes payments through with its own merchant accounts, in order of
-- preference (the first is its default). A platform with no rows uses the deployment's
-- PAYMENT_RAILS and credentials. credentials is AES-256-GCM ciphertext (infra/secret-box.ts)
-- whose associated data is the platform id and rail; key_id names the key that sealed it.
create table platform_rails (
  platform_id text not null references platforms (id),
  rail text not null check (rail in ('vnpay', 'momo', 'zalopay', 'payos')),
  position integer not null check (position >= 0),
  credentials bytea not null,
  key_id text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (platform_id, rail)
);
