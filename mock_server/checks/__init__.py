"""Request checks: validators collecting every problem, rate limits."""
