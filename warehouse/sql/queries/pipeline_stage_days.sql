-- Time spent in each stage. completed: moves out of the stage in the selected year and
-- months (dated by the later stage), with the median and quartiles of days in the stage;
-- waiting: projects in the stage now (not dropped) and the median of their days so far,
-- counted to $as_of. Unit and chain filters apply to both.
with projects as not materialized (
    -- only what the stages need; each use below reads the table itself, with its own filter
    -- (faster than keeping a million rows for them)
    select
        stage, stage_since, is_closed, reached_signed,
        days_lead_to_negotiation, days_negotiation_to_signed, days_signed_to_started, days_started_to_producing,
        negotiation_on, signed_date, start_date, production_date
    from pipeline_in($units, $chains)
),

stages as (
    select *
    from (values ('lead', 1), ('negotiating', 2), ('signed', 3), ('started', 4)) as t(stage, position)
),

moves as (
    select 'lead' as stage, days_lead_to_negotiation as days, negotiation_on as left_on
    from projects
    union all
    select 'negotiating', days_negotiation_to_signed, signed_date
    from projects
    where reached_signed
    union all
    select 'signed', days_signed_to_started, start_date
    from projects
    where reached_signed
    union all
    select 'started', days_started_to_producing, production_date
    from projects
),

completed as (
    select
        stage,
        count(*) as completed,
        median(days) as median_days,
        quantile_cont(days, 0.25) as q1_days,
        quantile_cont(days, 0.75) as q3_days
    from moves
    where days is not null
      and in_period(left_on, $year, $month_from, $month_to)
    group by stage
),

waiting as (
    select
        stage,
        count(*) as waiting,
        median(date_diff('day', stage_since, $as_of::date)) as median_waiting_days
    from projects
    where not is_closed
      and stage_since is not null
    group by stage
)

select
    s.stage,
    stage_label(s.stage) as label,
    coalesce(c.completed, 0) as completed,
    c.median_days,
    c.q1_days,
    c.q3_days,
    coalesce(w.waiting, 0) as waiting,
    w.median_waiting_days
from stages s
left join completed c using (stage)
left join waiting w using (stage)
order by s.position;
