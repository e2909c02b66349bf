-- The test harness's scratch table left the service schema: the tests create it themselves.
drop table if exists harness_pings;
delete from schema_migrations where name = '0001_harness.sql';
