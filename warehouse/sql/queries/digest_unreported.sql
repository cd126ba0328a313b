-- 每日项目动态: who has still to report $month. Once a unit reported it, period_months
-- names the missing ones (none when the month is published); before anyone did, every unit
-- that reported an earlier month is expected.
with known as (
    select
        expected,
        reported,
        closed or (expected > 0 and reported = expected) as published,
        missing_units
    from period_months
    where month = $month
),

earlier as (
    select coalesce(list(u.name order by u.sort_order), []) as names
    from ref_units u
    where u.unit_id in (select unit_id from unit_reports where month < $month)
)

select expected, reported, published, missing_units
from known
union all
select len(names), 0, false, names
from earlier
where not exists (select 1 from known);
