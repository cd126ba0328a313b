-- The ten largest signed projects of the selected period by signed amount.
select
    project_name,
    unit_name,
    chain,
    investor,
    signed_date,
    signed_amount_wan,
    is_started,
    project_key
from signed_in($year, $month_from, $month_to, $units, $chains)
where signed_amount_wan is not null
order by signed_amount_wan desc, signed_date, project_name, project_key
limit 10;
