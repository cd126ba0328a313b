-- The figures of the rows drill_signed.sql lists (same parameters, same conditions): how
-- many, their signed amount, how many started, funds in place (as headline.sql counts them).
select
    count(*) as projects,
    coalesce(sum(signed_amount_wan), 0) as signed_amount_wan,
    count(*) filter (where is_started) as started_projects,
    coalesce(sum(funds_wan), 0) as funds_wan
from signed_in($year, $month_from, $month_to, $units, $chains)
where case $kind
        when 'started' then is_started
        when 'unstarted' then not is_started
        when 'over_1yi' then coalesce(signed_amount_wan >= 10000, false)
        else true
    end
  and ($origin = '' or origin_province = $origin)
  and ($size = '' or size_band = $size)
  and (not $undated or signed_date is null);
