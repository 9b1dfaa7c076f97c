"""What changes families, each audited and undoable: merge, delete, change email, the queue."""
