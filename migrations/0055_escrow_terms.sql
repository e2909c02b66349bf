-- What an escrow needs after its workflow has closed: a late payment or an ops flag starts a
-- new run of it, which picks up the terms and the payment link's date (VNPay refunds and
-- queries name the payment by it) from here. Rows written before this migration have neither:
-- the run then rebuilds the terms from the view.
alter table escrows add column terms jsonb;
alter table escrows add column payment_link jsonb;
