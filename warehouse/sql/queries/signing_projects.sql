-- The signed projects of the selected period whose name or investor contains $search
-- (case-insensitive; an empty $search selects all). A listing: its order, largest first, is
-- warehouse.queries.LISTINGS.
select
    project_name,
    project_code,
    unit_name,
    chain,
    investor,
    investor_origin,
    origin_province,
    signed_date,
    signed_amount_wan,
    size_band,
    stage,
    start_date,
    project_key
from signed_in($year, $month_from, $month_to, $units, $chains)
where $search = ''
   or contains(lower(project_name), lower($search))
   or contains(lower(coalesce(investor, '')), lower($search))
