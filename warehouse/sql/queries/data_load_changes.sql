-- What load $load_id changed against the state before it: new projects, changed fields
-- (old -> new), projects transferred to another unit, projects newly started, projects
-- missing from a cumulative ledger.
select
    c.change,
    c.project_name,
    u.name as unit_name,
    c.field,
    c.old_value,
    c.new_value,
    c.project_key
from load_changes c
left join ref_units u using (unit_id)
where c.load_id = $load_id
order by
    case c.change when 'transferred' then 0 when 'new' then 1 when 'started' then 2 when 'changed' then 3 else 4 end,
    u.sort_order, c.project_name, c.field;
