-- Signed projects and amount (万元) by industrial chain, this period and the same months of
-- the previous year (same unit and chain filters); chains with projects in either, in configured order.
with this_period as (
    select chain, count(*) as projects, coalesce(sum(signed_amount_wan), 0) as amount_wan
    from signed_in($year, $month_from, $month_to, $units, $chains)
    group by all
),

last_period as (
    select chain, count(*) as previous_projects, coalesce(sum(signed_amount_wan), 0) as previous_amount_wan
    from signed_in($year - 1, $month_from, $month_to, $units, $chains)
    group by all
)

select
    chain,
    coalesce(projects, 0) as projects,
    coalesce(amount_wan, 0) as amount_wan,
    coalesce(previous_projects, 0) as previous_projects,
    coalesce(previous_amount_wan, 0) as previous_amount_wan
from this_period
full join last_period using (chain)
left join ref_chains using (chain)
order by sort_order nulls last, chain;
