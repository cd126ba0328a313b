-- What each load changed about project $project_key (load_changes), oldest load first; also
-- the changes recorded under its name key before a ledger gave it a project code.
with keys as (
    select $project_key as project_key
    union
    select 'name:' || name_key
    from row_keys
    where project_key = $project_key
)

select
    c.load_id,
    l.loaded_at,
    l.file_name,
    l.status as load_status,
    c.change,
    c.field,
    c.old_value,
    c.new_value,
    u.name as unit_name
from load_changes c
join loads l using (load_id)
left join ref_units u using (unit_id)
where c.project_key in (select project_key from keys)
order by
    c.load_id,
    case c.change when 'transferred' then 0 when 'new' then 1 when 'started' then 2 when 'changed' then 3 else 4 end,
    c.field;
