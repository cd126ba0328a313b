-- Industrial chains in their configured order.
select chain
from ref_chains
order by sort_order;
