"""The report's scopes, in a module of their own so the command line can offer them
without loading polars."""

SCOPES = ("primary", "all-logins", "readiness")
"""primary: FAM-12 (primary guardians' logins). all-logins: every login conflict, by
email. readiness: the same conflicts, FAM-12 groups first (what the app works on)."""
