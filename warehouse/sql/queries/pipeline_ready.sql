-- Whether this warehouse has the 四库 views (a file written before they existed gets them
-- with its next load).
select count(*) > 0 as ready
from duckdb_views()
where database_name = current_database()
  and view_name = 'v_pipeline_projects';
