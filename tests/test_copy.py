"""Each copyable app works copied alone, unedited, into a fresh Django project.

The throwaway project (settings, urls, views, manage.py and one copied app folder) lives in
a temporary directory and runs in a subprocess whose PYTHONPATH is that directory alone, so
nothing from Fabrikam can be imported. docs/copying.md shows the same views (checked below).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from jose import jwt
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from api_auth.conf import setting_names as api_setting_names
from oidc_client.conf import setting_names as oidc_setting_names
from tests.tokens import SigningKey

REPO = Path(__file__).resolve().parent.parent
MFA_ACR = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
AUDIENCE = "https://notes.example.test"
CLIENT_ID = "notes-web"
CLIENT_SECRET = "notes-web-secret"
SUB = "copy|alice"
EMAIL = "alice@example.com"
NOT_COPIED = ("accounts", "fabrikam", "transfers", "devidp")
PROBED = (*NOT_COPIED, "api_auth", "oidc_client")  # what the subprocess tries to import

# --- The throwaway project's own files -------------------------------------------------------

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
MANAGE_PY = """\
import os
import sys

from django.core.management import execute_from_command_line

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
execute_from_command_line(sys.argv)
"""

API_URLS = """\
from django.urls import path

from views import create_note

urlpatterns = [path("notes", create_note)]
"""
API_VIEWS = """\
from django.http import JsonResponse

from api_auth.decorators import token_required
from api_auth.problems import api_view
from api_auth.single_use import single_use


@api_view("POST")
@token_required("write:notes")
@single_use
def create_note(request):
    return JsonResponse({"ok": True}, status=201)
"""

WEB_URLS = """\
from django.urls import include, path

from views import secret

urlpatterns = [
    path("", include("oidc_client.urls")),
    path("secret", secret),
]
"""
WEB_VIEWS = """\
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse

from oidc_client.session import elevated_token_take
from oidc_client.stepup import step_up_required


@login_required
@step_up_required(kind="api", scope="write:notes")
def secret(request):
    # One API call's worth: the token leaves the session here; send it as a Bearer token.
    token = elevated_token_take(request, "write:notes")
    return JsonResponse({"has_elevated_token": token is not None})
"""


def api_settings(issuer: str) -> dict[str, Any]:
    return {"API_ISSUER": issuer, "API_AUDIENCE": AUDIENCE}


def web_settings(issuer: str) -> dict[str, Any]:
    return {
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_AUDIENCE": AUDIENCE,
        "LOGIN_URL": "login",
    }


def settings_py(app: str, *, middleware: list[str], **settings: Any) -> str:
    lines = [
        "from pathlib import Path",
        "",
        "BASE_DIR = Path(__file__).resolve().parent",
        'SECRET_KEY = "throwaway-project-only"',
        'ALLOWED_HOSTS = ["testserver"]',
        'ROOT_URLCONF = "urls"',
        "DATABASES = {",
        '    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}',
        "}",
        "INSTALLED_APPS = [",
        '    "django.contrib.auth",',
        '    "django.contrib.contenttypes",',
        '    "django.contrib.sessions",',
        '    "django.contrib.messages",',
        f"    {app!r},",
        "]",
        f"MIDDLEWARE = {middleware!r}",
        f"TEMPLATES = {TEMPLATES!r}",
        "USE_TZ = True",
        *(f"{name} = {value!r}" for name, value in settings.items()),
    ]
    return "\n".join(lines) + "\n"


def fresh_project(root: Path, app: str, *, settings: str, urls: str, views: str) -> Path:
    """A new project in `root`: its own four files and an unedited copy of `app`."""
    shutil.copytree(REPO / app, root / app, ignore=shutil.ignore_patterns("__pycache__"))
    files = {"settings.py": settings, "urls.py": urls, "views.py": views, "manage.py": MANAGE_PY}
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def python(project: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The same interpreter with nothing but the project on its path. The environment is
    built from scratch: no DJANGO_SETTINGS_MODULE from pytest, and no proxy variables that
    would send the calls to the stand-in provider elsewhere."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(project),
        "DJANGO_SETTINGS_MODULE": "settings",
        "PYTHONDONTWRITEBYTECODE": "1",  # the copied folder stays exactly as copied
    }
    return subprocess.run(  # noqa: S603 (our own interpreter, arguments from this file)
        [sys.executable, *args],
        cwd=project,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# Every exercise script starts here: Django set up, and what the subprocess can import.
PRELUDE = """\
import json
import sys

