-- Who has reported which month. A unit reports month M with a ledger whose rows of that unit
-- end their period in M (a cumulative 1-M月 sheet reports M, and each sheet of a workbook its
-- own month), or with a nil report (本月无新增). Silence is not a report, nor is an entry made
-- on /entry (loads.source 'entry'): one lead entered says nothing of the unit's month.
create or replace table unit_reports as
with ledger_reports as (
    select
        r.unit_id,
        date_trunc('month', r.period_end)::date as month,
        l.loaded_at as reported_at,
        l.loaded_by as reported_by,
        l.load_id,
        false as nil
    from ledger_rows r
    join loads l using (load_id)
    where l.status = 'active'
      and l.source = 'file'
      and r.period_end is not null
      and r.unit_id is not null
    group by all
),

nil_reports_filed as (
    select unit_id, month, filed_at as reported_at, filed_by as reported_by, null::integer as load_id, true as nil
    from nil_reports
    where withdrawn_at is null
)

select unit_id, month, reported_at, reported_by, load_id, nil
from (select * from ledger_reports union all select * from nil_reports_filed)
-- the first report of a unit for a month is the one that counts for lateness
qualify row_number() over (partition by unit_id, month order by reported_at, load_id nulls last) = 1;
