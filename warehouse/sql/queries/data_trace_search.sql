-- Projects whose current name contains $search (case-insensitive), to pick one to trace.
-- Words without letters (most Chinese words) are looked for as they are: lowering every
-- name first costs three times the scan.
select
    p.project_key,
    p.project_name,
    u.name as unit_name,
    p.signed_date,
    p.start_date,
    p.row_count
from projects p
left join ref_units u using (unit_id)
where if(lower($search) = upper($search),
    contains(p.project_name, $search),
    contains(lower(p.project_name), lower($search)))
order by p.project_name, u.sort_order
limit 200;
