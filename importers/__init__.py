"""Importers: terminologies in the formats others publish -> releases of store components."""
