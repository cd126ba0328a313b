-- Treemap nodes of the selection, one row per node: the whole selection, each chain, each
-- reporting unit within a chain and each project, with signed amount and project count.
-- Projects without an amount are left out: a treemap cannot size them.
with cohort as (
    select *
    from signed_in($year, $month_from, $month_to, $units, $chains)
    where signed_amount_wan > 0
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
from cohort
group by grouping sets ((), (chain), (chain, unit_id), (chain, unit_id, project_key))
order by grouping(chain) desc, grouping(unit_id) desc, grouping(project_key) desc, amount_wan desc;
