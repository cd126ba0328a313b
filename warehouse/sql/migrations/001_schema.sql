-- The warehouse keeps every parsed ledger row (ledger_rows) with its source, and derives
-- the current state of each project from the active loads (sql/derive). Rolling back a
-- load marks it inactive and derives again, so nothing is ever deleted.

create sequence load_id_seq start 1;

-- one row per file loaded (or refused: refused files are reported, not recorded here)
create table loads (
    load_id integer primary key default nextval('load_id_seq'),
    file_name varchar not null,
    sha256 varchar not null,
    kind varchar not null,              -- lead | negotiating | signed | started
    period_label varchar,
    period_start date,
    period_end date,                    -- the data date of the ledger
    sheets_used varchar[],
    sheets_skipped varchar[],           -- 'sheet: reason'
    rows_loaded integer not null,
    warning_count integer not null,
    loaded_at timestamp not null,
    loaded_by varchar not null,
    status varchar not null default 'active',   -- active | rolled_back
    archive_path varchar,              -- relative to <db stem>.archive/
    file_size bigint
);

create table load_messages (
    load_id integer not null,
    level varchar not null,             -- warning | note
    sheet varchar,
    cell varchar,                       -- e.g. F19
    excel_row integer,
    column_name varchar,
    value varchar,
    message varchar not null
);

-- every project row of every load, typed and normalised; amounts in 万元
create table ledger_rows (
    load_id integer not null,
    sheet varchar not null,
    sheet_index integer not null,
    excel_row integer not null,
    kind varchar not null,
    period_end date,
    project_code varchar,
    project_name varchar not null,
    name_key varchar not null,          -- unit_id:normalised name
    unit_id varchar not null,
    unit_raw varchar,
    chain varchar not null,
    chain_raw varchar,
    investor varchar,
    investor_origin varchar,
    origin_province varchar,
    signed_amount_wan decimal(18, 4),
    signed_date date,
    is_started boolean,
    start_date date,
    planned_start_date date,
    planned_investment_wan decimal(18, 4),
    funds_in_place_wan decimal(18, 4),
    funds_in_place_period_wan decimal(18, 4),
    intended_amount_wan decimal(18, 4),
    lead_source varchar,
    lead_date date,
    negotiation_date date,
    negotiation_progress varchar,
    is_produced boolean,
    production_date date,
    responsible_unit varchar,
    liaison_leader varchar,
    progress varchar,
    problems varchar,
    remarks varchar
);

-- reference data, refreshed from data/reference on every write
create table ref_units (
    unit_id varchar primary key,
    name varchar not null,
    kind varchar not null,
    adcode varchar,
    host_adcode varchar not null,
    stat_code varchar,
    lon double,
    lat double,
    sort_order integer not null
);

create table ref_chains (
    chain varchar primary key,
    sort_order integer not null
);

create table ref_targets (
    year integer not null,
    unit varchar not null,
    metric varchar not null,
    target decimal(18, 4) not null
);
