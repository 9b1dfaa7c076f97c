"""Sample data: the bundled organizations and large synthetic sets."""
