"""One thin writer per format. Each reads the same Document; none decides content."""
