-- Signed amount (万元) by month, and its running total, for the selected year and the year
-- before over the same months, units and chains; months of the selected year after the
-- data date are left out so the line stops where the data stops. A signing of unknown month
-- (月份不详) is added at the last month of its ledger's period, so the line ends at the total.
with both_years as (
    select signed_year, coalesce(signed_month, month(signed_period_end)) as signed_month, signed_amount_wan
    from signed_in($year, $month_from, $month_to, $units, $chains)
    union all
    select signed_year, coalesce(signed_month, month(signed_period_end)) as signed_month, signed_amount_wan
    from signed_in($year - 1, $month_from, $month_to, $units, $chains)
),

monthly as (
    select signed_year as year, signed_month as month, coalesce(sum(signed_amount_wan), 0) as amount_wan
    from both_years
    group by all
),

grid as (
    select y.year, m.month
    from (select unnest([$year - 1, $year]) as year) y
    cross join (select unnest(range($month_from, $month_to + 1)) as month) m
    where make_date(y.year, m.month, 1) <= (select as_of from v_as_of)
)

select
    g.year,
    g.month,
    coalesce(m.amount_wan, 0) as amount_wan,
    sum(coalesce(m.amount_wan, 0)) over (partition by g.year order by g.month) as cumulative_wan
from grid g
left join monthly m using (year, month)
order by g.year, g.month;
