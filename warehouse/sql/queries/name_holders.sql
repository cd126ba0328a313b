-- The project that holds each of the names $name_keys (unit id:normalised name) now, with
-- its unit. A name stays with its project when the project moves to another unit (a lead
-- passed on, 项目流转), so a row of the unit it left with that name would report into the
-- project of the unit now holding it; the loader checks the holder's unit first.
with wanted as (
    select distinct name_key from unnest($name_keys::varchar[]) as t(name_key)
),

held as (
    select distinct k.name_key, p.project_key, p.project_name, p.unit_id
    from wanted w
    join row_keys k using (name_key)
    join projects_loaded p using (project_key)
)

select h.name_key, h.project_key, h.project_name, h.unit_id, coalesce(u.name, h.unit_id) as unit_name
from held h
left join ref_units u using (unit_id)
order by h.name_key, h.project_key;
