"""The store: its tables, its database, its journal of row changes, where it lives."""
