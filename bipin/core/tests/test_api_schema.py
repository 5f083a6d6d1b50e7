"""The API root: a valid OpenAPI 3 document and local documentation."""

from django.test import Client
from openapi_spec_validator import validate


def test_openapi_json_is_a_valid_openapi_3_document(db):
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate(schema)
    paths = set(schema["paths"])
    assert {"/api/units", "/api/units/{unit_id}", "/api/groups", "/api/me", "/api/tokens"} <= paths
    schemes = schema["components"]["securitySchemes"]
    assert {scheme["type"] for scheme in schemes.values()} >= {"http", "apiKey"}


def test_the_api_documentation_is_served_without_a_cdn(district, login):
    page = login(district.clerk_a).get("/api/docs").content.decode()
    assert "swagger" in page.lower()
    assert "cdn" not in page.lower()
