-- The monthly reporting cycle (报送): which unit reported which month, nil reports, closed
-- months, and the published period the figures stand at. Rows of a month that is not yet
-- published (row_keys.published = false) do not move projects; projects_open_delta holds
-- what those rows would make of the projects they touch, for an analyst who asks.

-- 本月无新增: a unit reports a month with nothing new, without a spreadsheet
create sequence nil_report_id_seq start 1;
create table nil_reports (
    nil_report_id integer primary key default nextval('nil_report_id_seq'),
    unit_id varchar not null,
    month date not null,              -- first day of the reported month
    filed_at timestamp not null,
    filed_by varchar not null,
    withdrawn_at timestamp,
    withdrawn_by varchar
);

-- an admin's 发布 (close) of a month with units missing, or its reopening; the latest counts
create table period_actions (
    month date not null,
    action varchar not null,          -- close | reopen
    acted_at timestamp not null,
    acted_by varchar not null,
    missing_units varchar[]           -- unit names missing when it was closed
);

-- derived at every write (sql/periods)
create table unit_reports (
    unit_id varchar not null,
    month date not null,
    reported_at timestamp not null,
    reported_by varchar not null,
    load_id integer,                  -- the first load that reported it; null for a nil report
    nil boolean not null
);

create table period_state (
    published_through date,           -- last day of the published month; null: none yet
    open_through date                 -- last day of the latest month anyone reported
);

alter table row_keys add column published boolean;

-- the same columns as projects: a migration that adds one to projects adds it here too
create table projects_open_delta as select * from projects limit 0;
