"""The Lin'an demo's enterprises (enterprises.py) and their service requests (requests.py)."""
