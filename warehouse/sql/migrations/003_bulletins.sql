-- 四库五日滚动预警: each bulletin (第N期) is a snapshot of the warnings on its data date, kept
-- so the next one can say what is new, what was resolved and what persists.

create table bulletins (
    number integer primary key,         -- 第N期
    as_of date not null,                -- the date days in stage are counted to
    created_at timestamp not null,
    created_by varchar not null,
    limits varchar not null             -- the stage limits used, as JSON
);

create table bulletin_items (
    number integer not null,
    project_key varchar not null,
    project_name varchar not null,
    stage varchar not null,             -- lead | negotiating | signed | started
    level varchar not null,             -- red | yellow
    days integer not null,              -- days in the stage on the bulletin's as_of
    since date not null,                -- when the project entered the stage
    unit_id varchar not null,
    chain varchar not null,
    responsible_unit varchar,
    liaison_leader varchar,
    primary key (number, project_key, stage)
);
