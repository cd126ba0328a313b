-- 项目流转: every lead offered on by a unit and where the centre assigned it, newest first;
-- $project_key '' for all, else one project's (its dossier). status: offered (waiting for
-- the centre), assigned, undone (the assigning load was rolled back), withdrawn.
select
    t.transfer_id,
    t.project_key,
    t.project_name,
    t.from_unit,
    coalesce(f.name, t.from_unit) as from_unit_name,
    t.reason,
    t.offered_by,
    t.offered_at,
    t.to_unit,
    coalesce(r.name, t.to_unit) as to_unit_name,
    t.assign_note,
    t.assigned_by,
    t.assigned_at,
    t.assigned_load,
    case
        when t.withdrawn_at is not null then 'withdrawn'
        when t.assigned_load is null then 'offered'
        when l.status = 'active' then 'assigned'
        else 'undone'
    end as status
from lead_transfers t
left join ref_units f on f.unit_id = t.from_unit
left join ref_units r on r.unit_id = t.to_unit
left join loads l on l.load_id = t.assigned_load
where $project_key = '' or t.project_key = $project_key
order by t.transfer_id desc;
