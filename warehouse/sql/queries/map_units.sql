-- Figures of the filters' signed cohort per territory, one row per county (kind 'county':
-- its development zones rolled up into it, as the map colours it) and per development zone
-- (kind 'zone': its own figures, drawn as a point). Units the unit filter leaves out have
-- selected = false and zero figures. target_wan / targeted_amount_wan: the annual signed-amount
-- targets of the selected units that have one, and those units' signed amount.
with signed as (
    select
        unit_id,
        count(*) as signed_projects,
        coalesce(sum(signed_amount_wan), 0) as signed_amount_wan,
        count(*) filter (where is_started) as started_projects,
        sum(funds_wan) as funds_wan
    from signed_in($year, $month_from, $month_to, $units, $chains)
    group by unit_id
),

amount_targets as (
    select u.unit_id, t.target * 10000 as target_wan
    from ref_targets t
    join ref_units u on u.name = t.unit
    where t.year = $year and t.metric = 'signed_amount_yi'
),

per_unit as (
    select
        u.unit_id,
        u.name,
        u.kind,
        u.adcode,
        u.host_adcode,
        u.lon,
        u.lat,
        u.sort_order,
        len($units) = 0 or list_contains($units::varchar[], u.unit_id) as selected,
        coalesce(s.signed_projects, 0) as signed_projects,
        coalesce(s.signed_amount_wan, 0) as signed_amount_wan,
        coalesce(s.started_projects, 0) as started_projects,
        coalesce(s.funds_wan, 0) as funds_wan,
        t.target_wan
    from ref_units u
    left join signed s using (unit_id)
    left join amount_targets t using (unit_id)
),

with_targets as (
    select
        * replace (case when selected then target_wan end as target_wan),
        case when selected and target_wan is not null then signed_amount_wan end as targeted_amount_wan
    from per_unit
),

counties as (
    select
        c.unit_id,
        any_value(c.name) as name,
        'county' as kind,
        any_value(c.adcode) as host_adcode,
        any_value(c.sort_order) as sort_order,
        bool_or(w.selected) as selected,
        sum(w.signed_projects)::bigint as signed_projects,
        sum(w.signed_amount_wan) as signed_amount_wan,
        sum(w.started_projects)::bigint as started_projects,
        sum(w.funds_wan) as funds_wan,
        sum(w.target_wan) as target_wan,
        sum(w.targeted_amount_wan) as targeted_amount_wan
    from ref_units c
    join with_targets w on w.host_adcode = c.adcode
    where c.kind = 'county'
    group by c.unit_id
),

zones as (
    select unit_id, name, kind, host_adcode, lon, lat, sort_order, selected, signed_projects,
        signed_amount_wan, started_projects, funds_wan, target_wan, targeted_amount_wan
    from with_targets
    where kind = 'zone'
)

select * exclude (sort_order)
from (select * from counties union all by name select * from zones)
order by kind, sort_order;
