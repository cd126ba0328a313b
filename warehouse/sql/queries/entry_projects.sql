-- The projects of unit $unit_id an entry on /entry may update, the open months' state
-- included, so a lead entered a minute ago can be updated.
select
    p.project_key,
    p.project_code,
    p.project_name,
    p.unit_id,
    coalesce(u.name, p.unit_id) as unit_name,
    p.stage,
    p.chain,
    p.investor,
    p.investor_origin,
    p.lead_date,
    p.negotiation_date,
    p.signed_date,
    p.signed_amount_wan,
    p.start_date,
    p.production_date,
    p.intended_amount_wan,
    p.planned_investment_wan,
    p.funds_in_place_wan,
    p.responsible_unit,
    p.liaison_leader,
    p.progress,
    p.problems
from projects_loaded p
left join ref_units u using (unit_id)
where p.unit_id = $unit_id
order by p.project_name;
