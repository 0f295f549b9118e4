from __future__ import annotations


def test_the_favicon_that_browsers_ask_for_is_the_sites_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"
