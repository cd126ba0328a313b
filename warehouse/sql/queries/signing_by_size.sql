-- Signed projects and amount (万元) by size band (v_signed_projects.size_band; '金额待定' when
-- the amount is unknown), this period and the same months of the previous year. The page
-- orders the bands (warehouse.metrics.SIZE_BANDS).
with this_period as (
    select size_band, count(*) as projects, coalesce(sum(signed_amount_wan), 0) as amount_wan
    from signed_in($year, $month_from, $month_to, $units, $chains)
    group by all
),

last_period as (
    select size_band, count(*) as previous_projects, coalesce(sum(signed_amount_wan), 0) as previous_amount_wan
    from signed_in($year - 1, $month_from, $month_to, $units, $chains)
    group by all
)

select
    size_band,
    coalesce(projects, 0) as projects,
    coalesce(amount_wan, 0) as amount_wan,
    coalesce(previous_projects, 0) as previous_projects,
    coalesce(previous_amount_wan, 0) as previous_amount_wan
from this_period
full join last_period using (size_band);
