-- 四库 (the project libraries lead → negotiating → signed → started → producing): each affected
-- project with its dated stage history, one row per project in pipeline_projects, so the
-- pipeline views and queries never aggregate ledger rows. Runs after 03_projects.sql.
--   stage          projects.stage, except that a project on a negotiation ledger is
--                  negotiating even when that ledger gives no 首次洽谈时间
--   lead_on, negotiation_on   the stage dates; without 录入时间 / 首次洽谈时间, the data date of
--                  the first ledger of that kind listing the project (in the stage by then)
--   is_closed      a lead or negotiation whose latest status on its own library's ledger says
--                  it was dropped (终止, 放弃, 退出, 不再跟进): out of the libraries, never warned
--   library        the library the project is in now: its stage, or 'closed'
--   stage_since    when it entered its current stage: days in stage count from here
--   reached_*      how far it got; each implies the ones before (a project signed without a
--                  negotiation record did negotiate)
--   warnable       in a library that is warned about (pipeline_warnings_at): not dropped, before
--                  production, and a started project only where a ledger reports production
--                  (是否投产): without that report "not producing" would only mean "not reported"
--   leaders, responsible_units   包联领导 and 责任单位 as lists of names (name_list), ['（未填报）']
--                  when none is given: a project counts for each person or office it names
--   compared_name  the normalised name without company words (有限公司, 集团), and
--   name_numbers   the numbers in it: what the identity review compares

-- a cell naming several people or offices ("张三、李四") as a list of names
create or replace macro name_list(text_) as
    list_filter(list_transform(string_split_regex(coalesce(text_, ''), '[、,，;；/]'), lambda x: trim(x)), lambda x: x <> '');

delete from pipeline_projects
where $full or project_key in (select project_key from affected_keys);

insert into pipeline_projects by name
with library_rows as (
    select
        k.project_key,
        bool_or(r.kind = 'lead') as on_lead_ledger,
        bool_or(r.kind = 'negotiating') as on_negotiating_ledger,
        min(r.period_end) filter (where r.kind = 'lead') as first_lead_listing,
        min(r.period_end) filter (where r.kind = 'negotiating') as first_negotiating_listing,
        arg_max(concat_ws(' ', r.negotiation_progress, r.progress), k.seq) filter (where r.kind = 'lead') as lead_status,
        arg_max(concat_ws(' ', r.negotiation_progress, r.progress), k.seq) filter (where r.kind = 'negotiating') as negotiating_status,
        arg_max(r.negotiation_progress, k.seq) filter (where r.negotiation_progress is not null) as negotiation_progress,
        arg_max(r.lead_source, k.seq) filter (where r.lead_source is not null) as lead_source,
        -- the loader's normalised name (NFKC, no spaces, no trailing 项目) of the latest row
        substr(arg_max(k.name_key, k.seq), strpos(arg_max(k.name_key, k.seq), ':') + 1) as normalised_name
    from row_keys k
    join ledger_rows r using (load_id, sheet, excel_row)
    where k.published and ($full or k.project_key in (select project_key from affected_keys))
    group by k.project_key
),

dated as (
    select
        p.* exclude (stage),
        l.* exclude (project_key),
        case when p.stage = 'lead' and l.on_negotiating_ledger then 'negotiating' else p.stage end as stage,
        coalesce(p.lead_date, l.first_lead_listing) as lead_on,
        coalesce(p.negotiation_date, l.first_negotiating_listing) as negotiation_on
    from projects p
    join library_rows l using (project_key)
),

closed as (
    select
        *,
        case stage
            when 'lead' then regexp_matches(coalesce(lead_status, ''), '终止|放弃|退出|不再跟进')
            when 'negotiating' then regexp_matches(coalesce(negotiating_status, lead_status, ''), '终止|放弃|退出|不再跟进')
            else false
        end as is_closed,
        regexp_replace(normalised_name, '(股份)?有限(责任)?公司|集团', '', 'g') as compared_name
    from dated
)

select
    c.project_key,
    c.project_code,
    c.project_name,
    c.normalised_name,
    c.unit_id,
    c.chain,
    c.investor,
    c.investor_origin,
    c.stage,
    case when c.is_closed then 'closed' else c.stage end as library,
    c.is_closed,
    c.lead_on,
    c.negotiation_on,
    c.signed_date,
    c.start_date,
    c.production_date,
    case c.stage
        when 'lead' then c.lead_on
        when 'negotiating' then c.negotiation_on
        when 'signed' then c.signed_date
        when 'started' then c.start_date
        when 'producing' then c.production_date
    end as stage_since,
    c.negotiation_on is not null or c.on_signed_ledger or c.is_started or c.is_produced as reached_negotiation,
    c.on_signed_ledger or c.is_started or c.is_produced as reached_signed_or_later,
    c.on_signed_ledger as reached_signed,
    c.is_started or c.is_produced as reached_started,
    c.is_produced as reached_producing,
    date_diff('day', c.lead_on, c.negotiation_on) as days_lead_to_negotiation,
    date_diff('day', c.negotiation_on, c.signed_date) as days_negotiation_to_signed,
    date_diff('day', c.signed_date, c.start_date) as days_signed_to_started,
    date_diff('day', c.start_date, c.production_date) as days_started_to_producing,
    c.intended_amount_wan,
    c.signed_amount_wan,
    c.planned_investment_wan,
    -- the amount a library is measured in: intended before signing, signed, then planned
    case
        when c.is_closed or c.stage in ('lead', 'negotiating') then c.intended_amount_wan
        when c.stage = 'signed' then c.signed_amount_wan
        else coalesce(c.planned_investment_wan, c.signed_amount_wan)
    end as library_amount_wan,
    c.produced_flag,
    c.lead_source,
    c.negotiation_progress,
    c.progress,
    c.problems,
    c.remarks,
    c.responsible_unit,
    c.liaison_leader,
    c.on_lead_ledger,
    c.on_negotiating_ledger,
    c.on_signed_ledger,
    c.on_started_ledger,
    not c.is_closed
        and c.stage in ('lead', 'negotiating', 'signed', 'started')
        and (c.stage <> 'started' or c.produced_flag is not null) as warnable,
    coalesce(nullif(name_list(c.liaison_leader), []), ['（未填报）']) as leaders,
    coalesce(nullif(name_list(c.responsible_unit), []), ['（未填报）']) as responsible_units,
    c.compared_name,
    regexp_extract_all(c.compared_name, '[0-9.]+') as name_numbers
from closed c;
