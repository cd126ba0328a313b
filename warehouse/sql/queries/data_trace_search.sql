-- Projects whose current name contains $search (case-insensitive), to pick one to trace.
select
    p.project_key,
    p.project_name,
    u.name as unit_name,
    p.signed_date,
    p.start_date,
    p.row_count
from projects p
left join ref_units u using (unit_id)
where contains(lower(p.project_name), lower($search))
order by p.project_name, u.sort_order
limit 200;
