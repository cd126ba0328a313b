-- Each unit's largest signed amount so far and how many signed projects it has, months
-- not yet published included: what a new amount of that unit is compared with
-- (etl/precedent.py).
select unit_id, max(signed_amount_wan) as largest_wan, count(*) as projects
from projects_loaded
where unit_id is not null and signed_amount_wan > 0
group by unit_id;
