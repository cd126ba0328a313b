-- 研判意见 of the review of $month (first day): the latest entry per project, withdrawn ones
-- left out, with the project's stage now; in the city's unit order.
with latest as (
    select *
    from review_decisions
    where month = $month
    qualify row_number() over (partition by project_key order by entered_at desc) = 1
)

select
    u.name as unit_name,
    d.project_name,
    d.reason,
    d.decision,
    d.responsible,
    d.due,
    stage_label(p.library) as stage_label,
    d.entered_by,
    d.entered_at,
    d.project_key
from latest d
left join ref_units u using (unit_id)
left join pipeline_projects p using (project_key)
where d.decision <> ''
order by u.sort_order nulls last, d.project_name;
