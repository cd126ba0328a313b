-- 四库 (the project libraries lead → negotiating → signed → started → producing): every project
-- with its dated stage history, the rolling warnings and the bulletins' changes. Recreated
-- after every write, after 01_views.sql.

-- the Chinese name of a stage: the one place these labels are written
create or replace macro stage_label(stage_) as
    case stage_
        when 'lead' then '线索'
        when 'negotiating' then '洽谈'
        when 'signed' then '签约'
        when 'started' then '开工'
        when 'producing' then '投产'
        when 'closed' then '已终止'
    end;

-- a cell naming several people or offices ("张三、李四") as a list of names
create or replace macro name_list(text_) as
    list_filter(list_transform(string_split_regex(coalesce(text_, ''), '[、,，;；/]'), lambda x: trim(x)), lambda x: x <> '');

-- whether a date falls in the selected year and months
create or replace macro in_period(day_, year_, month_from_, month_to_) as
    year(day_) = year_ and month(day_) between month_from_ and month_to_;

-- One row per project of any library.
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
create or replace view v_pipeline_projects as
with library_rows as (
    select
        project_key,
        bool_or(kind = 'lead') as on_lead_ledger,
        bool_or(kind = 'negotiating') as on_negotiating_ledger,
        min(period_end) filter (where kind = 'lead') as first_lead_listing,
        min(period_end) filter (where kind = 'negotiating') as first_negotiating_listing,
        arg_max(concat_ws(' ', negotiation_progress, progress), seq) filter (where kind = 'lead') as lead_status,
        arg_max(concat_ws(' ', negotiation_progress, progress), seq) filter (where kind = 'negotiating') as negotiating_status,
        arg_max(negotiation_progress, seq) filter (where negotiation_progress is not null) as negotiation_progress,
        arg_max(lead_source, seq) filter (where lead_source is not null) as lead_source,
        -- the loader's normalised name (NFKC, no spaces, no trailing 项目) of the latest row
        substr(arg_max(name_key, seq), strpos(arg_max(name_key, seq), ':') + 1) as normalised_name
    from project_rows
    group by project_key
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
        end as is_closed
    from dated
)

select
    c.project_key,
    c.project_code,
    c.project_name,
    c.normalised_name,
    c.unit_id,
    u.name as unit_name,
    u.sort_order as unit_order,
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
    c.on_started_ledger
from closed c
join ref_units u using (unit_id);

-- the libraries under the sidebar's unit and chain filters (a state, so no period)
create or replace macro pipeline_in(units_, chains_) as table
select *
from v_pipeline_projects
where (len(units_) = 0 or list_contains(units_::varchar[], unit_id))
  and (len(chains_) = 0 or list_contains(chains_::varchar[], chain));

-- the lead cohort of a period: projects that entered the lead library in the selected year
-- and months (lead_on), under the unit and chain filters; conversion rates start here
create or replace macro leads_in(year_, month_from_, month_to_, units_, chains_) as table
select *
from pipeline_in(units_, chains_)
where in_period(lead_on, year_, month_from_, month_to_);

-- 四库预警 on a date: projects longer in their stage than its limit, yellow then red.
-- Dropped projects are never warned. The started stage is warned only where a ledger reports
-- production (是否投产): without that report "not producing" would only mean "not reported".
create or replace macro pipeline_warnings_at(
    as_of_, lead_yellow_, lead_red_, negotiating_yellow_, negotiating_red_,
    signed_yellow_, signed_red_, started_yellow_, started_red_
) as table
with limits as (
    select *
    from (values
        ('lead', lead_yellow_, lead_red_),
        ('negotiating', negotiating_yellow_, negotiating_red_),
        ('signed', signed_yellow_, signed_red_),
        ('started', started_yellow_, started_red_)
    ) as t(stage, yellow_days, red_days)
),

waiting as (
    select p.*, l.yellow_days, l.red_days, date_diff('day', p.stage_since, as_of_::date) as days
    from v_pipeline_projects p
    join limits l using (stage)
    where not p.is_closed
      and (p.stage <> 'started' or p.produced_flag is not null)
)

select
    case when days >= red_days then 'red' else 'yellow' end as level,
    *
from waiting
where days >= least(yellow_days, red_days);

-- each bulletin against the one before it, per warning (project and stage): 'new' when the
-- previous bulletin did not have it, 'persisting' when it did, 'resolved' when only the
-- previous one had it; the first bulletin is all new
create or replace view v_bulletin_changes as
with numbered as (
    select number, lag(number) over (order by number) as previous
    from bulletins
),

previous_items as (
    select n.number as compared_to, i.*
    from numbered n
    join bulletin_items i on i.number = n.previous
)

select
    coalesce(c.number, p.compared_to) as number,
    case
        when c.project_key is null then 'resolved'
        when p.project_key is null then 'new'
        else 'persisting'
    end as change,
    coalesce(c.project_key, p.project_key) as project_key,
    coalesce(c.project_name, p.project_name) as project_name,
    coalesce(c.stage, p.stage) as stage,
    c.level,
    p.level as previous_level,
    c.days,
    p.days as previous_days,
    coalesce(c.since, p.since) as since,
    coalesce(c.unit_id, p.unit_id) as unit_id,
    coalesce(c.chain, p.chain) as chain,
    coalesce(c.responsible_unit, p.responsible_unit) as responsible_unit,
    coalesce(c.liaison_leader, p.liaison_leader) as liaison_leader
from bulletin_items c
full join previous_items p
    on c.number = p.compared_to
   and c.project_key = p.project_key
   and c.stage = p.stage;

-- the warnings on a date against the latest bulletin, per warning, as in v_bulletin_changes
-- ('new' since the bulletin, 'persisting', 'resolved'); all 'new' before the first bulletin
create or replace macro pipeline_changes_at(
    as_of_, lead_yellow_, lead_red_, negotiating_yellow_, negotiating_red_,
    signed_yellow_, signed_red_, started_yellow_, started_red_
) as table
with now_warned as (
    select *
    from pipeline_warnings_at(
        as_of_, lead_yellow_, lead_red_, negotiating_yellow_, negotiating_red_,
        signed_yellow_, signed_red_, started_yellow_, started_red_
    )
),

last_bulletin as (
    select *
    from bulletin_items
    where number = (select max(number) from bulletins)
)

select
    case
        when n.project_key is null then 'resolved'
        when b.project_key is null then 'new'
        else 'persisting'
    end as change,
    coalesce(n.project_key, b.project_key) as project_key,
    coalesce(n.stage, b.stage) as stage,
    n.level,
    b.level as previous_level,
    n.days,
    b.days as previous_days
from now_warned n
full join last_bulletin b
    on n.project_key = b.project_key
   and n.stage = b.stage;
