-- Per responsible unit (责任单位; a cell naming several counts for each of them): projects in the four
-- libraries now and how many produce (dropped ones left out), warnings on $as_of, and the
-- changes since the previous bulletin (new and resolved warnings); most red warnings first.
with units as (
    select unnest(responsible_units) as responsible_unit, library, level, is_new, resolved
    from pipeline_status_in(
        $units, $chains, $as_of, $lead_yellow, $lead_red, $negotiating_yellow, $negotiating_red,
        $signed_yellow, $signed_red, $started_yellow, $started_red
    )
),

per_unit as (
    select
        responsible_unit,
        count(*) filter (where library in ('lead', 'negotiating', 'signed', 'started')) as projects,
        count(*) filter (where library = 'lead') as leads,
        count(*) filter (where library = 'negotiating') as negotiating,
        count(*) filter (where library = 'signed') as signed,
        count(*) filter (where library = 'started') as started,
        count(*) filter (where library = 'producing') as producing,
        count(*) filter (where level = 'red') as red,
        count(*) filter (where level = 'yellow') as yellow,
        count(*) filter (where is_new) as new,
        sum(resolved)::bigint as resolved
    from units
    group by responsible_unit
)

select *
from per_unit
where projects > 0 or producing > 0 or resolved > 0
order by red desc, yellow desc, projects desc, responsible_unit;
