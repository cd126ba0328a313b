-- Every source row of project $project_key (row_keys: active loads), oldest data first: the
-- load, file, sheet and Excel row (or 在线录入 and who entered it: an entry on /entry), what the row says, whether its month is published, and the
-- reporting units of the whole load (who may download the original: warehouse.dossier).
with own as (
    select load_id, sheet, excel_row, seq, published
    from row_keys
    where project_key = $project_key
),

load_units as (
    select load_id, list(distinct unit_id order by unit_id) filter (where unit_id is not null) as load_units
    from ledger_rows
    where load_id in (select load_id from own)
    group by load_id
)

select
    l.load_id,
    l.loaded_at,
    l.loaded_by,
    l.file_name,
    l.archive_path,
    l.source,
    case
        when l.source = 'entry' then '在线录入（' || l.loaded_by || '）'
        else l.file_name
    end as origin,
    r.sheet,
    r.excel_row,
    r.kind,
    r.period_end,
    o.published,
    r.project_name,
    r.unit_id,
    r.signed_amount_wan,
    r.signed_date,
    r.start_date,
    r.planned_investment_wan,
    r.funds_in_place_wan,
    lu.load_units
from own o
join ledger_rows r using (load_id, sheet, excel_row)
join loads l using (load_id)
join load_units lu using (load_id)
order by o.seq;
