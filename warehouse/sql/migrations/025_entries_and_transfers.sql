-- Entries made on /entry (在线录入) are loads like any file's; source tells them apart, so
-- the trace names them 在线录入 and they are not a unit's monthly report (sql/periods).
alter table loads add column source varchar default 'file';   -- file | entry

-- 项目流转: a unit offers a lead it cannot host, the centre assigns it to another unit. The
-- assignment is an entry load moving the project (assigned_load); rolling that load back
-- undoes the move, and the offer stays on record.
create sequence transfer_id_seq start 1;

create table lead_transfers (
    transfer_id integer primary key default nextval('transfer_id_seq'),
    project_key varchar not null,
    project_name varchar not null,
    from_unit varchar not null,
    reason varchar not null,
    offered_by varchar not null,
    offered_at timestamp not null,
    to_unit varchar,
    assign_note varchar,
    assigned_by varchar,
    assigned_at timestamp,
    assigned_load integer,
    withdrawn_by varchar,
    withdrawn_at timestamp
);
