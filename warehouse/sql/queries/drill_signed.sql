-- The signed projects behind a figure (signed_drill: the filters' cohort narrowed to $kind,
-- $origin, $size and $undated); drill_signed_total.sql sums the same rows. A listing: its
-- order is queries.LISTINGS'.
select
    project_key,
    project_name,
    unit_name,
    chain,
    signed_date,
    signed_amount_wan,
    stage,
    start_date,
    funds_wan,
    investor,
    origin_province,
    size_band,
    responsible_unit,
    liaison_leader,
    project_code
from signed_drill($year, $month_from, $month_to, $units, $chains, $kind, $origin, $size, $undated)
