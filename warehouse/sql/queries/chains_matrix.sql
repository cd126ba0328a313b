-- Reporting unit × chain cells of the selection (projects, amount) with the location
-- quotient LQ = (cell amount ÷ the unit's amount over all chains) ÷ (the city's amount in
-- the chain ÷ the city's amount), the city being every unit in the selected period.
with cells as (
    select
        unit_id,
        unit_name,
        unit_order,
        chain,
        count(*) as projects,
        coalesce(sum(signed_amount_wan), 0) as amount_wan
    from signed_in($year, $month_from, $month_to, $units, $chains)
    group by unit_id, unit_name, unit_order, chain
),

unit_totals as (
    select unit_id, sum(signed_amount_wan) as unit_amount_wan
    from signed_in($year, $month_from, $month_to, $units, [])
    group by unit_id
),

city_chains as (
    select
        chain,
        sum(signed_amount_wan) as chain_amount_wan,
        sum(sum(signed_amount_wan)) over () as city_amount_wan
    from signed_in($year, $month_from, $month_to, [], [])
    group by chain
)

select
    c.unit_id,
    c.unit_name,
    c.chain,
    c.projects,
    c.amount_wan,
    (c.amount_wan / nullif(u.unit_amount_wan, 0))
        / nullif(k.chain_amount_wan / nullif(k.city_amount_wan, 0), 0) as lq
from cells c
join unit_totals u using (unit_id)
join city_chains k using (chain)
left join ref_chains r using (chain)
order by c.unit_order, r.sort_order;
