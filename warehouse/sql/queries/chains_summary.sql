-- Signed projects per industrial chain: count, amount, and share of the signed amount of
-- the selected period and units over all chains (the chain filter does not shrink it).
with cohort as (
    select *
    from signed_in($year, $month_from, $month_to, $units, $chains)
),

total as (
    select sum(signed_amount_wan) as amount_wan
    from signed_in($year, $month_from, $month_to, $units, [])
),

per_chain as (
    select
        chain,
        count(*) as projects,
        coalesce(sum(signed_amount_wan), 0) as amount_wan
    from cohort
    group by chain
)

select
    p.chain,
    p.projects,
    p.amount_wan,
    p.amount_wan / nullif(t.amount_wan, 0) as share
from per_chain p
cross join total t
left join ref_chains r using (chain)
order by p.amount_wan desc, r.sort_order;
