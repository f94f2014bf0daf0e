"""OpenID Connect: tokens of an identity provider whose key pair and JWKS this test makes and serves."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.testing import WorkflowEnvironment

from service.security.oidc import map_grants
from tests.support.security import PROBLEM, create_nomination, nomination_body, running_api, unit_id

ISSUER = "https://dangnhap.gialai.test/realms/gl"
AUDIENCE = "thidua"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # not in the JWKS
ROLE_MAP = {"can-bo-thi-dua": "clerk", "quan-tri": "admin:subtree", "thu-ky-hd": "council_secretary"}


def _jwks() -> dict[str, Any]:
    rsa_jwk = json.loads(RSAAlgorithm.to_jwk(RSA_KEY.public_key()))
    ec_jwk = json.loads(ECAlgorithm.to_jwk(EC_KEY.public_key()))
    return {
        "keys": [
            {**rsa_jwk, "kid": "rsa-1", "use": "sig", "alg": "RS256"},
            {**ec_jwk, "kid": "ec-1", "use": "sig", "alg": "ES256"},
        ]
    }


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    body = json.dumps(_jwks()).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/certs" else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body if self.path == "/certs" else b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/certs"
    server.shutdown()


@pytest.fixture
async def api(
    env: WorkflowEnvironment, engine: AsyncEngine, database_url: str, jwks_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    async with running_api(
        env,
        engine,
        database_url,
        oidc_issuer=ISSUER,
        oidc_audience=AUDIENCE,
        oidc_jwks_url=jwks_url,
        oidc_role_map=ROLE_MAP,
        oidc_unit_claim="ma_don_vi",
        oidc_roles_claim="vai_tro",
    ) as client:
        yield client


def _claims(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "3f0a6c1e-0000-4000-8000-000000000001",
        "preferred_username": "tran.thi.mai",
        "name": "Trần Thị Mai",
        "ma_don_vi": "GL-BH-THCS",
        "vai_tro": ["can-bo-thi-dua", "offline_access"],
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
    }
    for key, value in overrides.items():
        if value is None:
            claims.pop(key, None)
        else:
            claims[key] = value
    return claims


def _token(claims: dict[str, Any], key: Any = RSA_KEY, alg: str = "RS256", kid: str = "rsa-1") -> str:
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_valid_token_signs_in_with_mapped_roles(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    school = await unit_id(engine, "GL-BH-THCS")
    r = await api.get("/api/v1/me", headers=_bearer(_token(_claims())))
    assert r.status_code == 200, r.text
    me = r.json()
    assert me["full_name"] == "Trần Thị Mai" and me["username"] == "oidc:tran.thi.mai"
    assert me["roles"] == [{"role": "clerk", "unit_id": school}]  # "offline_access" maps to nothing
    # The same person next time is the same user row; an EC key of the JWKS works too.
    again = await api.get("/api/v1/me", headers=_bearer(_token(_claims(), EC_KEY, "ES256", "ec-1")))
    assert again.json()["id"] == me["id"]
    # And acts as a clerk of the school: the nomination records them as its author.
    nid = await create_nomination(api, _bearer(_token(_claims())), nomination_body(school, name="Lê Thị OIDC"))
    assert (await api.get(f"/api/v1/nominations/{nid}", headers=_bearer(_token(_claims())))).status_code == 200


async def test_a_subtree_role_from_the_provider_sees_below_its_unit(
    api: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    school = await unit_id(engine, "GL-BH-THCS")
    clerk = _bearer(_token(_claims()))
    nid = await create_nomination(api, clerk, nomination_body(school, name="Phạm Văn Cây"))
    commune_admin = _claims(sub="admin-bh", preferred_username="qt.bienho", ma_don_vi="GL-BH", vai_tro=["quan-tri"])
    assert (await api.get(f"/api/v1/nominations/{nid}", headers=_bearer(_token(commune_admin)))).status_code == 200
    plain = _claims(sub="clerk-bh", preferred_username="cb.bienho", ma_don_vi="GL-BH", vai_tro=["can-bo-thi-dua"])
    assert (await api.get(f"/api/v1/nominations/{nid}", headers=_bearer(_token(plain)))).status_code == 404


@pytest.mark.parametrize(
    ("case", "token"),
    [
        ("wrong audience", lambda: _token(_claims(aud="another-app"))),
        ("wrong issuer", lambda: _token(_claims(iss="https://evil.test"))),
        ("expired", lambda: _token(_claims(exp=datetime.now(UTC) - timedelta(minutes=2)))),
        ("not yet valid", lambda: _token(_claims(nbf=datetime.now(UTC) + timedelta(minutes=5)))),
        ("no expiry", lambda: _token(_claims(exp=None))),
        ("key not in the JWKS", lambda: _token(_claims(), OTHER_KEY, "RS256", "rsa-1")),
        ("unknown key id", lambda: _token(_claims(), OTHER_KEY, "RS256", "rsa-9")),
        ("algorithm not allowed", lambda: _token(_claims(), RSA_KEY, "RS512", "rsa-1")),
        ("key pinned to another algorithm", lambda: _token(_claims(), RSA_KEY, "PS256", "rsa-1")),
        ("alg none", lambda: jwt.encode(_claims(), None, algorithm="none", headers={"kid": "rsa-1"})),  # type: ignore[arg-type]
        (
            "HMAC with the public key as secret",
            lambda: _hs256_with_public_key(),
        ),
        ("unknown unit", lambda: _token(_claims(ma_don_vi="NO-SUCH-UNIT"))),
        ("no unit claim", lambda: _token(_claims(ma_don_vi=None))),
    ],
)
async def test_bad_tokens_are_refused(api: httpx.AsyncClient, case: str, token: Any) -> None:
    r = await api.get("/api/v1/me", headers=_bearer(token()))
    assert r.status_code == 401, case
    assert r.headers["content-type"] == PROBLEM and "Traceback" not in r.text


def _hs256_with_public_key() -> str:
    import base64
    import hashlib
    import hmac

    pem = RSA_KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    claims = {k: int(v.timestamp()) if isinstance(v, datetime) else v for k, v in _claims().items()}
    signing_input = f"{b64(json.dumps({'alg': 'HS256', 'kid': 'rsa-1'}).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def test_role_mapping() -> None:
    assert [(g.role, g.unit_code, g.subtree) for g in map_grants(["quan-tri", "x"], "GL", ROLE_MAP)] == [
        ("admin", "GL", True)
    ]
    assert [(g.role, g.unit_code) for g in map_grants("thu-ky-hd@GL-BH-HDTDKT can-bo-thi-dua", "GL-BH", ROLE_MAP)] == [
        ("council_secretary", "GL-BH-HDTDKT"),
        ("clerk", "GL-BH"),
    ]
    assert map_grants(None, "GL", ROLE_MAP) == [] and map_grants({"a": 1}, "GL", ROLE_MAP) == []
