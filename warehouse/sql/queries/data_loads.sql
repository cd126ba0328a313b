-- The load history, newest first: who loaded which file when, what it held, and whether
-- (and by whom) it was rolled back.
with rollbacks as (
    select load_id, max(event_at) as rolled_back_at, arg_max(by_user, event_at) as rolled_back_by,
        arg_max(note, event_at) as rollback_note
    from load_events
    where action = 'rollback'
    group by load_id
)

select
    l.load_id,
    l.loaded_at,
    l.loaded_by,
    l.file_name,
    l.kind,
    l.period_label,
    l.rows_loaded,
    l.warning_count,
    l.status,
    r.rolled_back_at,
    r.rolled_back_by,
    r.rollback_note,
    l.sheets_used,
    l.archive_path,
    l.file_size
from loads l
left join rollbacks r using (load_id)
order by l.load_id desc;
