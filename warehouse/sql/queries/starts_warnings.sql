-- 开工预警: signed projects not started after $yellow_days (黄) or $red_days (红) days,
-- counted from signing to the data date. Scope: projects signed in the selected year and
-- months, plus, when $include_earlier, those signed in earlier years still not started.
-- A listing: its order (longest waiting first) is warehouse.queries.LISTINGS.
with as_of as (
    select as_of
    from v_as_of
),

in_period as (
    select *
    from signed_in($year, $month_from, $month_to, $units, $chains)
),

-- the same unit and chain filters as signed_in, over every earlier year
earlier as (
    select *
    from v_signed_projects
    where $include_earlier
      and signed_year < $year
      and (len($units) = 0 or list_contains($units::varchar[], unit_id))
      and (len($chains) = 0 or list_contains($chains::varchar[], chain))
),

not_started as (
    select * from in_period where not is_started
    union all by name
    select * from earlier where not is_started
),

waiting as (
    -- an undated signing (a yearly return) waits at least since its period's end: counted
    -- from there it is warned about late, never early
    select n.*, date_diff('day', coalesce(n.signed_date, n.signed_period_end), a.as_of) as days_waiting
    from not_started n
    cross join as_of a
)

select
    case when days_waiting >= $red_days then '红' else '黄' end as level,
    unit_name,
    project_name,
    chain,
    responsible_unit,
    liaison_leader,
    signed_date,
    signed_amount_wan,
    days_waiting,
    project_key,
    unit_order
from waiting
where days_waiting >= least($yellow_days, $red_days)
