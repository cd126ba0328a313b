-- Identity of the affected rows: the project code where any row of the same unit and
-- name gives one, else unit + normalised name. seq orders occurrences so that a later
-- ledger (data date, then load, sheet, row) updates: one sortable number per row.
-- published: the row's period is published (sql/periods); a row of a later month waits, but
-- not an entry made on /entry: the centre's own record of a lead counts when it is made.
delete from row_keys
where name_key in (select name_key from affected_names);

insert into row_keys
with active_rows as (
    select r.load_id, r.sheet, r.sheet_index, r.excel_row, r.period_end, r.name_key, r.project_code,
        l.source = 'entry' as entered
    from ledger_rows r
    join loads l using (load_id)
    where l.status = 'active'
      and r.name_key in (select name_key from affected_names)
),

code_by_name as (
    select name_key, min(project_code) as project_code
    from active_rows
    where project_code is not null
    group by name_key
)

select
    a.load_id,
    a.sheet,
    a.excel_row,
    a.name_key,
    coalesce('code:' || coalesce(a.project_code, c.project_code), 'name:' || a.name_key) as project_key,
    -- days since 2000 (16 bits) | load (16) | sheet (8) | Excel row (20)
    (coalesce(date_diff('day', date '2000-01-01', a.period_end), 0)::bigint << 44)
        | (a.load_id::bigint << 28) | (least(a.sheet_index, 255)::bigint << 20) | a.excel_row
        as seq,
    a.entered or a.period_end is null or coalesce(a.period_end <= (select published_through from period_state), false) as published
from active_rows a
left join code_by_name c using (name_key);

insert into affected_keys
select distinct project_key
from row_keys
where name_key in (select name_key from affected_names)
  and project_key not in (select project_key from affected_keys);
