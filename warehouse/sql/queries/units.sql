-- Reporting units in their configured order (counties, then development zones).
select unit_id, name, kind, adcode, host_adcode, lon, lat
from ref_units
order by sort_order;
