-- Years with signed projects, latest first, with the latest month that has data.
select signed_year as year, max(signed_month) as latest_month, count(*) as projects
from v_signed_projects
group by signed_year
order by signed_year desc;
