-- The six headline figures of the signed cohort selected by the filters.
-- Definitions: warehouse/metrics.py (shown in the UI as tooltips).
select
    count(*) as signed_projects,
    coalesce(sum(signed_amount_wan), 0) as signed_amount_wan,
    count(*) filter (where is_started) as started_projects,
    coalesce(sum(started_planned_wan), 0) as started_planned_wan,
    coalesce(sum(funds_wan), 0) as funds_wan,
    count(*) filter (where signed_amount_wan >= 10000) as projects_over_1yi
from signed_in($year, $month_from, $month_to, $units, $chains);
