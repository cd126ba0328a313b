-- 每日项目动态: the ledgers received on $day that are still active, with the units their
-- rows name, in the order they arrived.
with load_units as (
    select distinct load_id, unit_id
    from ledger_rows
    where load_id in (
        select load_id from loads where loaded_at >= $day and loaded_at < $day + interval 1 day
    )
),

units as (
    select r.load_id, list(u.name order by u.sort_order) as unit_names
    from load_units r
    join ref_units u using (unit_id)
    group by r.load_id
)

select l.load_id, l.kind, l.period_label, l.rows_loaded, l.file_name, coalesce(n.unit_names, []) as unit_names
from loads l
left join units n using (load_id)
where l.status = 'active'
  and l.loaded_at >= $day
  and l.loaded_at < $day + interval 1 day
order by l.loaded_at, l.load_id;
