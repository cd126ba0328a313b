-- The name keys a write may have changed: those of the rows of the changed loads
-- (temp table changed_loads), and every name sharing a project code with them.
-- $full re-derives everything. Also keeps the affected projects as they were
-- (projects_before) for the load's change record.
create or replace temp table affected_names as
with touched as (
    select name_key, project_code
    from ledger_rows
    where $full or load_id in (select load_id from changed_loads)
)

select name_key from touched
union
select name_key
from ledger_rows
where project_code in (select project_code from touched where project_code is not null);

create or replace temp table affected_keys as
select distinct project_key
from row_keys
where $full or name_key in (select name_key from affected_names);

create or replace temp table projects_before as
select *
from projects
where project_key in (select project_key from affected_keys);
