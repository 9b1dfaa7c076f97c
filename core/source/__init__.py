"""A customer's export read in: parsing its files, importing them, or reporting on them directly."""
