-- The current state of each affected project: for every field, the latest value reported.
-- Signing facts come from signed ledgers only; start, funds and progress from any ledger.
-- project_state(open_): the state of the projects of temp table derive_keys; open_ false:
-- the published state, from rows of published months; true: from all rows (what an analyst
-- who chooses the open month sees, projects_open_delta). The keys come in a table, not a
-- condition on open_, so that DuckDB filters row_keys before joining the rows.
create or replace temp table derive_keys as
select project_key from affected_keys;

create or replace temp macro project_state(open_) as table
with affected_rows as (
    select k.project_key, k.seq, r.*
    from row_keys k
    join ledger_rows r using (load_id, sheet, excel_row)
    where k.project_key in (select project_key from derive_keys)
      and (open_ or k.published)
),

latest as (
    select
        project_key,
        arg_max(project_code, seq) filter (where project_code is not null) as project_code,
        coalesce(
            arg_max(project_name, seq) filter (where kind = 'signed'),
            arg_max(project_name, seq)
        ) as project_name,
        coalesce(
            arg_max(unit_id, seq) filter (where kind = 'signed'),
            arg_max(unit_id, seq)
        ) as unit_id,
        coalesce(
            arg_max(chain, seq) filter (where kind = 'signed' and chain <> '其他'),
            arg_max(chain, seq) filter (where chain <> '其他'),
            '其他'
        ) as chain,
        arg_max(investor, seq) filter (where investor is not null) as investor,
        arg_max(investor_origin, seq) filter (where investor_origin is not null) as investor_origin,
        arg_max(origin_province, seq) filter (where origin_province is not null) as origin_province,
        min(lead_date) as lead_date,
        min(negotiation_date) as negotiation_date,
        arg_max(signed_date, seq) filter (where kind = 'signed' and signed_date is not null) as signed_date,
        -- an undated signed row (a yearly return): the end of its period, kept below only
        -- while no signed row gives the date
        arg_max(period_end, seq) filter (where kind = 'signed' and signed_date is null) as signed_period_end,
        arg_max(signed_amount_wan, seq) filter (where kind = 'signed' and signed_amount_wan is not null) as signed_amount_wan,
        arg_max(intended_amount_wan, seq) filter (where intended_amount_wan is not null) as intended_amount_wan,
        arg_max(is_started, seq) filter (where is_started is not null) as started_flag,
        arg_max(start_date, seq) filter (where start_date is not null) as start_date,
        arg_max(planned_start_date, seq) filter (where planned_start_date is not null) as planned_start_date,
        arg_max(planned_investment_wan, seq) filter (where planned_investment_wan is not null) as planned_investment_wan,
        arg_max(funds_in_place_wan, seq) filter (where funds_in_place_wan is not null) as funds_in_place_wan,
        arg_max(is_produced, seq) filter (where is_produced is not null) as produced_flag,
        arg_max(production_date, seq) filter (where production_date is not null) as production_date,
        arg_max(responsible_unit, seq) filter (where responsible_unit is not null) as responsible_unit,
        arg_max(liaison_leader, seq) filter (where liaison_leader is not null) as liaison_leader,
        arg_max(progress, seq) filter (where progress is not null) as progress,
        arg_max(problems, seq) filter (where problems is not null) as problems,
        arg_max(remarks, seq) filter (where remarks is not null) as remarks,
        bool_or(kind = 'signed') as on_signed_ledger,
        bool_or(kind = 'started') as on_started_ledger,
        arg_max(struct_pack(load_id, sheet, excel_row), seq) filter (where kind = 'signed') as signed_source,
        arg_max(struct_pack(load_id, sheet, excel_row), seq) filter (where start_date is not null) as start_source,
        count(*) as row_count
    from affected_rows
    group by project_key
)

select
    * replace (case when signed_date is null then signed_period_end end as signed_period_end),
    coalesce(started_flag, false) or start_date is not null as is_started,
    coalesce(produced_flag, false) or production_date is not null as is_produced,
    case
        when coalesce(produced_flag, false) or production_date is not null then 'producing'
        when coalesce(started_flag, false) or start_date is not null then 'started'
        when on_signed_ledger then 'signed'
        when negotiation_date is not null then 'negotiating'
        else 'lead'
    end as stage
from latest;

delete from projects
where project_key in (select project_key from affected_keys);

insert into projects by name
select *
from project_state(false)
-- in signed-date order, so that a page's year filter (signed_in) reads only that year's
-- row groups; warehouse.build keeps the whole table in this order
order by signed_date nulls last, unit_id, project_key;

-- rebuilt whole at every write: it holds only the projects of the open month's uploads
delete from projects_open_delta;

delete from derive_keys;

insert into derive_keys
select distinct project_key from row_keys where not published;

insert into projects_open_delta by name
select *
from project_state(true);
