-- The warnings and notes recorded with load $load_id, each at its cell.
select
    level,
    coalesce(cell, sheet) as place,
    column_name,
    value,
    message
from load_messages
where load_id = $load_id
order by case level when 'error' then 1 when 'warning' then 2 else 3 end, sheet, excel_row;
