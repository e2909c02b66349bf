-- ISO 4217 currencies the ledger accepts, with the exponent of their minor unit: an amount of
-- 12345 in a currency of exponent 2 means 123.45. Every ledger account references one.
create table currencies (
  code text primary key check (code ~ '^[A-Z]{3}$'),
  exponent smallint not null check (exponent between 0 and 4),
  name text not null
);

insert into currencies (code, exponent, name) values
  -- Vietnam and South-East Asia
  ('VND', 0, 'Vietnamese dong'),
  ('KHR', 2, 'Cambodian riel'),
  ('LAK', 2, 'Lao kip'),
  ('MMK', 2, 'Myanmar kyat'),
  ('THB', 2, 'Thai baht'),
  ('MYR', 2, 'Malaysian ringgit'),
  ('SGD', 2, 'Singapore dollar'),
  ('IDR', 2, 'Indonesian rupiah'),
  ('PHP', 2, 'Philippine peso'),
  ('BND', 2, 'Brunei dollar'),
  -- East and South Asia, Oceania
  ('CNY', 2, 'Chinese yuan'),
  ('HKD', 2, 'Hong Kong dollar'),
  ('MOP', 2, 'Macanese pataca'),
  ('TWD', 2, 'New Taiwan dollar'),
  ('JPY', 0, 'Japanese yen'),
  ('KRW', 0, 'South Korean won'),
  ('INR', 2, 'Indian rupee'),
  ('AUD', 2, 'Australian dollar'),
  ('NZD', 2, 'New Zealand dollar'),
  -- Cross-border settlement currencies
  ('USD', 2, 'US dollar'),
  ('EUR', 2, 'Euro'),
  ('GBP', 2, 'Pound sterling'),
  ('CHF', 2, 'Swiss franc'),
  ('CAD', 2, 'Canadian dollar'),
  ('AED', 2, 'UAE dirham'),
  ('SAR', 2, 'Saudi riyal'),
  -- Three-decimal currencies
  ('KWD', 3, 'Kuwaiti dinar'),
  ('BHD', 3, 'Bahraini dinar'),
  ('OMR', 3, 'Omani rial'),
  ('JOD', 3, 'Jordanian dinar'),
  ('TND', 3, 'Tunisian dinar'),
  -- Other zero-decimal currencies
  ('CLP', 0, 'Chilean peso'),
  ('ISK', 0, 'Icelandic krona'),
  ('UGX', 0, 'Ugandan shilling'),
  ('PYG', 0, 'Paraguayan guarani'),
  ('XAF', 0, 'Central African CFA franc'),
  ('XOF', 0, 'West African CFA franc');
