-- What happened to the warehouse and what each load changed.

-- loads and rollbacks, in order; the loads table keeps only each load's current status
create table load_events (
    event_at timestamp not null,
    load_id integer not null,
    action varchar not null,            -- load | rollback
    by_user varchar not null,
    note varchar
);

-- per load: the projects it added or changed, computed when it was loaded
create table load_changes (
    load_id integer not null,
    project_key varchar not null,
    project_name varchar,
    unit_id varchar,
    change varchar not null,            -- new | changed | started | disappeared
    field varchar,
    old_value varchar,
    new_value varchar
);
