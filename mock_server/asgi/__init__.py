"""ASGI and connexion adapters: admin-route access, error rendering, the gate (auth, rate limit,
Prefer), the front door, our dispatcher, the uvicorn protocol guards, the app.
"""
