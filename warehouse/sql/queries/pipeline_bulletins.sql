-- The bulletins issued, latest first: red and yellow warnings in each, and its new,
-- persisting and resolved warnings against the bulletin before.
select
    b.number,
    b.as_of,
    b.created_at,
    b.created_by,
    count(*) filter (where c.level = 'red') as red,
    count(*) filter (where c.level = 'yellow') as yellow,
    count(*) filter (where c.change = 'new') as new,
    count(*) filter (where c.change = 'persisting') as persisting,
    count(*) filter (where c.change = 'resolved') as resolved
from bulletins b
left join v_bulletin_changes c using (number)
group by b.number, b.as_of, b.created_at, b.created_by
order by b.number desc;
