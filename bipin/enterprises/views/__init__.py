"""The pages of enterprises (enterprises.py) and of their service requests (requests.py):
a package, since together they pass the ~600 lines at which STYLE.md splits a module."""
