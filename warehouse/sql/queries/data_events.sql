-- Every load and rollback in order, newest first, with the file each one concerned.
select
    e.event_at,
    e.action,
    e.load_id,
    l.file_name,
    e.by_user,
    e.note
from load_events e
left join loads l using (load_id)
order by e.event_at desc, e.load_id desc;
