-- Each month anyone reported or an admin acted on: expected and reported units, those still
-- missing, whether it is published (complete or closed by an admin; a later month being
-- published publishes it too) and who closed or reopened it last.
with last_action as (
    select month, arg_max(action, acted_at) as action, max(acted_at) as acted_at,
           arg_max(acted_by, acted_at) as acted_by
    from period_actions
    group by month
)

select
    m.month,
    m.expected,
    m.reported,
    m.missing_units,
    m.closed,
    m.month <= (select published_through from period_state) as published,
    a.action as last_action,
    a.acted_at,
    a.acted_by
from period_months m
left join last_action a using (month)
order by m.month;
