-- What loading the ledger rows of registered frame `incoming` would change, before it is
-- loaded: the change record sql/changes/load_changes.sql writes after the load (new,
-- changed, started, transferred, disappeared; same fields, same old -> new text), plus
-- 'stage' (the project's stage old -> new). Identity and "latest report wins" as in
-- sql/derive (02_row_keys.sql, 03_projects.sql) for the compared fields only; the incoming
-- rows rank after every load so far. Both states count every active row,
-- months not yet published included (what the uploader's own month changes), read from
-- tables only. $kind, $period_start, $period_end: the ledger's, for the cumulative ledger
-- it follows (disappeared).
with incoming_rows as (
    select
        (select coalesce(max(load_id), 0) + 1 from loads)::integer as load_id, sheet, excel_row, sheet_index, period_end, name_key, project_code, kind,
        project_name, unit_id, chain, signed_date, signed_amount_wan, is_started, start_date,
        planned_investment_wan, funds_in_place_wan, is_produced, production_date, negotiation_date
    from incoming
    where name_key is not null
),

-- the names the load touches: its own, and every name sharing a code with its rows (01_affected.sql)
affected_names as (
    select name_key from incoming_rows
    union
    select name_key
    from ledger_rows
    where project_code in (select project_code from incoming_rows where project_code is not null)
),

stored_rows as (
    select
        k.project_key, k.seq, r.load_id, r.sheet, r.excel_row, r.name_key, r.project_code, r.kind,
        r.project_name, r.unit_id, r.chain, r.signed_date, r.signed_amount_wan, r.is_started, r.start_date,
        r.planned_investment_wan, r.funds_in_place_wan, r.is_produced, r.production_date, r.negotiation_date
    from row_keys k
    join ledger_rows r using (load_id, sheet, excel_row)
    join loads l using (load_id)
    where l.status = 'active'
),

-- a code on any row of a name gives the whole name that code, the incoming rows' too
code_by_name as (
    select name_key, min(project_code) as project_code
    from (
        select name_key, project_code from stored_rows where name_key in (select name_key from affected_names)
        union all
        select name_key, project_code from incoming_rows
    )
    where project_code is not null
    group by name_key
),

rekeyed as (
    select
        s.* exclude (project_key),
        s.project_key as key_before,
        coalesce('code:' || coalesce(s.project_code, c.project_code), 'name:' || s.name_key) as key_after
    from stored_rows s
    left join code_by_name c using (name_key)
    where s.name_key in (select name_key from affected_names)
),

incoming_keyed as (
    select
        coalesce('code:' || coalesce(i.project_code, c.project_code), 'name:' || i.name_key) as key_after,
        (coalesce(date_diff('day', date '2000-01-01', i.period_end), 0)::bigint << 44)
            | (i.load_id::bigint << 28) | (least(i.sheet_index, 255)::bigint << 20) | i.excel_row as seq,
        i.*
    from incoming_rows i
    left join code_by_name c using (name_key)
),

affected_keys as (
    select key_before as project_key from rekeyed
    union
    select key_after from rekeyed
    union
    select key_after from incoming_keyed
),

-- every row of an affected project, as it is keyed now (before) and after the load
versions as (
    select 'before' as version, s.project_key, s.* exclude (project_key, load_id, sheet, excel_row, name_key)
    from stored_rows s
    where s.project_key in (select project_key from affected_keys)
    union all by name
    select 'after' as version, s.project_key, s.* exclude (project_key, load_id, sheet, excel_row, name_key)
    from stored_rows s
    where s.project_key in (select project_key from affected_keys)
      and s.name_key not in (select name_key from affected_names)
    union all by name
    select 'after' as version, key_after as project_key,
        r.* exclude (key_before, key_after, load_id, sheet, excel_row, name_key)
    from rekeyed r
    union all by name
    select 'after' as version, key_after as project_key,
        i.* exclude (key_after, load_id, sheet, excel_row, sheet_index, period_end, name_key)
    from incoming_keyed i
),

latest as (
    select
        version,
        project_key,
        coalesce(arg_max(project_name, seq) filter (where kind = 'signed'), arg_max(project_name, seq)) as project_name,
        coalesce(arg_max(unit_id, seq) filter (where kind = 'signed'), arg_max(unit_id, seq)) as unit_id,
        coalesce(
            arg_max(chain, seq) filter (where kind = 'signed' and chain <> '其他'),
            arg_max(chain, seq) filter (where chain <> '其他'),
            '其他'
        ) as chain,
        arg_max(signed_date, seq) filter (where kind = 'signed' and signed_date is not null) as signed_date,
        arg_max(signed_amount_wan, seq) filter (where kind = 'signed' and signed_amount_wan is not null) as signed_amount_wan,
        arg_max(is_started, seq) filter (where is_started is not null) as started_flag,
        arg_max(start_date, seq) filter (where start_date is not null) as start_date,
        arg_max(planned_investment_wan, seq) filter (where planned_investment_wan is not null) as planned_investment_wan,
        arg_max(funds_in_place_wan, seq) filter (where funds_in_place_wan is not null) as funds_in_place_wan,
        arg_max(is_produced, seq) filter (where is_produced is not null) as produced_flag,
        arg_max(production_date, seq) filter (where production_date is not null) as production_date,
        min(negotiation_date) as negotiation_date,
        bool_or(kind = 'signed') as on_signed_ledger
    from versions
    group by version, project_key
),

staged as (
    select
        *,
        coalesce(started_flag, false) or start_date is not null as is_started,
        case
            when coalesce(produced_flag, false) or production_date is not null then 'producing'
            when coalesce(started_flag, false) or start_date is not null then 'started'
            when on_signed_ledger then 'signed'
            when negotiation_date is not null then 'negotiating'
            else 'lead'
        end as stage
    from latest
),

before as (
    select * from staged where version = 'before'
),

after as (
    select * from staged where version = 'after'
),

added as (
    select a.project_key, a.project_name, a.unit_id, 'new' as change,
        null as field, null as old_value, null as new_value
    from after a
    anti join before b using (project_key)
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
            {'field': 'unit', 'old': coalesce(ub.name, b.unit_id), 'new': coalesce(ua.name, a.unit_id)},
            {'field': 'stage', 'old': b.stage, 'new': a.stage}
        ]) as f,
        b.is_started as was_started,
        a.is_started as is_started
    from after a
    join before b using (project_key)
    left join ref_units ua on ua.unit_id = a.unit_id
    left join ref_units ub on ub.unit_id = b.unit_id
),

