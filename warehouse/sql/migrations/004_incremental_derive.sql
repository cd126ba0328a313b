-- Derived tables maintained incrementally: a write re-derives only the projects its rows
-- touch (sql/derive), so a monthly load costs the same in a city or a whole province.
-- The old fully rebuilt tables go; the first write after this migration fills these.
drop table if exists project_rows;
drop table if exists projects;

-- which project each ledger row belongs to, and its place in time
create table row_keys (
    load_id integer not null,
    sheet varchar not null,
    excel_row integer not null,
    name_key varchar not null,
    project_key varchar not null,
    seq bigint not null
);

create table projects (
    project_key varchar not null,
    project_code varchar,
    project_name varchar,
    unit_id varchar,
    chain varchar,
    investor varchar,
    investor_origin varchar,
    origin_province varchar,
    lead_date date,
    negotiation_date date,
    signed_date date,
    signed_amount_wan decimal(18, 4),
    intended_amount_wan decimal(18, 4),
    started_flag boolean,
    start_date date,
    planned_start_date date,
    planned_investment_wan decimal(18, 4),
    funds_in_place_wan decimal(18, 4),
    produced_flag boolean,
    production_date date,
    responsible_unit varchar,
    liaison_leader varchar,
    progress varchar,
    problems varchar,
    remarks varchar,
    on_signed_ledger boolean,
    on_started_ledger boolean,
    signed_source struct(load_id integer, sheet varchar, excel_row integer),
    start_source struct(load_id integer, sheet varchar, excel_row integer),
    row_count bigint,
    is_started boolean,
    is_produced boolean,
    stage varchar
);

-- the derivation's own version: a changed derivation rebuilds everything once
create table derive_state (
    fingerprint varchar not null
);
