-- The projects of one liaison leader ($leader) or one responsible unit ($responsible; '' =
-- any): every project in a library before production, and any project whose warning was
-- resolved since the previous bulletin; with its stage, days in stage on $as_of, warning
-- level and change since the bulletin. Warned first (red, then yellow), longest wait first.
with projects as (
    select *
    from pipeline_status_in(
        $units, $chains, $as_of, $lead_yellow, $lead_red, $negotiating_yellow, $negotiating_red,
        $signed_yellow, $signed_red, $started_yellow, $started_red
    )
    where ($leader = '' or list_contains(leaders, $leader))
      and ($responsible = '' or list_contains(responsible_units, $responsible))
)

select
    level,
    case
        when is_new then 'new'
        when resolved > 0 and level is null then 'resolved'
        when level is not null then 'persisting'
    end as change,
    library,
    stage_label(library) as library_label,
    unit_name,
    project_name,
    chain,
    stage_since,
    days,
    library_amount_wan,
    responsible_unit,
    liaison_leader,
    -- what the latest ledger says: 洽谈进展 before signing, then problems, progress, remarks
    case
        when library in ('lead', 'negotiating', 'closed') then coalesce(negotiation_progress, problems)
        else coalesce(problems, progress, remarks)
    end as status,
    project_key
from projects
where library not in ('closed', 'producing') or resolved > 0
order by
    level = 'red' desc nulls last,
    level is not null desc,
    days desc nulls last,
    project_name;
