"""Data leaves importing nothing of ours: config, refusals, JSON pointers, profiles, spec index,
the template filler, the wire helpers.
"""
