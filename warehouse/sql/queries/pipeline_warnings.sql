-- 四库预警 on $as_of under the unit and chain filters: projects longer in their stage than
-- its limit, with what changed since the previous bulletin (new or persisting: as
-- pipeline_changes_at, whose warnings are these). A listing: its order (position: red first,
-- longest wait first) is warehouse.queries.LISTINGS. The
-- warnings of the data date under city.toml's limits are read from the write's copy.
with stored as (
    -- the warnings stored at the last write (sql/stored) are these when they were worked out
    -- for this date and these limits
    select count(*) = 1 as usable
    from pipeline_warnings_basis
    where as_of = $as_of::date
      and lead_yellow = $lead_yellow and lead_red = $lead_red
      and negotiating_yellow = $negotiating_yellow and negotiating_red = $negotiating_red
      and signed_yellow = $signed_yellow and signed_red = $signed_red
      and started_yellow = $started_yellow and started_red = $started_red
),

all_warned as (
    select *
    from pipeline_warnings_stored
    where (select usable from stored)
    union all by name
    -- as sql/stored/01_pipeline_warnings.sql numbers them (a test checks both give the same
    -- rows). Written out here, not shared through a macro: the window must sit under the
    -- filter below, or DuckDB works out every warning even when the stored copy serves
    -- (the listing /pipeline opens with, at 1M: 48 ms this way, 148 ms through a macro)
    select
        row_number() over (order by level = 'red' desc, days desc, unit_order, project_name, project_key) as position,
        level, stage, unit_id, unit_name, unit_order, project_key, project_name, chain, stage_since,
        days, yellow_days, red_days, responsible_unit, liaison_leader
    from pipeline_warnings_at(
        $as_of, $lead_yellow, $lead_red, $negotiating_yellow, $negotiating_red,
        $signed_yellow, $signed_red, $started_yellow, $started_red
    )
    where not (select usable from stored)
),

warned as (
    select *
    from all_warned
    where (len($units) = 0 or list_contains($units::varchar[], unit_id))
      and (len($chains) = 0 or list_contains($chains::varchar[], chain))
),

-- the previous bulletin: the latest dated before $as_of (one of $as_of itself is this list)
previous as (
    select max(number) as number from bulletins where as_of < $as_of::date
),

last_bulletin as (
    select project_key, stage
    from bulletin_items
    where number = (select number from previous)
)

select
    w.level,
    w.stage,
    stage_label(w.stage) as stage_label,
    w.unit_name,
    w.project_name,
    w.chain,
    w.stage_since,
    w.days,
    w.yellow_days,
    w.red_days,
    w.responsible_unit,
    w.liaison_leader,
    case
        when (select number from previous) is null then null  -- nothing to compare with
        when b.project_key is null then 'new'
        else 'persisting'
    end as change,
    w.project_key,
    w.position
from warned w
left join last_bulletin b using (project_key, stage)
