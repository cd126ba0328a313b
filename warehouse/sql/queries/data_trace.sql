-- Every source row of project $project_key: the load, file, sheet and Excel row of each
-- value it has, oldest data first (the last row of a field is the value shown).
select
    t.load_id,
    t.loaded_at,
    t.file_name,
    t.sheet,
    t.excel_row,
    t.kind,
    t.project_name,
    t.signed_amount_wan,
    t.signed_date,
    t.start_date,
    t.planned_investment_wan,
    t.funds_in_place_wan
from v_trace t
join project_rows pr using (load_id, sheet, excel_row)
where t.project_key = $project_key
order by pr.seq;
