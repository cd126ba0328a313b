-- 签约项目开工率 of the selected signed cohort per industrial chain: signed and started
-- project counts and their ratio, highest rate first.
with cohort as (
    select *
    from signed_in($year, $month_from, $month_to, $units, $chains)
),

per_chain as (
    select
        chain,
        count(*) as signed_projects,
        count(*) filter (where is_started) as started_projects
    from cohort
    group by chain
)

select
    p.chain,
    p.signed_projects,
    p.started_projects,
    p.started_projects / p.signed_projects as start_rate
from per_chain p
left join ref_chains r using (chain)
order by start_rate desc, p.signed_projects desc, r.sort_order;
