-- The period's lead cohort per month of entry: leads and how many reached negotiation,
-- signing, start and production by the data date, with the step rates. Later months have
-- had less time to convert: read the rates with the data date.
with cohort as (
    select *, month(lead_on) as month
    from leads_in($year, $month_from, $month_to, $units, $chains)
),

counted as (
    select
        month,
        count(*) as leads,
        count(*) filter (where reached_negotiation) as negotiated,
        count(*) filter (where reached_signed) as signed,
        count(*) filter (where reached_signed and reached_started) as started,
        count(*) filter (where reached_signed and reached_producing) as producing
    from cohort
    group by month
)

select
    month,
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
order by month;
