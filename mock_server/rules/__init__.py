"""Partner rules over the data: credentials, the served API, the request context, the profile
start-up check, the error envelope and its rendering, Prefer selection.
"""
