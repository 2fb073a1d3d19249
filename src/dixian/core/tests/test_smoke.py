def test_demo_world_loaded(users):
    assert set(users) >= {
        "leader",
        "office",
        "inspector",
        "township",
        "grid",
        "enterprise",
        "duty",
        "admin",
    }


def test_home_renders_for_leader(client_for):
    response = client_for("leader").get("/")
    assert response.status_code == 200
    assert "平陆" in response.content.decode()
