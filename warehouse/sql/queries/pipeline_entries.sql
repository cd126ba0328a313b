-- Entries into each stage in the selected year and months (by the stage's date), under the
-- unit and chain filters: new leads, negotiations, signings, starts and productions; and
-- the same for the same months of the year before (previous_…), in the same pass.
select
    count(*) filter (where in_period(lead_on, $year, $month_from, $month_to)) as new_leads,
    count(*) filter (where in_period(negotiation_on, $year, $month_from, $month_to)) as new_negotiations,
    count(*) filter (where reached_signed and in_period(signed_date, $year, $month_from, $month_to)) as new_signed,
    count(*) filter (where reached_started and in_period(start_date, $year, $month_from, $month_to)) as new_started,
    count(*) filter (where reached_producing and in_period(production_date, $year, $month_from, $month_to)) as new_producing,
    count(*) filter (where in_period(lead_on, $year - 1, $month_from, $month_to)) as previous_new_leads,
    count(*) filter (where in_period(negotiation_on, $year - 1, $month_from, $month_to)) as previous_new_negotiations,
    count(*) filter (where reached_signed and in_period(signed_date, $year - 1, $month_from, $month_to)) as previous_new_signed,
    count(*) filter (where reached_started and in_period(start_date, $year - 1, $month_from, $month_to)) as previous_new_started,
    count(*) filter (where reached_producing and in_period(production_date, $year - 1, $month_from, $month_to)) as previous_new_producing
from pipeline_in($units, $chains);
