-- Data-quality findings, one row per thing a reporting unit should check in its ledgers:
--   unmatched_start  a started project that no signed ledger lists (counted nowhere)
--   duplicate        two projects of one unit and year with very similar names
--   total_mismatch   a 合计 row that disagrees with the rows above it
--   unknown_chain    a chain text that was not recognised (candidates: the page keeps
--                    those the reader's chain aliases do not know)
--   missing_amount   a signed project without a signed amount
-- Only active loads count; each finding points at the file, sheet and Excel row to fix.
-- $units: the reporting units to look at (an empty list: all of them).
--
-- Cost: the projects table gives almost everything; rows are read only where it cannot
-- (the latest name of a project keyed by its code, the latest row of a finding, rows with
-- an unrecognised chain, the sheets of a 合计 message). Likely duplicates are compared
-- only where they can reach the threshold (see `blocked`): the same pairs as comparing
-- every two projects of a unit and year, with a small fraction of the comparisons.
with scoped as (
    select project_key, project_name, project_code, unit_id, signed_date, start_date, on_signed_ledger
    from projects
    where len($units::varchar[]) = 0 or list_contains($units::varchar[], unit_id)
),

-- the latest row of the projects whose normalised name or year the projects table does
-- not give: those keyed by project code (their rows may carry other names) and those with
-- neither a signed nor a start date (their year is that of the latest data date)
latest_row as (
    select project_key, arg_max(name_key, seq) as name_key, max(seq) as seq
    from row_keys
    where project_key in (
        select project_key from scoped
        where starts_with(project_key, 'code:') or (signed_date is null and start_date is null)
    )
    group by project_key
),

candidates as (
    select
        s.project_key, s.project_name, s.project_code, s.unit_id, s.on_signed_ledger,
        -- seq holds the row's data date as days since 2000 in its top bits
        -- (derive/02_row_keys.sql; 0 when the row has none)
        year(coalesce(s.signed_date, s.start_date,
            if(r.seq >> 44 = 0, null, date '2000-01-01' + (r.seq >> 44)::integer))) as year,
        -- name_key is 'unit_id:normalised name'; the project key of a project without a
        -- code is 'name:' || name_key
        coalesce(r.name_key, substr(s.project_key, 6)) as name_key
    from scoped s
    left join latest_row r using (project_key)
),

named as (
    select
        * exclude (name_key),
        case
            when starts_with(name_key, unit_id || ':') then substr(name_key, length(unit_id) + 2)
            else substr(name_key, strpos(name_key, ':') + 1)
        end as norm_name
    from candidates
),

-- for an unmatched start, the signed project of the same unit with the closest name:
-- usually the one it was meant to be
unmatched as (
    select v.project_key, c.unit_id, c.year, c.project_name, c.norm_name
    from v_unmatched_starts v
    join named c using (project_key)
),

nearest_signed as (
    select
        u.project_key,
        arg_max(s.project_name, name_similarity(u.norm_name, s.norm_name)) as nearest_name,
        max(name_similarity(u.norm_name, s.norm_name)) as similarity
    from unmatched u
    join named s on s.unit_id = u.unit_id and s.on_signed_ledger
    group by u.project_key
),

-- Likely duplicates, compared only where they can be: within a block of one unit, one
-- year and the same numbers (names that differ in a number, 10万吨 / 20万吨, 1MW / 5MW, are
-- different projects), and only for pairs that share enough characters. Jaro-Winkler adds
-- at most 0.4 × (1 − Jaro) for a common prefix, so 0.9 needs Jaro ≥ 5/6, which for names
-- of a and b characters needs at least 1.5·a·b/(a + b) matching characters: at most
-- a·(2a − b) / (2(a + b)) characters of name a may be missing from name b. `char_bits`
-- has a bit for each character of a name (code point mod 64); each bit of a that b lacks
-- is at least one character of a missing from b. The pairs skipped cannot reach 0.9.
blocked as materialized (
    select *, hash(unit_id, year, numbers) as block, row_number() over () as id
    from (
        select
            project_key, project_name, project_code is not null as has_code, unit_id, year, norm_name,
            array_to_string(regexp_extract_all(norm_name, '\d+'), ',') as numbers,
            length(norm_name) as chars,
            list_aggregate(list_transform(string_split(norm_name, ''), lambda c: 1::ubigint << (ord(c) % 64)), 'bit_or') as char_bits
        from named
        where year is not null and unit_id is not null
    )
),

-- the pairs of a block that can reach 0.9, judged on integers only (cheap for the many
-- pairs of a block); materialized, so that the planner cannot fold the comparison of
-- names below into this join and compare every pair of a block again
candidate_pairs as materialized (
    select a.id as a_id, b.id as b_id
    from blocked a
    join blocked b on a.block = b.block and a.id < b.id
    -- two national project codes are two registered projects
    where not (a.has_code and b.has_code)
      and 2 * bit_count(a.char_bits & ~b.char_bits)::bigint * (a.chars + b.chars) <= a.chars * (2 * a.chars - b.chars)
      and 2 * bit_count(b.char_bits & ~a.char_bits)::bigint * (a.chars + b.chars) <= b.chars * (2 * b.chars - a.chars)
),

-- each pair once, named by the smaller project key, the other in its detail
duplicate_pairs as (
    select * exclude (similarity), similarity
    from (
        select
            if(a.project_key < b.project_key, a.project_key, b.project_key) as project_key,
            a.unit_id, a.year,
            if(a.project_key < b.project_key, a.project_name, b.project_name) as project_name,
            if(a.project_key < b.project_key, b.project_name, a.project_name) as other_name,
            -- a case, not a join condition: the planner would otherwise pair a and b by
            -- block again, and compare all of them
            case
                -- the block's own columns (two blocks may, very rarely, share a hash)
                when a.unit_id = b.unit_id and a.year = b.year and a.numbers = b.numbers
                then name_similarity(
                    if(a.project_key < b.project_key, a.norm_name, b.norm_name),
                    if(a.project_key < b.project_key, b.norm_name, a.norm_name))
            end as similarity
        from candidate_pairs p
        join blocked a on a.id = p.a_id
        join blocked b on b.id = p.b_id
    )
    where similarity >= 0.9
),

-- the latest row of every project a finding names, to point at
sources as (
    select project_key, arg_max(struct_pack(load_id, sheet, excel_row), seq) as source
    from row_keys
    where project_key in (
        select project_key from duplicate_pairs
        union all
        select project_key from unmatched
    )
    group by project_key
),

unmatched_starts as (
    select
        'unmatched_start' as finding, u.unit_id, u.year, u.project_name,
        '开工台账中有此项目，但没有任何签约台账列出它，开工率等指标不计入'
            || case when n.similarity >= 0.8 then '；名称最相近的签约项目：「' || n.nearest_name || '」，如为同一项目请统一名称或项目代码' else '' end
            as detail,
        s.source, null as chain_raw
    from unmatched u
    join sources s using (project_key)
    left join nearest_signed n using (project_key)
),

duplicates as (
    select
        'duplicate' as finding, d.unit_id, d.year, d.project_name,
        '与「' || d.other_name || '」名称相近（相似度 ' || round(d.similarity, 2)
            || '），但被识别为两个项目；如为同一项目请统一名称或填写相同的项目代码' as detail,
        s.source, null as chain_raw
    from duplicate_pairs d
    join sources s using (project_key)
),

-- the reader's warning text is the only record of a 合计 mismatch (etl/read.py check_totals)
mismatch_messages as (
    select m.load_id, m.sheet, m.excel_row, m.message, l.period_end
    from load_messages m
    join loads l using (load_id)
    where l.status = 'active' and starts_with(m.message, '合计行与明细之和不一致')
),

-- the unit of a sheet that lists one unit only (a county's own ledger); else none
sheet_units as (
    select load_id, sheet, if(count(distinct unit_id) = 1, min(unit_id), null) as unit_id
    from ledger_rows
    where load_id in (select load_id from mismatch_messages)
    group by load_id, sheet
),

total_mismatches as (
    select
        'total_mismatch' as finding, su.unit_id, year(m.period_end) as year, null as project_name,
        m.message as detail,
        struct_pack(load_id := m.load_id, sheet := m.sheet, excel_row := m.excel_row) as source,
        null as chain_raw
    from mismatch_messages m
    left join sheet_units su using (load_id, sheet)
    where len($units::varchar[]) = 0 or list_contains($units::varchar[], su.unit_id)
),

-- every row (not only the first, as the load's warning does), latest per project and text
unknown_chains as (
    select
        'unknown_chain' as finding, r.unit_id, year(coalesce(r.signed_date, r.start_date, r.period_end)) as year, r.project_name,
        '产业链填写为「' || r.chain_raw || '」，未能识别，已归入“其他”；请按模板的产业链选项填写' as detail,
        struct_pack(load_id := r.load_id, sheet := r.sheet, excel_row := r.excel_row) as source, r.chain_raw
    from ledger_rows r
    join row_keys k using (load_id, sheet, excel_row)
    where r.chain = '其他' and r.chain_raw is not null
      and (len($units::varchar[]) = 0 or list_contains($units::varchar[], r.unit_id))
    qualify row_number() over (partition by k.project_key, r.chain_raw order by k.seq desc) = 1
),

missing_amounts as (
    select
        'missing_amount' as finding, unit_id, signed_year as year, project_name,
        '签约金额为空或“待定”：计入签约项目数，不计入签约金额' as detail,
        signed_source as source, null as chain_raw
    from v_signed_projects
    where signed_amount_wan is null
      and (len($units::varchar[]) = 0 or list_contains($units::varchar[], unit_id))
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
order by unit_order, f.finding, f.year, f.project_name, f.detail, load_id, sheet, excel_row;
