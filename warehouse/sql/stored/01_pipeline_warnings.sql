-- 四库预警 on the data date under the limits city.toml gave at the time of the write, numbered
-- in the order /pipeline lists them: what that page shows when it opens, stored at each
-- write (warehouse.build, after the views) so that a visit does not work out a million
-- projects' stages again. queries/pipeline_warnings.sql reads it when its date and limits
-- are the ones asked for (pipeline_warnings_basis), and works them out otherwise.
create or replace table pipeline_warnings_stored as
select
    row_number() over (order by level = 'red' desc, days desc, unit_order, project_name, project_key) as position,
    -- what pipeline_warnings.sql uses of them, nothing more: a narrow table is quicker to
    -- store and to read
    level, stage, unit_id, unit_name, unit_order, project_key, project_name, chain, stage_since,
    days, yellow_days, red_days, responsible_unit, liaison_leader
from pipeline_warnings_at(
    (select as_of from data_date), $lead_yellow, $lead_red, $negotiating_yellow, $negotiating_red,
    $signed_yellow, $signed_red, $started_yellow, $started_red
)
order by position;
