-- Facts every page asks for first, kept small so that a page does not scan a million
-- projects for them; recomputed in full at every write (a few milliseconds). Each has an
-- _open twin: the same fact with the months not yet published (sql/periods) counted.

-- the data date: the latest period end of an active load in the published period, else the
-- latest date in the data
create or replace table data_date as
select coalesce(
    (select max(period_end) from loads
     where status = 'active' and source = 'file' and period_end <= (select published_through from period_state)),
    (select max(greatest(coalesce(signed_date, date '1900-01-01'), coalesce(start_date, date '1900-01-01'))) from projects)
) as as_of;

create or replace table data_date_open as
select coalesce(
    -- an entry's month (/entry) is not a ledger's: it moves no data date
    (select max(period_end) from loads where status = 'active' and source = 'file'),
    (select as_of from data_date)
) as as_of;

-- years with signed projects, the latest month of each and its project count (the
-- projects of v_signed_projects: signed, of a reporting unit the reference knows); open_:
-- the months not yet published counted too
create or replace temp macro signed_years_of(open_) as table
select
    year(coalesce(signed_date, signed_period_end)) as year,
    -- the default months of a year reach the end of an undated ledger's period, or its
    -- projects would be left out of the year's first view
    greatest(max(month(signed_date)), max(month(signed_period_end))) as latest_month,
    count(*) as projects
from (
    select unit_id, signed_date, signed_period_end from projects where not open_
    union all
    select unit_id, signed_date, signed_period_end from projects_loaded where open_
)
join ref_units using (unit_id)
where signed_date is not null or signed_period_end is not null
group by all;

create or replace table signed_years as
from signed_years_of(false);

create or replace table signed_years_open as
from signed_years_of(true);