import django

django.setup()

from django.conf import settings


def importable(name):
    try:
        __import__(name)
    except ImportError:
        return False
    return True


copied_app = settings.INSTALLED_APPS[-1]
isolation = {
    "importable": {name: importable(name) for name in PROBED},
    "app_file": __import__(copied_app).__file__,
    "sys_path": sys.path,
}
"""
EPILOGUE = """
print(json.dumps({"isolation": isolation, **results}))
"""


def exercise(project: Path, script: str, stdin: str = "") -> dict[str, Any]:
    """Run `script` with the Django test Client in the project; return what it printed."""
    prelude = f"PROBED = {PROBED!r}\n" + PRELUDE
    (project / "exercise.py").write_text(prelude + script + EPILOGUE)
    run = python(project, "exercise.py", stdin=stdin)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.splitlines()[-1])


def file_digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


# --- A stand-in OpenID Provider on loopback ---------------------------------------------------


class StandInProvider:
    """Discovery, JWKS and a token endpoint on 127.0.0.1 for the throwaway project.

    The token endpoint signs an ID token for whatever the `code` says, `<pwd|mfa>:<nonce>`,
    so the subprocess and this process share nothing but HTTP.
    """

    def __init__(self, key: SigningKey) -> None:
        self.key = key
        self.served: list[str] = []
        self.token_requests: list[dict[str, str]] = []
        # pytest-httpserver's server on a free loopback port, answering every path.
        self._server = HTTPServer(host="127.0.0.1", port=0)
        self._server.expect_request(re.compile(".*"), method="GET").respond_with_handler(self._get)
        self._server.expect_request(re.compile(".*"), method="POST").respond_with_handler(
            self._post
        )
        self.issuer = ""

    def __enter__(self) -> StandInProvider:
        self._server.start()
        self.issuer = f"http://127.0.0.1:{self._server.port}/"
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.stop()

    def documents(self) -> dict[str, dict[str, Any]]:
        issuer = self.issuer
        discovery = {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}authorize",
            "token_endpoint": f"{issuer}oauth/token",
            "jwks_uri": f"{issuer}.well-known/jwks.json",
            "end_session_endpoint": f"{issuer}oidc/logout",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }
        return {
            "/.well-known/openid-configuration": discovery,
            "/.well-known/jwks.json": {"keys": [self.key.public_jwk()]},
        }

    def token_response(self, form: dict[str, str]) -> dict[str, Any]:
        self.token_requests.append(form)
        factor, _, nonce = form["code"].partition(":")
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": SUB,
            "email": EMAIL,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
            "nonce": nonce,
            "amr": ["pwd"],
        }
        if factor == "mfa":
            claims.update(amr=["pwd", "mfa"], acr=MFA_ACR)
        id_token = jwt.encode(
            claims, self.key.private_pem, algorithm="RS256", headers={"kid": self.key.kid}
        )
        return {
            "access_token": f"access-token-{uuid.uuid4()}",
            "token_type": "Bearer",
            "expires_in": 600,
            "id_token": id_token,
        }

    def _get(self, request: Request) -> Response:
        self.served.append(request.path)
        documents = self.documents()
        return _json(200 if request.path in documents else 404, documents.get(request.path, {}))

    def _post(self, request: Request) -> Response:
        self.served.append(request.path)
        form = {
            name: values[0] for name, values in parse_qs(request.get_data(as_text=True)).items()
        }
        form["authorization"] = request.headers.get("Authorization", "")
        return _json(200, self.token_response(form))


def _json(status: int, document: dict[str, Any]) -> Response:
    return Response(json.dumps(document), status=status, content_type="application/json")


def access_token(key: SigningKey, issuer: str, **overrides: Any) -> str:
    """An RFC 9068 access token for the notes API."""
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": AUDIENCE,
        "sub": SUB,
        "iat": now,
        "exp": now + 300,
        "jti": str(uuid.uuid4()),
        "scope": "write:notes",
        **overrides,
    }
    headers = {"kid": key.kid, "typ": "at+jwt"}
    return jwt.encode(claims, key.private_pem, algorithm="RS256", headers=headers)


@dataclass
class CopiedApp:
    app: str
    project: Path
    provider: StandInProvider
    commands: dict[str, subprocess.CompletedProcess[str]]
    results: dict[str, Any]


def run_commands(project: Path, *commands: str) -> dict[str, subprocess.CompletedProcess[str]]:
    return {command: python(project, "manage.py", *command.split()) for command in commands}


def assert_isolated(copied: CopiedApp) -> None:
    isolation = copied.results["isolation"]
    other_app = {"api_auth": "oidc_client", "oidc_client": "api_auth"}[copied.app]
    assert isolation["importable"] == {
        **dict.fromkeys(NOT_COPIED, False),
        copied.app: True,
        other_app: False,
    }
    assert Path(isolation["app_file"]).is_relative_to(copied.project / copied.app)
    venv = REPO / ".venv"
    from_the_repo = [
        entry
        for entry in isolation["sys_path"]
        if Path(entry).is_relative_to(REPO) and not Path(entry).is_relative_to(venv)
    ]
    assert from_the_repo == []


# --- The API guard, copied alone --------------------------------------------------------------

API_SCRIPT = """
from django.test import Client

