-- 报送进度: every reporting unit × each month from $month_from to $month_to (first days), with
-- its report: 已报 / 无新增 (nil report) by the deadline, 逾期报送 after it, 缺报 when the
-- deadline ($deadline_day of the next month) has passed without one, 待报 before it.
with months as (
    select unnest(generate_series($month_from::date, $month_to::date, interval 1 month))::date as month
),

board as (
    select
        u.unit_id,
        u.name as unit_name,
        u.sort_order,
        m.month,
        (m.month + interval 1 month + to_days($deadline_day - 1))::date as deadline,
        r.reported_at,
        r.reported_by,
        r.load_id,
        r.nil
    from ref_units u
    cross join months m
    left join unit_reports r on r.unit_id = u.unit_id and r.month = m.month
    where $units = [] or u.unit_id in $units
)

select
    unit_id,
    unit_name,
    month,
    deadline,
    case
        when reported_at is null and $today > deadline then '缺报'
        when reported_at is null then '待报'
        when reported_at::date > deadline then '逾期报送'
        when nil then '无新增'
        else '已报'
    end as status,
    reported_at,
    reported_by,
    load_id
from board
order by sort_order, month;
