"""The API of enterprises (enterprises.py) and of their service requests (requests.py),
each a router that bipin/api/urls.py mounts."""
