-- Signed projects and amount (万元) by reporting unit, this period and the same months of the
-- previous year (same unit and chain filters); units with projects in either, in configured order.
with this_period as (
    select unit_id, unit_name, unit_order, count(*) as projects, coalesce(sum(signed_amount_wan), 0) as amount_wan
    from signed_in($year, $month_from, $month_to, $units, $chains)
    group by all
),

last_period as (
    select unit_id, unit_name, unit_order, count(*) as previous_projects, coalesce(sum(signed_amount_wan), 0) as previous_amount_wan
    from signed_in($year - 1, $month_from, $month_to, $units, $chains)
    group by all
)

select
    unit_id,
    unit_name,
    coalesce(projects, 0) as projects,
    coalesce(amount_wan, 0) as amount_wan,
    coalesce(previous_projects, 0) as previous_projects,
    coalesce(previous_amount_wan, 0) as previous_amount_wan
from this_period
full join last_period using (unit_id, unit_name, unit_order)
order by unit_order;
