-- Bulletin $number per reporting unit: red and yellow warnings, and new, persisting and
-- resolved ones against the bulletin before; units with any of them, in configured order.
select
    c.unit_id,
    u.name as unit_name,
    count(*) filter (where c.level = 'red') as red,
    count(*) filter (where c.level = 'yellow') as yellow,
    count(*) filter (where c.change = 'new') as new,
    count(*) filter (where c.change = 'persisting') as persisting,
    count(*) filter (where c.change = 'resolved') as resolved
from v_bulletin_changes c
join ref_units u using (unit_id)
where c.number = $number
  and (len($units) = 0 or list_contains($units::varchar[], c.unit_id))
  and (len($chains) = 0 or list_contains($chains::varchar[], c.chain))
group by c.unit_id, u.name, u.sort_order
order by u.sort_order;
