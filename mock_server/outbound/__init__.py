"""Callbacks: rules and bodies (callbacks), delivery (egress)."""
