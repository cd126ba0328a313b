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

-- whether a date falls in the selected year and months
create or replace macro in_period(day_, year_, month_from_, month_to_) as
    year(day_) = year_ and month(day_) between month_from_ and month_to_;

-- One row per project of any library: pipeline_projects (derived inside every write with
-- projects, sql/derive/04_pipeline_projects.sql, where every column is defined) with its
-- reporting unit. name_list, the macro that splits 包联领导 and 责任单位 cells, is defined there.
create or replace view v_pipeline_projects as
select
    p.project_key,
    p.project_code,
    p.project_name,
    p.normalised_name,
    p.unit_id,
    u.name as unit_name,
    u.sort_order as unit_order,
    p.* exclude (project_key, project_code, project_name, normalised_name, unit_id)
from pipeline_projects p
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

-- the days a stage allows before a warning, of the four given (one per stage, yellow or red)
create or replace macro stage_limit(stage_, lead_, negotiating_, signed_, started_) as
    case stage_
        when 'lead' then lead_
        when 'negotiating' then negotiating_
        when 'signed' then signed_
        when 'started' then started_
    end;

-- the warning after days_ in a stage: 'red' from red_days_ on, 'yellow' from yellow_days_ on
-- (the lower of the two), else null
create or replace macro warning_level(days_, yellow_days_, red_days_) as
    case
        when days_ >= red_days_ then 'red'
        when days_ >= least(yellow_days_, red_days_) then 'yellow'
    end;

-- 四库预警 on a date: projects longer in their stage than its limit, yellow then red. Only
-- warnable projects (derive/04_pipeline_projects.sql): dropped projects are never warned, and
-- the started stage only where a ledger reports production (是否投产).
create or replace macro pipeline_warnings_at(
    as_of_, lead_yellow_, lead_red_, negotiating_yellow_, negotiating_red_,
    signed_yellow_, signed_red_, started_yellow_, started_red_
) as table
with waiting as (
    select
        p.*,
        stage_limit(p.stage, lead_yellow_, negotiating_yellow_, signed_yellow_, started_yellow_) as yellow_days,
        stage_limit(p.stage, lead_red_, negotiating_red_, signed_red_, started_red_) as red_days,
        date_diff('day', p.stage_since, as_of_::date) as days
    from v_pipeline_projects p
    where p.warnable
)

select
    warning_level(days, yellow_days, red_days) as level,
    *
from waiting
where warning_level(days, yellow_days, red_days) is not null;

-- every project under the unit and chain filters with its warning on a date and what changed
-- since the previous bulletin (the latest dated before as_of_: one of as_of_ itself is this
-- very state): pipeline_changes_at summed up per project, in one pass.
--   level      its warning on as_of_ (as pipeline_warnings_at), null when none
--   days       days in its stage on as_of_
--   is_new     warned, and the previous bulletin did not warn it in this stage; false
--              when there is no previous bulletin (nothing to be new against)
--   resolved   how many of the project's warnings in the previous bulletin it no longer has
create or replace macro pipeline_status_in(
    units_, chains_, as_of_, lead_yellow_, lead_red_, negotiating_yellow_, negotiating_red_,
    signed_yellow_, signed_red_, started_yellow_, started_red_
) as table
with previous as (
    select max(number) as number from bulletins where as_of < as_of_::date
),

bulletin as (
    select project_key, list(stage) as bulletin_stages
    from bulletin_items
    where number = (select number from previous)
    group by project_key
),

warned as (
    select
        *,
        if(
            warnable,
            warning_level(
                days,
                stage_limit(stage, lead_yellow_, negotiating_yellow_, signed_yellow_, started_yellow_),
                stage_limit(stage, lead_red_, negotiating_red_, signed_red_, started_red_)
            ),
            null
        ) as level
    from (
        select *, date_diff('day', stage_since, as_of_::date) as days
        from pipeline_in(units_, chains_)
    )
)

select
    w.*,
    (select number from previous) is not null
        and w.level is not null
        and not list_contains(coalesce(b.bulletin_stages, []), w.stage) as is_new,
    len(list_filter(coalesce(b.bulletin_stages, []), lambda s: w.level is null or s <> w.stage)) as resolved
from warned w
left join bulletin b using (project_key);

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

-- the warnings on a date against the previous bulletin (the latest dated before it), per
-- warning, as in v_bulletin_changes ('new' since the bulletin, 'persisting', 'resolved');
-- change is null when there is no previous bulletin
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

previous as (
    select max(number) as number from bulletins where as_of < as_of_::date
),

last_bulletin as (
    select *
    from bulletin_items
    where number = (select number from previous)
)

select
    case
        when (select number from previous) is null then null
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
