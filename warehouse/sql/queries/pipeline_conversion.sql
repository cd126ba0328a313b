-- The lead cohort of the period (leads entered in the selected months) and how far it got
-- by the data date: the counts behind the conversion rates, and where the others are now
-- (still in a library, or dropped) for the flow chart. Signed, started and producing count
-- only signed projects, so each step is a subset of the one before. previous_…: the rates'
-- counts for the same months of the year before (its cohort as of the same data date), in
-- the same pass.
with cohort as (
    select *, in_period(lead_on, $year, $month_from, $month_to) as this_period
    from pipeline_in($units, $chains)
    where in_period(lead_on, $year, $month_from, $month_to)
       or in_period(lead_on, $year - 1, $month_from, $month_to)
)

select
    count(*) filter (where this_period) as leads,
    count(*) filter (where this_period and reached_negotiation) as negotiated,
    count(*) filter (where this_period and reached_signed) as signed,
    count(*) filter (where this_period and reached_signed and reached_started) as started,
    count(*) filter (where this_period and reached_signed and reached_producing) as producing,
    count(*) filter (where this_period and library = 'lead') as still_lead,
    count(*) filter (where this_period and library = 'closed' and stage = 'lead') as dropped_as_lead,
    count(*) filter (where this_period and library = 'negotiating') as still_negotiating,
    count(*) filter (where this_period and library = 'closed' and stage = 'negotiating') as dropped_in_negotiation,
    coalesce(sum(intended_amount_wan) filter (where this_period), 0) as intended_wan,
    coalesce(sum(signed_amount_wan) filter (where this_period and reached_signed), 0) as signed_wan,
    count(*) filter (where not this_period) as previous_leads,
    count(*) filter (where not this_period and reached_negotiation) as previous_negotiated,
    count(*) filter (where not this_period and reached_signed) as previous_signed,
    count(*) filter (where not this_period and reached_signed and reached_started) as previous_started,
    count(*) filter (where not this_period and reached_signed and reached_producing) as previous_producing
from cohort;
