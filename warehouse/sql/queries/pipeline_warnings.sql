-- 四库预警 on $as_of under the unit and chain filters: projects longer in their stage than
-- its limit, with what changed since the latest bulletin (new or persisting: as
-- pipeline_changes_at, whose warnings are these); red first, longest wait first.
with warned as (
    select *
    from pipeline_warnings_at(
        $as_of, $lead_yellow, $lead_red, $negotiating_yellow, $negotiating_red,
        $signed_yellow, $signed_red, $started_yellow, $started_red
    )
    where (len($units) = 0 or list_contains($units::varchar[], unit_id))
      and (len($chains) = 0 or list_contains($chains::varchar[], chain))
),

last_bulletin as (
    select project_key, stage
    from bulletin_items
    where number = (select max(number) from bulletins)
)

select
    w.level,
    w.stage,
    stage_label(w.stage) as stage_label,
    w.unit_name,
    w.project_name,
    w.chain,
    w.stage_since,
    w.days,
    w.yellow_days,
    w.red_days,
    w.responsible_unit,
    w.liaison_leader,
    case when b.project_key is null then 'new' else 'persisting' end as change,
    w.project_key
from warned w
left join last_bulletin b using (project_key, stage)
order by w.level = 'red' desc, w.days desc, w.unit_order, w.project_name;
