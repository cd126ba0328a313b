-- The lead cohort of the period (leads entered in the selected months) and how far it got
-- by the data date: the counts behind the conversion rates, and where the others are now
-- (still in a library, or dropped) for the flow chart. Signed, started and producing count
-- only signed projects, so each step is a subset of the one before.
with cohort as (
    select *
    from leads_in($year, $month_from, $month_to, $units, $chains)
)

select
    count(*) as leads,
    count(*) filter (where reached_negotiation) as negotiated,
    count(*) filter (where reached_signed) as signed,
    count(*) filter (where reached_signed and reached_started) as started,
    count(*) filter (where reached_signed and reached_producing) as producing,
    count(*) filter (where library = 'lead') as still_lead,
    count(*) filter (where library = 'closed' and stage = 'lead') as dropped_as_lead,
    count(*) filter (where library = 'negotiating') as still_negotiating,
    count(*) filter (where library = 'closed' and stage = 'negotiating') as dropped_in_negotiation,
    coalesce(sum(intended_amount_wan), 0) as intended_wan,
    coalesce(sum(signed_amount_wan) filter (where reached_signed), 0) as signed_wan
from cohort;
