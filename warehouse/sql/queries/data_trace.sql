-- Every source row of project $project_key: the load, file, sheet and Excel row of each
-- value it has, oldest data first (the last row of a field is the value shown). From the
-- project's own rows (row_keys holds active loads only), not from every row of v_trace.
select
    l.load_id,
    l.loaded_at,
    l.file_name,
    r.sheet,
    r.excel_row,
    r.kind,
    r.project_name,
    r.signed_amount_wan,
    r.signed_date,
    r.start_date,
    r.planned_investment_wan,
    r.funds_in_place_wan
from row_keys k
join ledger_rows r using (load_id, sheet, excel_row)
join loads l using (load_id)
where k.project_key = $project_key
order by k.seq;
