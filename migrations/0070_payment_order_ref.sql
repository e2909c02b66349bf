-- The order reference of rails whose callbacks name their own instead of the escrow id
-- (payOS's orderCode, derived from the id): a callback finds its escrow by it. Written by the
-- payment-link activity before the link is made. Unique: two escrow ids hashing to one
-- orderCode would share a payOS link, so the second escrow's link is refused instead.
alter table escrows add column order_ref text unique;
