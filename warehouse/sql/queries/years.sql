-- Years with signed projects, latest first, with the latest month that has data
-- (derived at each write: sql/derive/05_summary.sql).
select year, latest_month, projects
from signed_years
order by year desc;
