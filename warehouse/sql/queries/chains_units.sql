-- Per reporting unit, over all chains: signed projects and amount, chains signed in, the
-- largest chain and its share, and HHI = Σ (chain amount ÷ unit amount)² on a 0–1 scale.
with cells as (
    select
        unit_id,
        unit_name,
        unit_order,
        chain,
        count(*) as projects,
        coalesce(sum(signed_amount_wan), 0) as amount_wan
    from signed_in($year, $month_from, $month_to, $units, [])
    group by unit_id, unit_name, unit_order, chain
),

shares as (
    select *, amount_wan / nullif(sum(amount_wan) over (partition by unit_id), 0) as share
    from cells
)

select
    unit_id,
    unit_name,
    sum(projects) as projects,
    sum(amount_wan) as amount_wan,
    count(*) filter (where amount_wan > 0) as chains,
    arg_max(chain, amount_wan) as top_chain,
    max(share) as top_share,
    sum(share * share) as hhi
from shares
group by unit_id, unit_name, unit_order
order by hhi desc nulls last, unit_order;
