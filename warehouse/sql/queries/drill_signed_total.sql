-- The figures of the rows drill_signed.sql lists (the same signed_drill rows): how
-- many, their signed amount, how many started, funds in place (as headline.sql counts them).
select
    count(*) as projects,
    coalesce(sum(signed_amount_wan), 0) as signed_amount_wan,
    count(*) filter (where is_started) as started_projects,
    coalesce(sum(funds_wan), 0) as funds_wan
from signed_drill($year, $month_from, $month_to, $units, $chains, $kind, $origin, $size, $undated);