from api_auth.models import SpentToken
from api_auth.signals import token_replayed, token_spent

tokens = json.load(sys.stdin)
names = {token_spent: "token_spent", token_replayed: "token_replayed"}
events = []


def record(sender, signal, **kwargs):
    events.append([names[signal], sorted(kwargs)])


for signal in names:
    signal.connect(record)


def post(token, text):
    # An API client sends no cookies and no CSRF token: api_view must not need one.
    response = Client(enforce_csrf_checks=True).post(
        "/notes", {"text": text}, "application/json", headers={"Authorization": f"Bearer {token}"}
    )
    challenge = response.get("WWW-Authenticate", "")
    return {"status": response.status_code, "body": response.json(), "challenge": challenge}


results = {
    "first": post(tokens["valid"], "first"),
    "other_body": post(tokens["valid"], "second"),
    "exact_retry": post(tokens["valid"], "first"),
    "wrong_audience": post(tokens["wrong_audience"], "first"),
    "events": events,
    "spent_tokens": SpentToken.objects.count(),
}
"""


@pytest.fixture(scope="module")
def api_guard_copy(tmp_path_factory, signing_key) -> Iterator[CopiedApp]:
    with StandInProvider(signing_key) as provider:
        project = fresh_project(
            tmp_path_factory.mktemp("api_guard"),
            "api_auth",
            settings=settings_py(
                "api_auth", middleware=MIDDLEWARE, **api_settings(provider.issuer)
            ),
            urls=API_URLS,
            views=API_VIEWS,
        )
        commands = run_commands(project, "migrate", "check", "makemigrations --check --dry-run")
        tokens = {
            "valid": access_token(signing_key, provider.issuer),
            "wrong_audience": access_token(signing_key, provider.issuer, aud="https://other.test"),
        }
        results = exercise(project, API_SCRIPT, stdin=json.dumps(tokens))
        commands |= run_commands(project, "purge_spent_tokens")
        yield CopiedApp("api_auth", project, provider, commands, results)


def test_the_api_guard_copied_alone_migrates_and_passes_its_start_up_checks(api_guard_copy):
    commands = api_guard_copy.commands

    assert commands["migrate"].returncode == 0, commands["migrate"].stderr
    assert "Applying api_auth.0001_initial... OK" in commands["migrate"].stdout
    assert commands["check"].returncode == 0, commands["check"].stderr
    assert "System check identified no issues" in commands["check"].stdout
    # The shipped migration matches the model in a host that leaves DEFAULT_AUTO_FIELD alone.
    makemigrations = commands["makemigrations --check --dry-run"]
    assert makemigrations.returncode == 0, makemigrations.stdout
    assert "No changes detected" in makemigrations.stdout


def test_the_api_guard_copied_alone_imports_nothing_from_fabrikam(api_guard_copy):
    assert_isolated(api_guard_copy)


def test_the_api_guard_copied_alone_accepts_a_valid_token_once(api_guard_copy):
    results = api_guard_copy.results

    assert results["first"]["status"] == 201
    assert results["first"]["body"] == {"ok": True}
    assert results["spent_tokens"] == 1


def test_the_api_guard_copied_alone_refuses_the_same_token_for_another_request(api_guard_copy):
    other_body = api_guard_copy.results["other_body"]

    assert other_body["status"] == 401
    assert other_body["body"]["code"] == "invalid_token"
    assert "already been used" in other_body["body"]["detail"]
    assert 'error="invalid_token"' in other_body["challenge"]


def test_the_api_guard_copied_alone_answers_an_exact_retry_with_the_stored_answer(
    api_guard_copy,
):
    results = api_guard_copy.results

    assert results["exact_retry"]["status"] == 201
    assert results["exact_retry"]["body"] == {"ok": True}
    # Only one token_spent: the retry was answered from the record, not by the view again.
    assert [name for name, _ in results["events"]].count("token_spent") == 1


def test_the_api_guard_copied_alone_refuses_a_token_for_another_audience(api_guard_copy):
    wrong_audience = api_guard_copy.results["wrong_audience"]

    assert wrong_audience["status"] == 401
    assert wrong_audience["body"]["code"] == "invalid_token"
    assert "audience" in wrong_audience["body"]["detail"]
    assert 'error="invalid_token"' in wrong_audience["challenge"]


def test_the_api_guard_copied_alone_finds_its_keys_through_discovery_once(api_guard_copy):
    assert api_guard_copy.provider.served == [
        "/.well-known/openid-configuration",
        "/.well-known/jwks.json",
    ]


def test_the_api_guard_copied_alone_sends_its_signals_with_the_documented_arguments(
    api_guard_copy,
):
    assert api_guard_copy.results["events"] == [
        ["token_spent", ["request", "response", "token"]],
        ["token_replayed", ["request", "token"]],
    ]


def test_the_api_guard_copied_alone_has_its_purge_command(api_guard_copy):
    purge = api_guard_copy.commands["purge_spent_tokens"]

    assert purge.returncode == 0, purge.stderr
    # The token spent above has not expired yet, so its record must stay.
    assert purge.stdout.splitlines() == [
        "Purged 0 spent token record(s).",
        "Purged 0 DPoP proof record(s).",
    ]


# --- The web client, copied alone -------------------------------------------------------------

WEB_SCRIPT = """
from urllib.parse import parse_qs, urlsplit

