-- The 四库 warnings of project $project_key: its warning on $as_of under the given limits
-- (number null), and every bulletin that warned it, newest first.
select
    null::integer as number,
    $as_of::date as as_of,
    level,
    stage,
    stage_label(stage) as stage_label,
    stage_since as since,
    days
from pipeline_warnings_at(
    $as_of, $lead_yellow, $lead_red, $negotiating_yellow, $negotiating_red,
    $signed_yellow, $signed_red, $started_yellow, $started_red
)
where project_key = $project_key
union all
select
    i.number,
    b.as_of,
    i.level,
    i.stage,
    stage_label(i.stage),
    i.since,
    i.days
from bulletin_items i
join bulletins b using (number)
where i.project_key = $project_key
order by number desc nulls first, stage;
