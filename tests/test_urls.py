"""The root URLs: nearly every request is the API's, so its routes are tried first."""

import pytest
from django.urls import resolve


@pytest.mark.parametrize("path", ["/api/me/tasks", "/api/me/tasks/7", "/api/auth/me"])
def test_an_api_path_is_matched_without_trying_any_route_outside_the_api(path):
    match = resolve(path)

    assert {str(chain[0].pattern) for chain in match.tried} == {"api/"}
