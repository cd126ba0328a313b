-- 签约项目开工率 of the selected signed cohort per reporting unit: signed and started
-- project counts and their ratio, highest rate first.
with cohort as (
    select *
    from signed_in($year, $month_from, $month_to, $units, $chains)
),

per_unit as (
    select
        unit_id,
        unit_name,
        unit_order,
        count(*) as signed_projects,
        count(*) filter (where is_started) as started_projects
    from cohort
    group by unit_id, unit_name, unit_order
)

select
    unit_id,
    unit_name,
    signed_projects,
    started_projects,
    started_projects / signed_projects as start_rate
from per_unit
order by start_rate desc, signed_projects desc, unit_order;
