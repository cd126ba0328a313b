-- The signed → started → in production funnel of the selected cohort, how many of its
-- projects have a reported production status, and days from signing to start.
with cohort as (
    select *
    from signed_in($year, $month_from, $month_to, $units, $chains)
)

select
    count(*) as signed_projects,
    count(*) filter (where is_started) as started_projects,
    -- a producing project that no ledger marks as started still counts once, as started
    count(*) filter (where is_started and is_produced) as produced_projects,
    count(*) filter (where production_reported) as production_reported,
    count(days_to_start) as started_with_date,
    round(median(days_to_start)) as median_days_to_start
from cohort;