from django.test import Client

from oidc_client import signals

names = {
    getattr(signals, name): name
    for name in ("signed_in", "signed_out", "step_up_passed", "step_up_refused")
}
events = []


def record(sender, signal, **kwargs):
    events.append([names[signal], sorted(kwargs)])


for signal in names:
    signal.connect(record)


def answer(response):
    location = urlsplit(response.get("Location", ""))
    return {
        "status": response.status_code,
        "location": location._replace(query="").geturl(),
        "params": {name: values[0] for name, values in parse_qs(location.query).items()},
        "text": response.content.decode(),
    }


def come_back(authorization, factor):
    # The provider's redirect back; the stand-in reads `factor:nonce` from the code.
    params = authorization["params"]
    return {"code": f"{factor}:{params['nonce']}", "state": params["state"]}


browser = Client()
results = {"anonymous": answer(browser.get("/secret"))}
results["sign_in"] = answer(browser.get("/login", {"next": "/secret"}))
results["signed_in"] = answer(browser.get("/callback", come_back(results["sign_in"], "pwd")))
results["step_up"] = answer(browser.get("/secret"))
results["without_mfa"] = answer(browser.get("/callback", come_back(results["step_up"], "pwd")))
results["asked_again"] = answer(browser.get("/secret"))
results["retried"] = answer(browser.get("/secret", {"retry": "1"}))
results["with_mfa"] = answer(browser.get("/callback", come_back(results["retried"], "mfa")))
results["secret"] = answer(browser.get("/secret"))
results["secret_again"] = answer(browser.get("/secret"))
results["signed_out"] = answer(browser.post("/logout"))
results["events"] = events
"""


@pytest.fixture(scope="module")
def web_client_copy(tmp_path_factory, signing_key) -> Iterator[CopiedApp]:
    with StandInProvider(signing_key) as provider:
        middleware = [*MIDDLEWARE, "oidc_client.middleware.OidcErrorMiddleware"]
        project = fresh_project(
            tmp_path_factory.mktemp("web_client"),
            "oidc_client",
            settings=settings_py(
                "oidc_client", middleware=middleware, **web_settings(provider.issuer)
            ),
            urls=WEB_URLS,
            views=WEB_VIEWS,
        )
        commands = run_commands(project, "migrate", "check")
        results = exercise(project, WEB_SCRIPT)
        yield CopiedApp("oidc_client", project, provider, commands, results)


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_the_web_client_copied_alone_migrates_and_passes_its_start_up_checks(web_client_copy):
    commands = web_client_copy.commands

    assert commands["migrate"].returncode == 0, commands["migrate"].stderr
    assert commands["check"].returncode == 0, commands["check"].stderr
    assert "System check identified no issues" in commands["check"].stdout


def test_the_web_client_copied_alone_imports_nothing_from_fabrikam(web_client_copy):
    assert_isolated(web_client_copy)


def test_the_web_client_copied_alone_sends_sign_in_to_the_provider_with_pkce(web_client_copy):
    results, issuer = web_client_copy.results, web_client_copy.provider.issuer
    sign_in = results["sign_in"]
    params = sign_in["params"]

    assert results["anonymous"]["status"] == 302
    assert (results["anonymous"]["location"], results["anonymous"]["params"]) == (
        "/login",
        {"next": "/secret"},
    )
    assert (sign_in["status"], sign_in["location"]) == (302, f"{issuer}authorize")
    assert params["response_type"] == "code"
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == "http://testserver/callback"
    assert params["scope"] == "openid profile email"
    assert params["audience"] == AUDIENCE
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43  # base64url of a SHA-256 digest
    assert params["state"]
    assert params["nonce"]


def test_the_web_client_copied_alone_signs_in_through_the_token_endpoint(web_client_copy):
    results, provider = web_client_copy.results, web_client_copy.provider
    first_token_request = provider.token_requests[0]

    assert (results["signed_in"]["status"], results["signed_in"]["location"]) == (302, "/secret")
    # client_secret_basic, the default: the credentials in the header, not the body.
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert first_token_request["authorization"] == f"Basic {basic}"
    assert "client_secret" not in first_token_request
    assert first_token_request["redirect_uri"] == "http://testserver/callback"
    challenge = results["sign_in"]["params"]["code_challenge"]
    assert pkce_challenge(first_token_request["code_verifier"]) == challenge


def test_the_web_client_copied_alone_steps_up_with_mfa_and_a_login_hint(web_client_copy):
    step_up = web_client_copy.results["step_up"]
    params = step_up["params"]

    assert (step_up["status"], step_up["location"]) == (
        302,
        f"{web_client_copy.provider.issuer}authorize",
    )
    assert params["acr_values"] == MFA_ACR
    # No max_age=0 by default: the provider asks for the second factor, and for the password
    # only when its own session is old; the callback still demands a fresh second factor.
    assert "max_age" not in params
    assert params["scope"] == "openid write:notes"
    assert params["login_hint"] == EMAIL
    assert params["code_challenge_method"] == "S256"


def test_the_web_client_copied_alone_refuses_a_step_up_without_a_second_factor(
    web_client_copy,
):
    results = web_client_copy.results

    assert results["without_mfa"]["status"] == 403
    assert "did not confirm a second factor" in results["without_mfa"]["text"]
    # The loop guard: no automatic second attempt, until the user asks for one.
    assert results["asked_again"]["status"] == 403
    assert "did not ask again automatically" in results["asked_again"]["text"]
    assert results["retried"]["status"] == 302
    assert results["retried"]["params"]["acr_values"] == MFA_ACR


def test_the_web_client_copied_alone_opens_the_view_once_after_a_step_up_with_mfa(
    web_client_copy,
):
    results = web_client_copy.results

    assert (results["with_mfa"]["status"], results["with_mfa"]["location"]) == (302, "/secret")
    assert results["secret"]["status"] == 200
    assert json.loads(results["secret"]["text"]) == {"has_elevated_token": True}
    # The elevated token was taken: the next visit steps up again.
    assert results["secret_again"]["status"] == 302
    assert results["secret_again"]["params"]["acr_values"] == MFA_ACR


def test_the_web_client_copied_alone_signs_out_at_the_provider_too(web_client_copy):
    signed_out = web_client_copy.results["signed_out"]

    assert (signed_out["status"], signed_out["location"]) == (
        302,
        f"{web_client_copy.provider.issuer}oidc/logout",
    )
    assert signed_out["params"]["client_id"] == CLIENT_ID
    assert signed_out["params"]["post_logout_redirect_uri"] == "http://testserver/"
    assert signed_out["params"]["id_token_hint"]


def test_the_web_client_copied_alone_sends_its_signals_with_the_documented_arguments(
    web_client_copy,
):
    assert web_client_copy.results["events"] == [
        ["signed_in", ["claims", "request", "user"]],
        ["step_up_refused", ["reason", "request", "step_up"]],
        ["step_up_passed", ["claims", "request", "step_up"]],
        ["signed_out", ["request", "user"]],
    ]


# --- Both ------------------------------------------------------------------------------------


@pytest.mark.parametrize("copied", ["api_guard_copy", "web_client_copy"])
def test_the_copied_folder_is_used_unedited(request, copied):
    copied_app: CopiedApp = request.getfixturevalue(copied)
    copy = file_digests(copied_app.project / copied_app.app)

    assert "apps.py" in copy
    assert copy == file_digests(REPO / copied_app.app)


UNCONFIGURED_SCRIPT = """
from django.test import Client

