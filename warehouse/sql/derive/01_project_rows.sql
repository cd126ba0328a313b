-- Every row of an active load, with the project it belongs to and its place in time.
-- Identity: the project code where any row gives one, else reporting unit + normalised
-- name. A row without a code joins the coded project of the same unit and name.
create or replace table project_rows as
with active_rows as (
    select r.*
    from ledger_rows r
    join loads l using (load_id)
    where l.status = 'active'
),

code_by_name as (
    select name_key, min(project_code) as project_code
    from active_rows
    where project_code is not null
    group by name_key
),

keyed as (
    select
        coalesce(
            'code:' || coalesce(a.project_code, c.project_code),
            'name:' || a.name_key
        ) as project_key,
        a.*
    from active_rows a
    left join code_by_name c using (name_key)
)

-- seq orders occurrences: a later ledger (data date, then load, sheet, row) updates
select
    row_number() over (
        order by period_end nulls first, load_id, sheet_index, excel_row
    ) as seq,
    *
from keyed;
