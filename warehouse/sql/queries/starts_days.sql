-- Days from signing to start of the cohort's started projects (those with a start date):
-- project counts per bin of $bin_days days, empty bins included so the histogram has no gaps.
with started as (
    select days_to_start
    from signed_in($year, $month_from, $month_to, $units, $chains)
    where days_to_start is not null
),

binned as (
    select floor(days_to_start / $bin_days)::integer as bin, count(*) as projects
    from started
    group by bin
),

bins as (
    select unnest(range(min(bin), max(bin) + 1)) as bin
    from binned
)

select
    b.bin * $bin_days as days_from,
    b.bin * $bin_days + $bin_days - 1 as days_to,
    coalesce(n.projects, 0) as projects
from bins b
left join binned n using (bin)
order by b.bin;
