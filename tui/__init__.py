"""famtriage's faces: the Textual app and the command line. Both only show and ask."""
