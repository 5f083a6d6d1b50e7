"""Sign-in, throttling, password change, and the page shell in both languages."""

import pytest
from django.test import Client

from bipin import settings as bipin_settings
from bipin.conftest import PASSWORD
from bipin.core.navigation import main_menu


def test_the_login_page_is_in_chinese_by_default(db):
    page = Client().get("/login/")
    assert page.status_code == 200
    assert '<html lang="zh-hans">' in page.content.decode()
    assert "登录" in page.content.decode()


def test_the_login_page_speaks_english_when_asked(db):
    client = Client()
    client.cookies["django_language"] = "en"
    page = client.get("/login/").content.decode()
    assert '<html lang="en">' in page
    assert "Sign in" in page


def test_a_wrong_password_says_so_without_telling_which_part_was_wrong(district):
    page = Client().post("/login/", {"username": "clerk_a", "password": "wrong"}).content.decode()
    assert "请输入一个正确的用户名和密码" in page
    unknown = Client().post("/login/", {"username": "nobody", "password": "wrong"}).content.decode()
    assert page.count("alert-danger") == unknown.count("alert-danger") == 1


def test_the_tenth_wrong_try_in_a_row_is_throttled(district):
    client = Client()
    for _ in range(9):
        assert (
            client.post("/login/", {"username": "clerk_a", "password": "wrong"}).status_code == 200
        )
    tenth = client.post("/login/", {"username": "clerk_a", "password": "wrong"})
    assert tenth.status_code == 429
    assert "登录已暂停" in tenth.content.decode()
    # Throttled means throttled: the right password does not get in either.
    assert client.post("/login/", {"username": "clerk_a", "password": PASSWORD}).status_code == 429


def test_a_good_login_resets_the_count(district):
    client = Client()
    for _ in range(9):
        client.post("/login/", {"username": "clerk_a", "password": "wrong"})
    assert client.post("/login/", {"username": "clerk_a", "password": PASSWORD}).status_code == 302
    client.post("/logout/")
    assert client.post("/login/", {"username": "clerk_a", "password": "wrong"}).status_code == 200


def test_pages_need_a_login(db):
    response = Client().get("/units/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_logout_is_a_post_and_ends_the_session(district, login):
    client = login(district.clerk_a)
    assert client.get("/logout/").status_code == 405
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_password_change_checks_the_old_password_and_names_the_field(district):
    client = Client()
    client.post("/login/", {"username": "clerk_a", "password": PASSWORD})
    page = client.post(
        "/account/password/",
        {
            "old_password": "wrong",
            "new_password1": "a-new-pass-4567",
            "new_password2": "a-new-pass-4567",
        },
    ).content.decode()
    assert "旧密码" in page and "is-invalid" in page
    done = client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-pass-4567",
            "new_password2": "a-new-pass-4567",
        },
    )
    assert done.status_code == 302
    assert (
        Client().post("/login/", {"username": "clerk_a", "password": "a-new-pass-4567"}).status_code
        == 302
    )


def test_production_hashes_passwords_with_argon2():
    assert bipin_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_sessions_expire_and_cookies_are_protected():
    assert bipin_settings.SESSION_COOKIE_AGE == 8 * 3600
    assert bipin_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert bipin_settings.CSRF_COOKIE_HTTPONLY and bipin_settings.SESSION_COOKIE_HTTPONLY
    assert "django.middleware.csrf.CsrfViewMiddleware" in bipin_settings.MIDDLEWARE


def test_forms_are_csrf_protected(district):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"username": "clerk_a", "password": PASSWORD}).status_code == 403


@pytest.mark.parametrize("language, label", [("zh-hans", "督查预警"), ("en", "Alerts")])
def test_the_menu_names_every_module_and_links_those_that_exist(district, login, language, label):
    client = login(district.clerk_a)
    client.cookies["django_language"] = language
    page = client.get("/").content.decode()
    assert label in page
    items = main_menu()
    built = [item for item in items if item.url]
    assert built, "at least one module has landed"
    for item in built:
        assert f'href="{item.url}"' in page
    # Not yet built: shown, not linked.
    assert page.count('aria-disabled="true"') == len(items) - len(built)
