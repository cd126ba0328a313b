-- The latest signings of the selected period, newest first ($limit rows): signing date,
-- reporting unit, chain, project name and signed amount (万元, null when not yet fixed).
select
    signed_date,
    unit_name,
    chain,
    project_name,
    signed_amount_wan
from signed_in($year, $month_from, $month_to, $units, $chains)
order by signed_date desc, signed_amount_wan desc nulls last, project_name
limit $limit;
