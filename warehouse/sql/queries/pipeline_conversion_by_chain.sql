-- The period's lead cohort per chain: leads and how many reached negotiation, signing,
-- start and production, with the step rates; chains in their configured order.
with cohort as (
    select c.*, r.sort_order as chain_order
    from leads_in($year, $month_from, $month_to, $units, $chains) c
    left join ref_chains r using (chain)
),

counted as (
    select
        chain,
        chain_order,
        count(*) as leads,
        count(*) filter (where reached_negotiation) as negotiated,
        count(*) filter (where reached_signed) as signed,
        count(*) filter (where reached_signed and reached_started) as started,
        count(*) filter (where reached_signed and reached_producing) as producing
    from cohort
    group by chain, chain_order
)

select
    chain,
    leads,
    negotiated,
    signed,
    started,
    producing,
    negotiated / leads as lead_to_negotiation_rate,
    signed / nullif(negotiated, 0) as negotiation_to_signed_rate,
    signed / leads as lead_to_signed_rate,
    started / nullif(signed, 0) as signed_to_started_rate,
    producing / nullif(started, 0) as started_to_producing_rate
from counted
order by chain_order nulls last, chain;
