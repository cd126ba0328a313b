-- Treemap nodes of the selection, one row per node: the whole selection, each chain, each
-- reporting unit within a chain and its projects, with signed amount and project count.
-- Projects without an amount are left out: a treemap cannot size them. Each unit shows its
-- twelve largest projects by name and the rest as one node, so the chart stays drawable at
-- province scale (a node per project would be ~100,000 nodes).
with cohort as (
    select *
    from signed_in($year, $month_from, $month_to, $units, $chains)
    where signed_amount_wan > 0
),

ranked as (
    select
        *,
        row_number() over (partition by chain, unit_id order by signed_amount_wan desc, project_key) as rank_in_unit,
        count(*) over (partition by chain, unit_id) as in_unit
    from cohort
),

shown as (
    select
        chain,
        unit_id,
        unit_name,
        case when rank_in_unit <= 12 then project_key else 'rest:' || chain || ':' || unit_id end as project_key,
        case when rank_in_unit <= 12 then project_name else '其余 ' || (in_unit - 12) || ' 个项目' end as project_name,
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