changed as (
    select project_key, project_name, unit_id,
        case
            when f.field = 'unit' then 'transferred'
            when f.field = 'stage' then 'stage'
            when f.field = 'start_date' and is_started and not was_started then 'started'
            else 'changed'
        end as change,
        f.field, f.old, f.new
    from fields
    where f.old is distinct from f.new
),

-- the latest active load of the same cumulative series (kind, period start) before this one
previous_load as (
    select load_id
    from loads
    where status = 'active' and kind = $kind
      and period_start = $period_start::date and period_end < $period_end::date
    order by period_end desc
    limit 1
),

-- its rows keyed as they will be after the load
previous_rows as (
    select coalesce(r.key_after, s.project_key) as project_key, s.project_name, s.unit_id
    from stored_rows s
    left join rekeyed r using (load_id, sheet, excel_row)
    where s.load_id = (select load_id from previous_load)
),

disappeared as (
    select distinct project_key, project_name, unit_id, 'disappeared' as change,
        null as field, null as old_value, null as new_value
    from previous_rows
    where unit_id in (select unit_id from incoming_rows)
      and project_key not in (select key_after from incoming_keyed)
),

predicted as (
    select * from added
    union all
    select * from changed
    union all
    select * from disappeared
)

select p.change, p.project_key, p.project_name, p.unit_id, u.name as unit_name, p.field, p.old_value, p.new_value
from predicted p
left join ref_units u using (unit_id)
order by
    case p.change when 'transferred' then 0 when 'new' then 1 when 'started' then 2 when 'changed' then 3
        when 'stage' then 4 else 5 end,
    u.sort_order, p.project_name, p.field;
