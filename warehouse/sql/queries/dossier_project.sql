-- Project $project_key as the cursor's state has it (projects: published, or open with
-- use_open_state), with its reporting unit and its place in the libraries (pipeline_projects,
-- the published state; the ledgers' own stage dates where it has none yet).
select
    p.project_key,
    p.project_code,
    p.project_name,
    p.unit_id,
    u.name as unit_name,
    p.chain,
    p.investor,
    p.investor_origin,
    p.origin_province,
    year(coalesce(p.signed_date, p.signed_period_end)) as signed_year,
    p.signed_date,
    p.signed_period_end,
    p.signed_amount_wan,
    p.intended_amount_wan,
    p.planned_investment_wan,
    p.funds_in_place_wan,
    p.is_started,
    p.start_date,
    p.planned_start_date,
    p.is_produced,
    p.production_date,
    coalesce(pp.stage, p.stage) as stage,
    stage_label(coalesce(pp.stage, p.stage)) as stage_label,
    coalesce(pp.is_closed, false) as is_closed,
    p.responsible_unit,
    p.liaison_leader,
    p.progress,
    p.problems,
    p.remarks,
    pp.negotiation_progress,
    pp.lead_source,
    p.row_count
from projects p
join ref_units u using (unit_id)
left join pipeline_projects pp using (project_key)
where p.project_key = $project_key;
