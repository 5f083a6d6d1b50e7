"""Excel in and out of enterprises (enterprises.py) and of their service requests
(requests.py), registered as the kinds "enterprises" and "requests"."""
