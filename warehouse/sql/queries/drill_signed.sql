-- The signed projects behind a figure: the filters' cohort (signed_in) narrowed to $kind
-- ('started', 'unstarted', 'over_1yi'; anything else: all), to an investor province and a
-- size band when given ('' for any) and, with $undated, to signings of unknown month.
-- drill_signed_total.sql sums the same rows. A listing: its order is queries.LISTINGS'.
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
from signed_in($year, $month_from, $month_to, $units, $chains)
where case $kind
        when 'started' then is_started
        when 'unstarted' then not is_started
        when 'over_1yi' then coalesce(signed_amount_wan >= 10000, false)
        else true
    end
  and ($origin = '' or origin_province = $origin)
  and ($size = '' or size_band = $size)
  and (not $undated or signed_date is null)
