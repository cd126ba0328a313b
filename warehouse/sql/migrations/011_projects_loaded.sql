-- Every project as loaded, the months not yet published included (projects holds the
-- published state): what an upload is checked against (codes held, a unit's largest
-- project) and what the open facts count. A view made once here, so that a writer has it
-- before its first derivation; select * follows columns later migrations add to both tables.
-- (sql/state/open.sql cannot use it: its temp view `projects` would be read inside it.)
create view projects_loaded as
select *
from projects
where project_key not in (select project_key from projects_open_delta)
union all
select *
from projects_open_delta;
