-- Treemap nodes of the selection, one row per node: the whole selection, each chain, each
-- reporting unit within a chain and its projects, with signed amount and project count.
-- Projects without an amount are left out: a treemap cannot size them. Each unit shows its
-- twelve largest projects by name and the rest as one node; past 200 chain × unit cells
-- (a province) each unit is one node, so the browser draws a few thousand nodes, not
-- ~100,000.
with cohort as (
    select *
    from signed_in($year, $month_from, $month_to, $units, $chains)
    where signed_amount_wan > 0
),

cells as (
    select count(*) as n
    from (select distinct chain, unit_id from cohort)
),

ranked as (
    select
        *,
        case when (select n from cells) <= 200 then 12 else 0 end as per_unit,
        row_number() over (partition by chain, unit_id order by signed_amount_wan desc, project_key) as rank_in_unit,
        count(*) over (partition by chain, unit_id) as in_unit
    from cohort
),

shown as (
    select
        chain,
        unit_id,
        unit_name,
        case when rank_in_unit <= per_unit then project_key else 'rest:' || chain || ':' || unit_id end as project_key,
        case
            when rank_in_unit <= per_unit then project_name
            when per_unit = 0 then in_unit || ' 个项目'
            else '其余 ' || (in_unit - per_unit) || ' 个项目'
        end as project_name,
        signed_amount_wan
    from ranked
)

select
    case
        when grouping(chain) = 1 then 'all'
        when grouping(unit_id) = 1 then 'chain'
        when grouping(project_key) = 1 then 'unit'
        else 'project'
    end as level,
    chain,
    unit_id,
    any_value(unit_name) as unit_name,
    project_key,
    any_value(project_name) as project_name,
    sum(signed_amount_wan) as amount_wan,
    count(*) as projects
from shown
group by grouping sets ((), (chain), (chain, unit_id), (chain, unit_id, project_key))
order by grouping(chain) desc, grouping(unit_id) desc, grouping(project_key) desc, amount_wan desc;
