"""What the mock remembers: the store, the request journal, their Redis versions."""
