"""speclint."""
