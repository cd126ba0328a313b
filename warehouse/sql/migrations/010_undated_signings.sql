-- A signed ledger without a 签约时间 column (a yearly return) loads with the period its
-- title, sheet or file name states: the project's signed_date stays NULL and the end of
-- that period says which year it counts in; its month is unknown (月份不详).
-- projects_open_delta mirrors projects (008).
alter table projects add column signed_period_end date;
alter table projects_open_delta add column signed_period_end date;