bearer = {"Authorization": "Bearer a.b.c"}
response = Client().post("/notes", {}, "application/json", headers=bearer)
results = {"status": response.status_code, "body": response.json()}
"""


def test_the_api_guard_copied_without_an_issuer_names_it_at_start_up_and_answers_503(tmp_path):
    project = fresh_project(
        tmp_path,
        "api_auth",
        settings=settings_py("api_auth", middleware=MIDDLEWARE, API_AUDIENCE=AUDIENCE),
        urls=API_URLS,
        views=API_VIEWS,
    )

    check = python(project, "manage.py", "check")
    strict_check = python(project, "manage.py", "check", "--fail-level", "WARNING")
    results = exercise(project, UNCONFIGURED_SCRIPT)

    # A warning, so a site can start before its provider is chosen (api_auth/checks.py);
    # a deployment that wants it fatal runs `check --fail-level WARNING`.
    assert check.returncode == 0
    assert "api_auth.W002" in check.stderr
    assert "API_ISSUER is not set" in check.stderr
    assert strict_check.returncode == 1
    # The first request gets a plain problem, not a crash.
    assert results["status"] == 503
    assert results["body"]["code"] == "not_configured"


def test_the_web_client_copied_without_a_client_id_fails_its_start_up_checks(tmp_path):
    settings = web_settings("https://issuer.example.test/")
    del settings["OIDC_CLIENT_ID"]
    project = fresh_project(
        tmp_path,
        "oidc_client",
        settings=settings_py("oidc_client", middleware=MIDDLEWARE, **settings),
        urls=WEB_URLS,
        views=WEB_VIEWS,
    )

    check = python(project, "manage.py", "check")

    assert check.returncode == 1
    assert "oidc_client.E002" in check.stderr
    assert "OIDC_ISSUER is set but OIDC_CLIENT_ID is not" in check.stderr


# --- docs/copying.md shows what this file runs ------------------------------------------------

GUIDE = REPO / "docs" / "copying.md"


def documented_settings(guide: str, prefix: str) -> set[str]:
    """The setting names in the first column of the guide's settings tables."""
    return {line.split("`")[1] for line in guide.splitlines() if line.startswith(f"| `{prefix}")}


def test_the_copying_guide_shows_the_example_views_this_file_runs():
    guide = GUIDE.read_text()

    assert f"```python\n{API_VIEWS}```" in guide
    assert f"```python\n{WEB_VIEWS}```" in guide


def test_the_copying_guide_lists_every_setting_of_both_apps():
    guide = GUIDE.read_text()

    assert documented_settings(guide, "OIDC_") == set(oidc_setting_names())
    assert documented_settings(guide, "API_") == set(api_setting_names())
