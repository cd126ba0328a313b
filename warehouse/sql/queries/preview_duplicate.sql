-- The active load whose file had exactly the content $digest (sha256), if any: a file loaded
-- before loads nothing again (etl/load.py), so the preview says so before the button.
select load_id, file_name, loaded_by, loaded_at
from loads
where sha256 = $digest and status = 'active'
order by load_id
limit 1;
