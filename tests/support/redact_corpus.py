"""A recall corpus for redaction: diff lines holding a secret of many kinds (formats the usual secret scanners
know, credentials in the config and code shapes people commit), and realistic lines that hold none.

Every value is fake but well formed, built here; none is a live credential.
"""

from __future__ import annotations

import base64


def fake(sample: str, length: int) -> str:
    """A well-formed fake value: `sample` repeated to exactly `length` characters."""
    return (sample * length)[:length]


HEX32 = fake("8f3a1c9e5b7d2f4a", 32)
HEX64 = fake("6c8e0b1d3f5a7c9e", 64)
BECH32 = fake("qpzry9x8gf2tvdw0s3jn54khce6mua7l".upper(), 58)
DOCKER_AUTH = base64.b64encode(b"deploy:d3pl0y-registry-pass").decode()
NPM_AUTH = base64.b64encode(b"ci-user:npm-Pa55word").decode()
SAS_SIG = "Zk3%2Bq9YtLm0pQ7rS2vW8xA1bC4dE6fG9hJ0kL2mN5oP%3D"
PEM_BODY = fake("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", 64)
# a service-account JSON stored as a string inside another JSON document: its newlines are `\\n`
PEM_TWICE = r"-----BEGIN PRIVATE KEY-----\\n" + PEM_BODY + r"\\n" + PEM_BODY[::-1] + r"\\n-----END PRIVATE KEY-----"

