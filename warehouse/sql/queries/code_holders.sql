-- The project that holds each of the national project codes $codes now, with its unit:
-- the project keyed by the code, or one whose rows report it. An uploader's row with a
-- held code would join that project (sql/derive/02_row_keys.sql), so the loader checks
-- the holder's unit before such a row may land. Projects of months not yet published hold
-- their codes too (projects_loaded).
with wanted as (
    select distinct code from unnest($codes::varchar[]) as t(code)
),

held as (
    select w.code, p.project_key, p.project_name, p.unit_id
    from wanted w
    join projects_loaded p on p.project_key = 'code:' || w.code
    union
    select w.code, p.project_key, p.project_name, p.unit_id
    from wanted w
    join projects_loaded p on p.project_code = w.code
)

select h.code as project_code, h.project_key, h.project_name, h.unit_id, coalesce(u.name, h.unit_id) as unit_name
from held h
left join ref_units u using (unit_id)
order by h.code, h.project_key;
