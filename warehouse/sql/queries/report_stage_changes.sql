-- 研判材料: the projects that entered a stage between $first and $last (dates), by the
-- published ledgers; one row per project, at the furthest stage it reached then, with the
-- stage it had reached before the month (null: new to the libraries). By unit, furthest first.
with stages as (
    select project_key, project_name, unit_id, chain, liaison_leader, library_amount_wan,
        lead_on, negotiation_on, signed_date, start_date, production_date
    from pipeline_projects
),

entered as (
    select project_key, 'lead' as stage, 1 as rank, lead_on as on_ from stages
    union all select project_key, 'negotiating', 2, negotiation_on from stages
    union all select project_key, 'signed', 3, signed_date from stages
    union all select project_key, 'started', 4, start_date from stages
    union all select project_key, 'producing', 5, production_date from stages
),

moves as (
    select
        project_key,
        arg_max(stage, rank) filter (where on_ between $first and $last) as stage,
        max(on_) filter (where on_ between $first and $last) as entered_on,
        arg_max(stage, rank) filter (where on_ < $first) as previous_stage
    from entered
    group by project_key
    having count(*) filter (where on_ between $first and $last) > 0
)

select
    u.name as unit_name,
    s.project_name,
    s.chain,
    stage_label(m.previous_stage) as previous_label,
    stage_label(m.stage) as stage_label,
    m.entered_on,
    s.library_amount_wan,
    s.liaison_leader,
    s.project_key
from moves m
join stages s using (project_key)
join ref_units u using (unit_id)
order by u.sort_order, list_position(['producing', 'started', 'signed', 'negotiating', 'lead'], m.stage), m.entered_on, s.project_name;