# (diff line, the secret in it, the placeholder kind)
POSITIVES: list[tuple[str, str, str]] = [
    # passwords in env files, shells and compose files, by every usual suffix
    ("+export MYSQL_PWD=Xq9!trLm4", "Xq9!trLm4", "secret"),
    ("+REDIS_PASS=r3d1s-Pa55", "r3d1s-Pa55", "secret"),
    ('+SMTP_PASSWD="m4il-Pw-2024"', "m4il-Pw-2024", "secret"),
    ("+JWT_SECRET=9c1f0e7a2b5d48c6", "9c1f0e7a2b5d48c6", "secret"),
    ("+      - POSTGRES_PASSWORD=pg-C0mpose-pw", "pg-C0mpose-pw", "secret"),
    ('+      MONGO_INITDB_ROOT_PASSWORD: "M0ng0-r00t"', "M0ng0-r00t", "secret"),
    ("+  password: cGFzc3dvcmQxMjM=", "cGFzc3dvcmQxMjM=", "secret"),
    ('+administrator_login_password = "Tf-Adm1n-Pw!"', "Tf-Adm1n-Pw!", "secret"),
    ("+secret_key_base: 4f2a9c1e7b3d5f8a0c2e4a6b8d0f1a3c", "4f2a9c1e7b3d5f8a0c2e4a6b8d0f1a3c", "secret"),
    # typed declarations: Java, C#, Kotlin, Go, TypeScript, Rust, PHP
    ('+    private String dbPass = "Tomcat#2024";', "Tomcat#2024", "secret"),
    ('+    private const string AdminPwd = "Adm1n!Pwd";', "Adm1n!Pwd", "secret"),
    ('+    val apiToken: String = "kt-7Hf2Lq9Zx"', "kt-7Hf2Lq9Zx", "secret"),
    ('+var dbPass string = "go-Pa55w0rd"', "go-Pa55w0rd", "secret"),
    ('+const clientSecret: string = "ts-9fH3kLm2Qp";', "ts-9fH3kLm2Qp", "secret"),
    ('+let api_key = "rs-k3y-9f8e7d";', "rs-k3y-9f8e7d", "secret"),
    ("+define( 'DB_PASSWORD', 'wp-Db-P4ss' );", "wp-Db-P4ss", "secret"),
    ('+\tPassword: "g0-Struct-pw",', "g0-Struct-pw", "secret"),
    # connection strings and URLs
    ('+"Server=sql01;Database=shop;User Id=sa;Password=Sq1-Srv!2019;"', "Sq1-Srv!2019", "secret"),
    ("+jdbc.url=jdbc:postgresql://db:5432/app?user=app&password=JdBc-pw-77", "JdBc-pw-77", "secret"),
    ("+GET https://api.example.com/v1/items?access_token=at-4f8e2c1b9d7a", "at-4f8e2c1b9d7a", "secret"),
    ("+AMQP_URL=amqps://worker:Rabb1t-Pw@mq.internal:5671/jobs", "Rabb1t-Pw", "url-password"),
    (
        f"+BLOB=https://acct.blob.core.windows.net/c/f.txt?sv=2022-11-02&ss=b&sp=r&se=2026-01-01&sig={SAS_SIG}",
        SAS_SIG,
        "azure-sas",
    ),
    (
        "+SB=Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;"
        f"SharedAccessKey={fake('kQ8mZ2xP9vL4', 43)}=",
        fake("kQ8mZ2xP9vL4", 43) + "=",
        "azure-storage-key",
    ),
    # registry and tool credential files
    (f'+      "auth": "{DOCKER_AUTH}"', DOCKER_AUTH, "basic-auth"),
    (f"+//npm.example.com/:_auth={NPM_AUTH}", NPM_AUTH, "basic-auth"),
    ("+db.internal:5432:billing:billing_app:Bq7-pg!pass", "Bq7-pg!pass", "pgpass"),
    ("+*:*:*:replicator:Repl1c4te", "Repl1c4te", "pgpass"),
    ("+machine api.example.com login deploy password n3tRc-S3cret", "n3tRc-S3cret", "secret"),
    ("+curl -u admin:Cu7l-pa55 https://ci.example.com/api/json", "Cu7l-pa55", "basic-auth"),
    ('+curl -H "X-API-Key: 4f9a8b7c6d5e4f3a2b1c" https://api.example.com', "4f9a8b7c6d5e4f3a2b1c", "secret"),
    # key material in code
    (f'+key = bytes.fromhex("{HEX32}")', HEX32, "hex-key"),
    (f"+    k = binascii.unhexlify('{HEX64}')", HEX64, "hex-key"),
    (f'+key, _ := hex.DecodeString("{HEX64}")', HEX64, "hex-key"),
    (f'+  "creds": "{{\\"private_key\\": \\"{PEM_TWICE}\\\\n\\"}}"', PEM_TWICE, "private-key"),
    # vendor formats
    (
        f"+password = pypi-AgEIcHlwaS5vcmc{fake('Q2x1Yi1pbmRl', 60)}",
        f"pypi-AgEIcHlwaS5vcmc{fake('Q2x1Yi1pbmRl', 60)}",
        "pypi-token",
    ),
    (f"+SHOPIFY={'shpat_' + fake('a1b2c3d4e5f6', 32)}", "shpat_" + fake("a1b2c3d4e5f6", 32), "shopify-token"),
    (f"+DO_TOKEN=dop_v1_{HEX64}", f"dop_v1_{HEX64}", "digitalocean-token"),
    (f'+host = "x"; tok = "dapi{HEX32}"', f"dapi{HEX32}", "databricks-token"),
    (f"+# age: AGE-SECRET-KEY-1{BECH32}", f"AGE-SECRET-KEY-1{BECH32}", "age-secret-key"),
    (f"+VAULT_TOKEN=hvs.{fake('CAESIJ7q_-x9', 95)}", f"hvs.{fake('CAESIJ7q_-x9', 95)}", "vault-token"),
    (f"+grafana: glsa_{fake('Ab3dEf9h', 32)}_{HEX32[:8]}", f"glsa_{fake('Ab3dEf9h', 32)}_{HEX32[:8]}", "grafana-token"),
    (f"+DOPPLER_TOKEN=dp.pt.{fake('xY7zQ2', 43)}", f"dp.pt.{fake('xY7zQ2', 43)}", "doppler-token"),
    (f"+linear = 'lin_api_{fake('k9L8m7N6', 40)}'", f"lin_api_{fake('k9L8m7N6', 40)}", "linear-key"),
    (f"+PM=PMAK-{HEX32[:24]}-{HEX64[:34]}", f"PMAK-{HEX32[:24]}-{HEX64[:34]}", "postman-key"),
    (f"+  pulumi: pul-{HEX64[:40]}", f"pul-{HEX64[:40]}", "pulumi-token"),
    (
        f"+bot = Bot('7351846203:AAH{fake('x7Yq_2-Lm', 32)}')",
        f"7351846203:AAH{fake('x7Yq_2-Lm', 32)}",
        "telegram-token",
    ),
    (f'+  "clientSecret": "Zx18Q~{fake("aB3.dE_6~gH", 34)}"', f"Zx18Q~{fake('aB3.dE_6~gH', 34)}", "azure-ad-secret"),
    (f"+SENTRY_AUTH=sntryu_{HEX64}", f"sntryu_{HEX64}", "sentry-token"),
    (f'+  "client_secret": "GOCSPX-{fake("Ab3-dE6_", 28)}"', f"GOCSPX-{fake('Ab3-dE6_', 28)}", "google-oauth-secret"),
    (f"+HEROKU=HRKU-AA{fake('bC4_dE5-fG6', 58)}", f"HRKU-AA{fake('bC4_dE5-fG6', 58)}", "heroku-key"),
    (f"+RUNNER=glrt-{fake('t1_AbCdEf9', 20)}", f"glrt-{fake('t1_AbCdEf9', 20)}", "gitlab-token"),
    (f"+SLACK_APP=xapp-1-A0123BCD-4567890123-{HEX64}", f"xapp-1-A0123BCD-4567890123-{HEX64}", "slack-token"),
    (f"+export AWS_SESSION_TOKEN={fake('FwoGZXIvYXdzEJr', 120)}", fake("FwoGZXIvYXdzEJr", 120), "secret"),
]

