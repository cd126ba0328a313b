-- Per liaison leader (包联领导; a cell naming several counts for each of them): projects in the four
-- libraries now and how many produce (dropped ones left out), warnings on $as_of, and the
-- changes since the latest bulletin (new and resolved warnings); most red warnings first.
with projects as (
    select *
    from pipeline_in($units, $chains)
),

leaders as (
    select project_key, unnest(coalesce(nullif(name_list(liaison_leader), []), ['（未填报）'])) as leader
    from projects
),

changes as (
    select *
    from pipeline_changes_at(
        $as_of, $lead_yellow, $lead_red, $negotiating_yellow, $negotiating_red,
        $signed_yellow, $signed_red, $started_yellow, $started_red
    )
),

per_leader as (
    select
        l.leader,
        count(*) filter (where p.library in ('lead', 'negotiating', 'signed', 'started')) as projects,
        count(*) filter (where p.library = 'lead') as leads,
        count(*) filter (where p.library = 'negotiating') as negotiating,
        count(*) filter (where p.library = 'signed') as signed,
        count(*) filter (where p.library = 'started') as started,
        count(*) filter (where p.library = 'producing') as producing
    from leaders l
    join projects p using (project_key)
    group by l.leader
),

warnings as (
    select
        l.leader,
        count(*) filter (where c.level = 'red') as red,
        count(*) filter (where c.level = 'yellow') as yellow,
        count(*) filter (where c.change = 'new') as new,
        count(*) filter (where c.change = 'resolved') as resolved
    from leaders l
    join changes c using (project_key)
    group by l.leader
)

select
    p.*,
    coalesce(w.red, 0) as red,
    coalesce(w.yellow, 0) as yellow,
    coalesce(w.new, 0) as new,
    coalesce(w.resolved, 0) as resolved
from per_leader p
left join warnings w using (leader)
where p.projects > 0 or p.producing > 0 or w.resolved > 0
order by red desc, yellow desc, p.projects desc, p.leader;
