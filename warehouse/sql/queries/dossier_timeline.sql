-- The stage timeline of project $project_key: 线索 → 洽谈 → 签约 → 开工 → 投产, each with the
-- date it was entered and its days: until the next dated stage, or, for the stage the project
-- is in, until $as_of. reached: the project got that far (a stage may be reached undated).
with project as (
    select
        coalesce(pp.lead_on, p.lead_date) as lead_on,
        coalesce(pp.negotiation_on, p.negotiation_date) as negotiation_on,
        p.signed_date,
        p.start_date,
        p.production_date,
        coalesce(pp.stage, p.stage) as stage,
        coalesce(pp.is_closed, false) as is_closed
    from projects p
    left join pipeline_projects pp using (project_key)
    where p.project_key = $project_key
),

steps as (
    select 1 as position, 'lead' as stage, lead_on as entered, stage as current_stage, is_closed from project
    union all
    select 2, 'negotiating', negotiation_on, stage, is_closed from project
    union all
    select 3, 'signed', signed_date, stage, is_closed from project
    union all
    select 4, 'started', start_date, stage, is_closed from project
    union all
    select 5, 'producing', production_date, stage, is_closed from project
),

ordered as (
    select
        *,
        position <= list_position(['lead', 'negotiating', 'signed', 'started', 'producing'], current_stage) as reached,
        stage = current_stage as is_current,
        -- the entry date of the next stage that has one
        min(entered) over (order by position rows between 1 following and unbounded following) as left_on
    from steps
)

select
    position,
    stage,
    stage_label(stage) as stage_label,
    reached,
    is_current,
    entered,
    left_on,
    case
        when entered is null then null
        when is_current and not is_closed then date_diff('day', entered, $as_of::date)
        when left_on is not null then date_diff('day', entered, left_on)
    end as days
from ordered
order by position;
