-- Likely duplicates to review: pairs of projects of one reporting unit that the loader keeps
-- apart but whose names are alike. Names are compared normalised and without company words
-- (有限公司, 集团); a pair is listed when one name contains the other (a lead written without
-- the company, or with 生产线 or （一期） added) or their Jaro-Winkler similarity is at least
-- $min_similarity, and both have the same numbers (年产5万吨 and 年产50万吨 are two projects).
-- Two projects with different codes are never duplicates. Containing pairs first.
--
-- Cost: a province unit has thousands of projects, and comparing the names of every two of
-- them (115 million pairs at 1M projects) took 25 s; 5 s this way, within the reader's
-- memory. As in data_findings.sql, pairs are first judged on integers: `char_bits` has a
-- bit for each character of a name (code point mod 64), and each bit of a that b lacks is
-- at least one character of a missing from b. Containing needs no such bit on the shorter
-- side. Jaro-Winkler adds at most 0.4 × (1 − Jaro)
-- for a common prefix, so a similarity of s needs Jaro ≥ (s − 0.4) / 0.6, which for names of
-- a and b characters needs at least k·a·b/(a + b) matching characters, k = 5s − 3: at most
-- a − k·a·b/(a + b) characters of a may be missing from b. The pairs skipped cannot qualify.
-- narrow, so that a province's million projects fit the reader's memory: the names in full
-- are read only for the pairs listed
with blocked as materialized (
    select
        project_key,
        compared_name as compared,
        hash(unit_id, name_numbers) as block,
        row_number() over () as id,
        project_code is not null as has_code,
        -- 20·k (k above), rounded down: a looser bound, so that rounding never skips a pair
        floor(100 * $min_similarity)::integer - 60 as k20,
        length(compared_name)::integer as chars,
        coalesce(list_aggregate(
            list_transform(string_split(compared_name, ''), lambda c: 1::ubigint << (ord(c) % 64)), 'bit_or'
        ), 0::ubigint) as char_bits
    from pipeline_in($units, []::varchar[])
),

-- the pairs that can qualify, judged on integers only; materialized, so that the planner
-- cannot fold the comparison of names below into this join and compare every pair again
candidate_pairs as materialized (
    select a.id as a_id, b.id as b_id
    from blocked a
    join blocked b on a.block = b.block and a.id < b.id
    -- two national project codes are two registered projects
    where not (a.has_code and b.has_code)
      and (
        a.char_bits & ~b.char_bits = 0
        or b.char_bits & ~a.char_bits = 0
        or (
            bit_count(a.char_bits & ~b.char_bits)::integer * (a.chars + b.chars) * 20
                <= a.chars * (a.chars + b.chars) * 20 - a.k20 * a.chars * b.chars
            and bit_count(b.char_bits & ~a.char_bits)::integer * (a.chars + b.chars) * 20
                <= b.chars * (a.chars + b.chars) * 20 - a.k20 * a.chars * b.chars
        )
      )
),

-- the names compared, each pair named as the list names it: the smaller project key first
scored as (
    select
        if(a.project_key < b.project_key, a.project_key, b.project_key) as key_a,
        if(a.project_key < b.project_key, b.project_key, a.project_key) as key_b,
        name_similarity(a.compared, b.compared) as similarity,
        length(a.compared) >= 4 and length(b.compared) >= 4
            and (contains(a.compared, b.compared) or contains(b.compared, a.compared)) as contained
    from candidate_pairs p
    join blocked a on a.id = p.a_id
    join blocked b on b.id = p.b_id
),

listed as materialized (
    select *
    from scored
    where contained or similarity >= $min_similarity
),

-- only the listed pairs' projects are read in full
named as (
    select
        project_key,
        project_name,
        unit_id,
        unit_name,
        unit_order,
        stage_label(library) as library,
        coalesce(lead_on, negotiation_on, signed_date, start_date) as first_seen,
        name_numbers
    from pipeline_in($units, []::varchar[])
    where project_key in (select key_a from listed) or project_key in (select key_b from listed)
),

-- the block's own columns are checked in a case, not as a join condition or filter (two
-- blocks may, very rarely, share a hash): given those, the planner joins the projects by
-- them and pairs every two of a block
pairs as (
    select
        a.unit_id,
        a.unit_name,
        a.unit_order,
        a.project_name as name_a,
        a.library as library_a,
        a.first_seen as first_seen_a,
        b.project_name as name_b,
        b.library as library_b,
        b.first_seen as first_seen_b,
        case when a.unit_id = b.unit_id and a.name_numbers = b.name_numbers then l.similarity end as similarity,
        l.contained,
        l.key_a,
        l.key_b
    from listed l
    join named a on a.project_key = l.key_a
    join named b on b.project_key = l.key_b
)

select *
from pairs
where similarity is not null
order by contained desc, similarity desc, unit_order, name_a;
