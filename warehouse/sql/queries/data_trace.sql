-- Every source row of project $project_key: the load, file, sheet and Excel row of each
-- value it has, oldest data first (the last row of a field is the value shown). From the
-- project's own rows (row_keys holds active loads only), not from every row of v_trace.
-- source: where a value came from, as people say it: the file, sheet and row, or 在线录入 and
-- who entered it (an entry on /entry is a one-row file of no interest to anyone).
select
    l.load_id,
    l.loaded_at,
    l.file_name,
    case
        when l.source = 'entry' then '在线录入（' || l.loaded_by || '）'
        else l.file_name || ' · ' || r.sheet || ' 第' || r.excel_row || '行'
    end as source,
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