NEGATIVES: list[str] = [
    # labels and prose
    '+  password: "Mot de passe"',
    '+  "forgotPassword": "Passwort vergessen?"',
    '+    "apiKey": "Clé API",',
    "+  token: Jeton d'accès",
    '+    label: "API key"',
    # references to secrets, not secrets
    "+    existingSecret: postgres-credentials",
    '+    existingSecret: "my-release-redis"',
    "+      password: !vault |",
    "+      password: ${{ secrets.DB_PASSWORD }}",
    "+        secretKeyRef:",
    "+          name: db-secret",
    '+TOKEN_URL = "https://oauth2.googleapis.com/token"',
    # numbers and limits
    "+MAX_TOKEN = 131072",
    "+max_token: 262144",
    "+PASSWORD_RESET_TIMEOUT = 259200",
    "+password_reset_timeout = 3600",
    # words that look like a prefix
    "+Requires sk-learn-contrib-1.2.0 or later",
    "+Requires sk-learn-contrib-extensions-2024 (see docs)",
    "+# sk-learn-compatible-estimators-v2 wrap the model",
    # hashes, ids, public keys
    "+    sig = hmac.new(key, msg, hashlib.sha256).hexdigest()",
    "+https://example.com/search?q=sig&sig=1",
    '+    "auth": "required",',
    "+    return bytes.fromhex(value)",
    '+MAGIC = bytes.fromhex("deadbeef")',
    '+  - "127.0.0.1:5432:5432"',
    "+docker pull ghcr.io/org/app@sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
    '+<script src="x.js" integrity="sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC"></script>',
    '+  "integrity": "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8'
    'XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==",',
    "+ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHc1pV7yVx0p6oP7rS8tU9vW0xY1zA2bC3dE4fG5hI6j me@laptop",
    '+  "public_key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEq1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9",',
    '+    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"',
    '+    id: "f47ac10b-58cc-4372-a567-0e02b2c3d479"',
    "+Fixes 1f0e3dad99908345f7439f8ffabdffc4 and 3f9a1c2.",
    # code that names secrets
    '+    String password = request.getParameter("password");',
    "+    private String dbPass;",
    '+fields = ["username", "password", "email"]',
    '+    csrf_token = request.cookies.get("csrftoken")',
    "+  secret: true",
    "+var token string",
    "+        if not bypass:\n+            pass",
    "+compass: north",
]
