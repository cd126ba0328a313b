-- 每日项目动态: the warnings of the bulletins dated or issued on $day that turned red (new
-- red, or yellow before) or were resolved, against the bulletin before each.
select
    c.number,
    case when c.change = 'resolved' then 'resolved' else 'red' end as change,
    stage_label(c.stage) as stage_label,
    c.project_key,
    c.project_name,
    u.name as unit_name,
    c.days,
    c.liaison_leader
from v_bulletin_changes c
join bulletins b using (number)
join ref_units u using (unit_id)
where (b.as_of = $day or b.created_at::date = $day)
  and (
      c.change = 'resolved'
      or (c.level = 'red' and coalesce(c.previous_level, '') <> 'red')
  )
order by c.number, c.change = 'resolved', u.sort_order, c.days desc nulls last, c.project_name;
