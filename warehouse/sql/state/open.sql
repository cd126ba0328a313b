-- The open state, for one cursor: the same views and queries, with the months not yet
-- published counted. Temp views shadow the warehouse's tables of the same name for this
-- cursor only (the views of the warehouse bind them by name when queried); $db is the
-- attached warehouse, named because a temp view may not refer to itself.
create or replace temp view projects as
select *
from $db.main.projects
where project_key not in (select project_key from $db.main.projects_open_delta)
union all
select *
from $db.main.projects_open_delta;

create or replace temp view data_date as
select * from $db.main.data_date_open;

create or replace temp view signed_years as
select * from $db.main.signed_years_open;
