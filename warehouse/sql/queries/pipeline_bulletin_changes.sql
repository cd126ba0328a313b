-- Bulletin $number against the bulletin before it, one row per warning: new, persisting or
-- resolved, under the unit and chain filters; by unit, then change, red first, longest first.
select
    c.change,
    c.level,
    c.previous_level,
    c.stage,
    stage_label(c.stage) as stage_label,
    c.unit_id,
    u.name as unit_name,
    c.project_name,
    c.chain,
    c.since,
    c.days,
    c.previous_days,
    c.responsible_unit,
    c.liaison_leader,
    c.project_key
from v_bulletin_changes c
join ref_units u using (unit_id)
where c.number = $number
  and (len($units) = 0 or list_contains($units::varchar[], c.unit_id))
  and (len($chains) = 0 or list_contains($chains::varchar[], c.chain))
order by
    u.sort_order,
    list_position(['new', 'persisting', 'resolved'], c.change),
    c.level = 'red' desc,
    coalesce(c.days, c.previous_days) desc,
    c.project_name;
