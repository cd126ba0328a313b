"""The bottom of the house: what etl/, warehouse/ and ui/ all need and import nothing of theirs.

The city's reference data and settings (reference), the normal form of cell text (text),
and who is acting on the command line (actor)."""
