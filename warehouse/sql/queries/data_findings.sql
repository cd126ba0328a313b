-- Data-quality findings, one row per thing a reporting unit should check in its ledgers:
--   unmatched_start  a started project that no signed ledger lists (counted nowhere)
--   duplicate        two projects of one unit and year with very similar names
--   total_mismatch   a 合计 row that disagrees with the rows above it
--   unknown_chain    a chain text that was not recognised (candidates: the page keeps
--                    those the reader's chain aliases do not know)
--   missing_amount   a signed project without a signed amount
-- Only active loads count; each finding points at the file, sheet and Excel row to fix.
with latest_row as (
    select
        project_key,
        arg_max(struct_pack(load_id, sheet, excel_row), seq) as source,
        arg_max(period_end, seq) as period_end,
        -- name_key is 'unit_id:normalised name'
        arg_max(substr(name_key, length(unit_id) + 2), seq) as norm_name
    from project_rows
    group by project_key
),

candidates as (
    select
        p.project_key, p.project_name, p.project_code, p.unit_id,
        year(coalesce(p.signed_date, p.start_date, r.period_end)) as year,
        r.norm_name, r.source, p.on_signed_ledger
    from projects p
    join latest_row r using (project_key)
),

-- for an unmatched start, the signed project of the same unit with the closest name:
-- usually the one it was meant to be
nearest_signed as (
    select
        u.project_key,
        arg_max(s.project_name, jaro_winkler_similarity(u.norm_name, s.norm_name)) as nearest_name,
        max(jaro_winkler_similarity(u.norm_name, s.norm_name)) as similarity
    from candidates u
    join candidates s on s.unit_id = u.unit_id and s.on_signed_ledger
    where not u.on_signed_ledger
    group by u.project_key
),

unmatched_starts as (
    select
        'unmatched_start' as finding, c.unit_id, c.year, c.project_name,
        '开工台账中有此项目，但没有任何签约台账列出它，开工率等指标不计入'
            || case when n.similarity >= 0.8 then '；名称最相近的签约项目：「' || n.nearest_name || '」，如为同一项目请统一名称或项目代码' else '' end
            as detail,
        c.source, null as chain_raw
    from v_unmatched_starts v
    join candidates c using (project_key)
    left join nearest_signed n using (project_key)
),

duplicates as (
    select
        'duplicate' as finding, a.unit_id, a.year, a.project_name,
        '与「' || b.project_name || '」名称相近（相似度 '
            || round(jaro_winkler_similarity(a.norm_name, b.norm_name), 2)
            || '），但被识别为两个项目；如为同一项目请统一名称或填写相同的项目代码' as detail,
        a.source, null as chain_raw
    from candidates a
    join candidates b
      on a.unit_id = b.unit_id and a.year = b.year and a.project_key < b.project_key
    -- two national project codes are two registered projects
    where (a.project_code is null or b.project_code is null)
      -- names that differ in a number (10万吨 / 20万吨, 1MW / 5MW) are different projects
      and regexp_extract_all(a.norm_name, '\d+') = regexp_extract_all(b.norm_name, '\d+')
      and jaro_winkler_similarity(a.norm_name, b.norm_name) >= 0.9
),

-- the unit of a sheet that lists one unit only (a county's own ledger); else none
sheet_units as (
    select load_id, sheet, if(count(distinct unit_id) = 1, min(unit_id), null) as unit_id
    from ledger_rows
    group by load_id, sheet
),

-- the reader's warning text is the only record of a 合计 mismatch (etl/read.py check_totals)
total_mismatches as (
    select
        'total_mismatch' as finding, su.unit_id, year(l.period_end) as year, null as project_name,
        m.message as detail,
        struct_pack(load_id := m.load_id, sheet := m.sheet, excel_row := m.excel_row) as source,
        null as chain_raw
    from load_messages m
    join loads l using (load_id)
    left join sheet_units su using (load_id, sheet)
    where l.status = 'active' and starts_with(m.message, '合计行与明细之和不一致')
),

-- every row (not only the first, as the load's warning does), latest per project and text
unknown_chains as (
    select
        'unknown_chain' as finding, unit_id, year(coalesce(signed_date, start_date, period_end)) as year, project_name,
        '产业链填写为「' || chain_raw || '」，未能识别，已归入“其他”；请按模板的产业链选项填写' as detail,
        struct_pack(load_id, sheet, excel_row) as source, chain_raw
    from project_rows
    where chain = '其他' and chain_raw is not null
    qualify row_number() over (partition by project_key, chain_raw order by seq desc) = 1
),

missing_amounts as (
    select
        'missing_amount' as finding, unit_id, signed_year as year, project_name,
        '签约金额为空或“待定”：计入签约项目数，不计入签约金额' as detail,
        signed_source as source, null as chain_raw
    from v_signed_projects
    where signed_amount_wan is null
),

findings as (
    select * from unmatched_starts
    union all by name select * from duplicates
    union all by name select * from total_mismatches
    union all by name select * from unknown_chains
    union all by name select * from missing_amounts
)

select
    f.finding,
    f.unit_id,
    coalesce(u.name, '多个单位') as unit_name,
    coalesce(u.sort_order, 9999) as unit_order,
    f.year,
    f.project_name,
    f.detail,
    f.source.load_id as load_id,
    l.file_name,
    f.source.sheet as sheet,
    f.source.excel_row as excel_row,
    f.chain_raw
from findings f
left join ref_units u using (unit_id)
left join loads l on l.load_id = f.source.load_id
order by unit_order, f.finding, f.year, f.project_name;
