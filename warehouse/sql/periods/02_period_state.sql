-- The published period: the latest month that is complete (every expected unit reported it)
-- or that an admin closed (发布) and has not reopened. Months up to it count in the figures;
-- rows of later months wait. Expected units: those of temp table expected_units, or, when
-- $reported_before, every unit that has reported any month up to M.
create or replace table period_months as
with months as (
    select distinct month from unit_reports
    union
    select distinct month from period_actions
),

expected as (
    select m.month, e.unit_id
    from months m, expected_units e
    where not $reported_before
    union
    select m.month, r.unit_id
    from months m
    join unit_reports r on r.month <= m.month
    where $reported_before
),

last_action as (
    select month, arg_max(action, acted_at) as action
    from period_actions
    group by month
),

expected_status as (
    select e.month, e.unit_id, u.name, u.sort_order, r.unit_id is not null as reported
    from expected e
    join ref_units u using (unit_id)
    left join unit_reports r on r.month = e.month and r.unit_id = e.unit_id
)

select
    m.month,
    count(s.unit_id) as expected,
    count(s.unit_id) filter (where s.reported) as reported,
    coalesce(list(s.name order by s.sort_order) filter (where not s.reported), []) as missing_units,
    coalesce(any_value(a.action) = 'close', false) as closed
from months m
left join expected_status s using (month)
left join last_action a on a.month = m.month
group by m.month;

create or replace table period_state as
select
    (select last_day(max(month)) from period_months where closed or (expected > 0 and reported = expected))
        as published_through,
    (select last_day(max(month)) from period_months where reported > 0) as open_through;
