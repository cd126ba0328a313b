-- Signed projects and amount (万元) in each month of the selected period, with running
-- totals; months after the data date are left out. Undated signings (a yearly return
-- without 签约时间) come last, month NULL (月份不详), so the running total ends at the
-- period's total.
with monthly as (
    select signed_month as month, count(*) as projects, coalesce(sum(signed_amount_wan), 0) as amount_wan
    from signed_in($year, $month_from, $month_to, $units, $chains)
    group by all
),

grid as (
    select unnest(range($month_from, $month_to + 1)) as month
),

filled as (
    select g.month, coalesce(m.projects, 0) as projects, coalesce(m.amount_wan, 0) as amount_wan
    from grid g
    left join monthly m using (month)
    where make_date($year, g.month, 1) <= (select as_of from v_as_of)
    union all
    select month, projects, amount_wan
    from monthly
    where month is null
)

select
    month,
    projects,
    amount_wan,
    sum(projects) over (order by month nulls last) as cumulative_projects,
    sum(amount_wan) over (order by month nulls last) as cumulative_wan
from filled
order by month nulls last;
