"""Reading investment-promotion ledgers (台账) and loading them into the warehouse."""
