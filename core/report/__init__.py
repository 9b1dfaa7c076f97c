"""The FAM-12 report and what reads families: groups, snapshot, readiness, search, family."""
