-- Views for analysts (they may query these directly from the DuckDB file) and for the app,
-- recreated after every write. The metric definitions of docs/domain.md live here and in
-- warehouse/metrics.py, nowhere else.

-- every row of an active load with the project it belongs to (seq: later updates earlier)
create or replace view project_rows as
select k.project_key, k.seq, r.*
from row_keys k
join ledger_rows r using (load_id, sheet, excel_row);

-- the data date (derived at each write: sql/derive/05_summary.sql)
create or replace view v_as_of as
select as_of from data_date;

-- one row per signed project, with everything a metric needs:
--   is_started        started as of the data date (the numerator of 签约项目开工率)
--   started_planned_wan  计划总投资 when started, else 0 (新开工项目计划投资额)
--   funds_wan         latest reported cumulative 到位资金 (资金到位额)
create or replace view v_signed_projects as
select
    p.project_key,
    p.project_code,
    p.project_name,
    p.unit_id,
    u.name as unit_name,
    u.kind as unit_kind,
    u.host_adcode,
    u.sort_order as unit_order,
    p.chain,
    p.investor,
    p.investor_origin,
    coalesce(p.origin_province, '未知') as origin_province,
    p.signed_date,
    -- an undated signing (a yearly return) counts in the year of its ledger's period, in
    -- no month (月份不详)
    year(coalesce(p.signed_date, p.signed_period_end)) as signed_year,
    month(p.signed_date) as signed_month,
    p.signed_period_end,
    p.signed_amount_wan,
    p.is_started,
    p.start_date,
    case when p.is_started then date_diff('day', p.signed_date, p.start_date) end as days_to_start,
    p.planned_investment_wan,
    case when p.is_started then coalesce(p.planned_investment_wan, 0) else 0 end as started_planned_wan,
    coalesce(p.funds_in_place_wan, 0) as funds_wan,
    p.is_produced,
    -- is_produced reads a missing 是否投产 as "not producing"; this says whether the
    -- ledgers report production at all
    p.produced_flag is not null or p.production_date is not null as production_reported,
    p.production_date,
    p.stage,
    case
        when p.signed_amount_wan is null then '金额待定'
        when p.signed_amount_wan < 10000 then '1亿元以下'
        when p.signed_amount_wan < 100000 then '1-10亿元'
        when p.signed_amount_wan < 500000 then '10-50亿元'
        else '50亿元及以上'
    end as size_band,
    p.responsible_unit,
    p.liaison_leader,
    p.progress,
    p.problems,
    p.remarks,
    p.signed_source,
    p.start_source
from projects p
join ref_units u using (unit_id)
where p.signed_date is not null or p.signed_period_end is not null;

-- started-ledger rows that match no signed project: kept, reported, counted nowhere
create or replace view v_unmatched_starts as
select
    p.project_key,
    p.project_name,
    p.unit_id,
    u.name as unit_name,
    p.start_date,
    p.planned_investment_wan,
    p.start_source
from projects p
join ref_units u using (unit_id)
where p.on_started_ledger and not p.on_signed_ledger;

-- every source row of every project: the trace from a figure to the file, sheet and row
create or replace view v_trace as
select
    pr.project_key,
    r.kind,
    l.file_name,
    r.sheet,
    r.excel_row,
    l.load_id,
    l.loaded_at,
    l.status as load_status,
    r.project_name,
    r.signed_amount_wan,
    r.signed_date,
    r.start_date,
    r.planned_investment_wan,
    r.funds_in_place_wan,
    l.source                            -- file, or entry: 在线录入 on /entry, not a file's row
from ledger_rows r
join loads l using (load_id)
left join project_rows pr using (load_id, sheet, excel_row);

-- Jaro-Winkler similarity of two names, by characters. duckdb 1.5's jaro_winkler_similarity
-- compares UTF-8 bytes, and the lead bytes that Chinese characters share make unlike names
-- look alike; so each character of the pair is first spelled as one ASCII character, the
-- one at the place where it first occurs in a || b (translate takes a character's first
-- place). 93 of them (printable ASCII but ;): a longer pair is compared by bytes.
create or replace macro name_similarity(a_, b_) as
if(length(a_) + length(b_) > 93,
   jaro_winkler_similarity(a_, b_),
   jaro_winkler_similarity(
       translate(a_, a_ || b_, '!"#$%&''()*+,-./0123456789:<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~'),
       translate(b_, a_ || b_, '!"#$%&''()*+,-./0123456789:<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~')));

-- the signed projects a page's filters select: year, month range, units and chains
-- (an empty list selects all); every page query starts from here
create or replace macro signed_in(year_, month_from_, month_to_, units_, chains_) as table
select *
from v_signed_projects
where signed_year = year_
  and signed_month between month_from_ and month_to_
  -- the same months as a range of signed_date: DuckDB skips the row groups of other
  -- years (projects is kept in signed-date order) only for a plain comparison
  and signed_date >= make_date(year_, month_from_, 1)
  and signed_date < (make_date(year_, month_to_, 1) + interval 1 month)::date
  and (len(units_) = 0 or list_contains(units_::varchar[], unit_id))
  and (len(chains_) = 0 or list_contains(chains_::varchar[], chain))
union all
-- an undated signing counts when the months selected surely hold it: from January to the
-- end of its ledger's period or later (a yearly return: only the whole year). A branch of
-- its own so that the dated one above keeps its plain comparisons.
select *
from v_signed_projects
where signed_date is null
  and signed_year = year_
  and month_from_ = 1
  and month_to_ >= month(signed_period_end)
  and (len(units_) = 0 or list_contains(units_::varchar[], unit_id))
  and (len(chains_) = 0 or list_contains(chains_::varchar[], chain));

-- the signed projects behind a clicked figure: signed_in narrowed to kind_ ('started',
-- 'unstarted', 'over_1yi'; anything else: all), to an investor province and a size band
-- ('' for any) and, with undated_, to signings of unknown month; drill_signed lists them
-- and drill_signed_total sums them
create or replace macro signed_drill(year_, month_from_, month_to_, units_, chains_, kind_, origin_, size_, undated_) as table
select *
from signed_in(year_, month_from_, month_to_, units_, chains_)
where case kind_
        when 'started' then is_started
        when 'unstarted' then not is_started
        when 'over_1yi' then coalesce(signed_amount_wan >= 10000, false)
        else true
    end
  and (origin_ = '' or origin_province = origin_)
  and (size_ = '' or size_band = size_)
  and (not undated_ or signed_date is null);
