-- Likely duplicates to review: pairs of projects of one reporting unit that the loader keeps
-- apart but whose names are alike. Names are compared normalised and without company words
-- (有限公司, 集团); a pair is listed when one name contains the other (a lead written without
-- the company, or with 生产线 or （一期） added) or their Jaro-Winkler similarity is at least
-- $min_similarity, and both have the same numbers (年产5万吨 and 年产50万吨 are two projects).
-- Two projects with different codes are never duplicates. Containing pairs first.
with named as (
    select
        project_key,
        project_code,
        project_name,
        unit_id,
        unit_name,
        unit_order,
        library,
        coalesce(lead_on, negotiation_on, signed_date, start_date) as first_seen,
        compared_name as compared,
        name_numbers
    from pipeline_in($units, []::varchar[])
),

pairs as (
    select
        a.unit_id,
        a.unit_name,
        a.unit_order,
        a.project_name as name_a,
        stage_label(a.library) as library_a,
        a.first_seen as first_seen_a,
        b.project_name as name_b,
        stage_label(b.library) as library_b,
        b.first_seen as first_seen_b,
        jaro_winkler_similarity(a.compared, b.compared) as similarity,
        length(a.compared) >= 4 and length(b.compared) >= 4
            and (contains(a.compared, b.compared) or contains(b.compared, a.compared)) as contained,
        a.project_key as key_a,
        b.project_key as key_b
    from named a
    join named b
        on a.unit_id = b.unit_id
       and a.project_key < b.project_key
    where (a.project_code is null or b.project_code is null)
      and a.name_numbers = b.name_numbers
)

select *
from pairs
where contained or similarity >= $min_similarity
order by contained desc, similarity desc, unit_order, name_a;
