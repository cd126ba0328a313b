-- The libraries now: projects and amount (万元) in each, in lifecycle order, dropped leads
-- and negotiations last. A state, not a period: only the unit and chain filters apply.
with libraries as (
    select *
    from (values
        ('lead', 1), ('negotiating', 2), ('signed', 3), ('started', 4), ('producing', 5), ('closed', 6)
    ) as t(library, position)
),

counted as (
    select
        library,
        count(*) as projects,
        sum(library_amount_wan) as amount_wan
    from pipeline_in($units, $chains)
    group by library
)

select
    l.library,
    stage_label(l.library) as label,
    coalesce(c.projects, 0) as projects,
    coalesce(c.amount_wan, 0) as amount_wan
from libraries l
left join counted c using (library)
order by l.position;
