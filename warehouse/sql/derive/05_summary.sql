-- Facts every page asks for first, kept small so that a page does not scan a million
-- projects for them; recomputed in full at every write (a few milliseconds).

-- the data date: the latest period end of an active load, else the latest date in the data
create or replace table data_date as
select coalesce(
    (select max(period_end) from loads where status = 'active'),
    (select max(greatest(coalesce(signed_date, date '1900-01-01'), coalesce(start_date, date '1900-01-01'))) from projects)
) as as_of;

-- years with signed projects, the latest month of each and its project count (the
-- projects of v_signed_projects: signed, of a reporting unit the reference knows)
create or replace table signed_years as
select year(signed_date) as year, max(month(signed_date)) as latest_month, count(*) as projects
from projects
join ref_units using (unit_id)
where signed_date is not null
group by all;
