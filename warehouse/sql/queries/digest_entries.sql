-- 每日项目动态: the projects that entered a stage on $day (线索 lead, 洽谈 negotiating,
-- 签约 signed, 开工 started), by the first date any active ledger row gives for that stage.
-- Rows of months not yet published count: the day's news cannot wait for the month's close.
-- The amount is the stage's own: 拟投资额, 签约金额, 计划总投资 (latest report).
with dated as (
    -- the projects any row dates that day; only they can have entered a stage then
    select distinct project_key
    from project_rows
    where $day in (lead_date, negotiation_date, signed_date, start_date)
),

facts as (
    select
        project_key,
        arg_max(project_name, seq) as project_name,
        coalesce(arg_max(unit_id, seq) filter (where kind = 'signed'), arg_max(unit_id, seq)) as unit_id,
        min(lead_date) as lead_on,
        min(negotiation_date) as negotiation_on,
        min(signed_date) as signed_on,
        min(start_date) as started_on,
        arg_max(intended_amount_wan, seq) filter (where intended_amount_wan is not null) as intended_wan,
        arg_max(signed_amount_wan, seq) filter (where signed_amount_wan is not null) as signed_wan,
        arg_max(planned_investment_wan, seq) filter (where planned_investment_wan is not null) as planned_wan
    from project_rows
    where project_key in (select project_key from dated)
    group by project_key
),

entries as (
    select project_key, project_name, unit_id, 'lead' as stage, intended_wan as amount_wan
    from facts where lead_on = $day
    union all
    select project_key, project_name, unit_id, 'negotiating', intended_wan
    from facts where negotiation_on = $day
    union all
    select project_key, project_name, unit_id, 'signed', signed_wan
    from facts where signed_on = $day
    union all
    select project_key, project_name, unit_id, 'started', coalesce(planned_wan, signed_wan)
    from facts where started_on = $day
)

select e.stage, e.project_key, e.project_name, u.name as unit_name, e.amount_wan
from entries e
join ref_units u using (unit_id)
order by
    list_position(['signed', 'started', 'negotiating', 'lead'], e.stage),
    e.amount_wan desc nulls last,
    u.sort_order,
    e.project_name;
