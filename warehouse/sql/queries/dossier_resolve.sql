-- The project a dossier link's $id names now, and whether its published state has it (else
-- only a month not yet published holds it). An id is a project_key; a project first known by
-- its unit and name ('name:…') keeps its old links when a later ledger gives it a code.
with wanted as (
    select $id as project_key, 0 as preference
    union all
    select distinct project_key, 1 as preference
    from row_keys
    -- a plain comparison of the stored column: DuckDB prunes row groups by it
    where starts_with($id, 'name:') and name_key = substr($id, 6)
)

select
    w.project_key,
    w.project_key in (select project_key from projects) as published
from wanted w
where w.project_key in (select project_key from projects_loaded)
order by w.preference
limit 1;
