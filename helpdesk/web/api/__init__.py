"""The JSON API (Django REST framework, token auth, OpenAPI by drf-spectacular): same services and
permissions as the operator pages."""
