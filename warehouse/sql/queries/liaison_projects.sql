-- The projects of one liaison leader ($leader) or one responsible unit ($responsible; '' =
-- any): every project in a library before production, and any project whose warning was
-- resolved since the latest bulletin; with its stage, days in stage on $as_of, warning
-- level and change since the bulletin. Warned first (red, then yellow), longest wait first.
with projects as (
    select *
    from pipeline_in($units, $chains)
    where ($leader = '' or list_contains(coalesce(nullif(name_list(liaison_leader), []), ['（未填报）']), $leader))
      and ($responsible = '' or list_contains(coalesce(nullif(name_list(responsible_unit), []), ['（未填报）']), $responsible))
),

changes as (
    select
        project_key,
        max(level) filter (where level = 'red') as red,
        max(level) filter (where level = 'yellow') as yellow,
        bool_or(change = 'new') as has_new,
        bool_or(change = 'resolved') as has_resolved
    from pipeline_changes_at(
        $as_of, $lead_yellow, $lead_red, $negotiating_yellow, $negotiating_red,
        $signed_yellow, $signed_red, $started_yellow, $started_red
    )
    group by project_key
)

select
    coalesce(c.red, c.yellow) as level,
    case
        when c.has_new then 'new'
        when c.has_resolved and coalesce(c.red, c.yellow) is null then 'resolved'
        when coalesce(c.red, c.yellow) is not null then 'persisting'
    end as change,
    p.library,
    stage_label(p.library) as library_label,
    p.unit_name,
    p.project_name,
    p.chain,
    p.stage_since,
    date_diff('day', p.stage_since, $as_of::date) as days,
    p.library_amount_wan,
    p.responsible_unit,
    p.liaison_leader,
    -- what the latest ledger says: 洽谈进展 before signing, then problems, progress, remarks
    case
        when p.library in ('lead', 'negotiating', 'closed') then coalesce(p.negotiation_progress, p.problems)
        else coalesce(p.problems, p.progress, p.remarks)
    end as status,
    p.project_key
from projects p
left join changes c using (project_key)
where p.library not in ('closed', 'producing') or c.has_resolved
order by
    coalesce(c.red, c.yellow) = 'red' desc nulls last,
    coalesce(c.red, c.yellow) is not null desc,
    days desc nulls last,
    p.project_name;
