-- Signed projects and amount (万元) by the investor's home province (where the money comes
-- from; '未知' when the ledger gives none), this period and the same months of the previous year.
with this_period as (
    select origin_province, count(*) as projects, coalesce(sum(signed_amount_wan), 0) as amount_wan
    from signed_in($year, $month_from, $month_to, $units, $chains)
    group by all
),

last_period as (
    select origin_province, count(*) as previous_projects, coalesce(sum(signed_amount_wan), 0) as previous_amount_wan
    from signed_in($year - 1, $month_from, $month_to, $units, $chains)
    group by all
)

select
    origin_province,
    coalesce(projects, 0) as projects,
    coalesce(amount_wan, 0) as amount_wan,
    coalesce(previous_projects, 0) as previous_projects,
    coalesce(previous_amount_wan, 0) as previous_amount_wan
from this_period
full join last_period using (origin_province)
order by amount_wan desc, projects desc, origin_province;
