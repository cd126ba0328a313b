-- What load $load_id changed: the projects the write touched (affected_keys), as they
-- were (projects_before, kept by sql/derive) against now. Fields compared are the ones a
-- figure depends on, and the unit (a transfer).
insert into load_changes
with after as (
    select * from projects
    where project_key in (select project_key from affected_keys)
),

added as (
    select a.project_key, a.project_name, a.unit_id, 'new' as change,
        null as field, null as old_value, null as new_value
    from after a
    anti join projects_before b using (project_key)
),

fields as (
    select
        a.project_key, a.project_name, a.unit_id,
        unnest([
            {'field': 'signed_amount_wan', 'old': b.signed_amount_wan::varchar, 'new': a.signed_amount_wan::varchar},
            {'field': 'signed_date', 'old': b.signed_date::varchar, 'new': a.signed_date::varchar},
            {'field': 'start_date', 'old': b.start_date::varchar, 'new': a.start_date::varchar},
            {'field': 'planned_investment_wan', 'old': b.planned_investment_wan::varchar, 'new': a.planned_investment_wan::varchar},
            {'field': 'funds_in_place_wan', 'old': b.funds_in_place_wan::varchar, 'new': a.funds_in_place_wan::varchar},
            {'field': 'chain', 'old': b.chain, 'new': a.chain},
            -- a project moved to another unit (划转): only an administrator's load may do it
            {'field': 'unit', 'old': coalesce(ub.name, b.unit_id), 'new': coalesce(ua.name, a.unit_id)}
        ]) as f,
        b.is_started as was_started,
        a.is_started as is_started
    from after a
    join projects_before b using (project_key)
    left join ref_units ua on ua.unit_id = a.unit_id
    left join ref_units ub on ub.unit_id = b.unit_id
),

changed as (
    select project_key, project_name, unit_id,
        case
            when f.field = 'unit' then 'transferred'
            when f.field = 'start_date' and is_started and not was_started then 'started'
            else 'changed'
        end as change,
        f.field, f.old, f.new
    from fields
    where f.old is distinct from f.new
),

-- a cumulative ledger re-lists its series: projects of the previous load of the same
-- series (kind, period start) and of the units this load covers, missing from this load
this_load as (
    select * from loads where load_id = $load_id
),

previous_load as (
    select l.load_id
    from loads l, this_load t
    where l.status = 'active' and l.kind = t.kind and l.load_id <> t.load_id
      and l.period_start = t.period_start and l.period_end < t.period_end
    order by l.period_end desc
    limit 1
),

disappeared as (
    select distinct pr.project_key, pr.project_name, pr.unit_id, 'disappeared' as change,
        null as field, null as old_value, null as new_value
    from project_rows pr
    where pr.load_id = (select load_id from previous_load)
      and pr.unit_id in (select unit_id from project_rows where load_id = $load_id)
      and pr.project_key not in (select project_key from project_rows where load_id = $load_id)
)

select $load_id, * from added
union all
select $load_id, * from changed
union all
select $load_id, * from disappeared;
