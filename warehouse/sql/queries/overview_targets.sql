-- The annual targets of the selected year for the selected scope: the city's ('全市') when no
-- unit is selected, else those of each selected unit (targets.csv names units by name).
-- One row per unit and metric (a METRICS key); unit_id is null for the city, whose
-- unit_order (-1) puts it first.
with scope as (
    select '全市' as unit, null::varchar as unit_id, -1 as sort_order
    where len($units::varchar[]) = 0
    union all
    select name, unit_id, sort_order
    from ref_units
    where list_contains($units::varchar[], unit_id)
)

select s.unit, s.unit_id, s.sort_order as unit_order, t.metric, t.target
from ref_targets t
join scope s using (unit)
where t.year = $year
order by s.sort_order, t.metric;
