-- The projects of library $library now (as pipeline_libraries.sql counts them) under the
-- unit and chain filters, with their days in the stage on $as_of. A listing: its order is
-- queries.LISTINGS'.
select
    project_key,
    project_name,
    unit_name,
    chain,
    stage_label(library) as library_label,
    stage_since,
    date_diff('day', stage_since, $as_of::date) as days,
    library_amount_wan,
    responsible_unit,
    liaison_leader,
    project_code
from pipeline_in($units, $chains)
where library = $library
