-- Entries into each stage in the selected year and months (by the stage's date), under the
-- unit and chain filters: new leads, negotiations, signings, starts and productions.
select
    count(*) filter (where in_period(lead_on, $year, $month_from, $month_to)) as new_leads,
    count(*) filter (where in_period(negotiation_on, $year, $month_from, $month_to)) as new_negotiations,
    count(*) filter (where reached_signed and in_period(signed_date, $year, $month_from, $month_to)) as new_signed,
    count(*) filter (where reached_started and in_period(start_date, $year, $month_from, $month_to)) as new_started,
    count(*) filter (where reached_producing and in_period(production_date, $year, $month_from, $month_to)) as new_producing
from pipeline_in($units, $chains);
