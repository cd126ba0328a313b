-- Treemap nodes of the selection, one row per node: the whole selection, each chain, each
-- reporting unit within a chain and its projects, with signed amount and project count.
-- Projects without an amount are left out: a treemap cannot size them. Each unit shows its
-- twelve largest projects by name and the rest as one node; past 200 chain × unit cells
-- (a province) the units are the leaves, so the browser draws about a thousand nodes, not
-- ~100,000.
with cohort as (
    select *
    from signed_in($year, $month_from, $month_to, $units, $chains)
    where signed_amount_wan > 0
),

cells as (
    select chain, unit_id, any_value(unit_name) as unit_name, count(*) as projects, sum(signed_amount_wan) as amount_wan
    from cohort
    group by chain, unit_id
),

-- projects shown by name in each cell: twelve, or none past 200 cells
per_cell as (
    select if(count(*) <= 200, 12, 0) as shown
    from cells
),

-- ranked only when projects are shown: a province's 100,000 projects are never sorted
ranked as (
    select
        chain, unit_id, project_key, project_name, signed_amount_wan,
        row_number() over (partition by chain, unit_id order by signed_amount_wan desc, project_key) as rank_in_cell
    from cohort
    where (select shown from per_cell) > 0
),

named as (
    select chain, unit_id, project_key, project_name, signed_amount_wan as amount_wan, 1 as projects
    from ranked
    where rank_in_cell <= (select shown from per_cell)
),

-- the rest of each cell (the whole cell when none is shown) as one node
rest as (
    select
        c.chain,
        c.unit_id,
        'rest:' || c.chain || ':' || c.unit_id as project_key,
        if((select shown from per_cell) = 0, c.projects || ' 个项目', '其余 ' || (c.projects - count(n.project_key)) || ' 个项目') as project_name,
        c.amount_wan - coalesce(sum(n.amount_wan), 0) as amount_wan,
        c.projects - count(n.project_key) as projects
    from cells c
    left join named n using (chain, unit_id)
    group by c.chain, c.unit_id, c.projects, c.amount_wan
    having c.projects > count(n.project_key) and (select shown from per_cell) > 0
),

-- past 200 cells the units are the leaves: a node per unit says no more than its parent
unit_leaves as (
    select chain, unit_id, null as project_key, null as project_name, amount_wan, projects
    from cells
    where (select shown from per_cell) = 0
),

nodes as (
    select n.*, c.unit_name
    from (
        select * from named
        union all by name select * from rest
        union all by name select * from unit_leaves
    ) n
    join cells c using (chain, unit_id)
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
    if(grouping(unit_id) = 1, null, any_value(unit_name)) as unit_name,
    project_key,
    if(grouping(project_key) = 1, null, any_value(project_name)) as project_name,
    sum(amount_wan) as amount_wan,
    coalesce(sum(projects), 0)::bigint as projects
from nodes
group by grouping sets ((), (chain), (chain, unit_id), (chain, unit_id, project_key))
-- a unit that is a leaf has no project level
having grouping(project_key) = 1 or project_key is not null
order by grouping(chain) desc, grouping(unit_id) desc, grouping(project_key) desc, amount_wan desc;
