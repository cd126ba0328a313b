-- the date and limits pipeline_warnings_stored was worked out for
create or replace table pipeline_warnings_basis as
select
    (select as_of from data_date) as as_of,
    $lead_yellow::integer as lead_yellow,
    $lead_red::integer as lead_red,
    $negotiating_yellow::integer as negotiating_yellow,
    $negotiating_red::integer as negotiating_red,
    $signed_yellow::integer as signed_yellow,
    $signed_red::integer as signed_red,
    $started_yellow::integer as started_yellow,
    $started_red::integer as started_red;
