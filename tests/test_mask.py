"""mask.mask, the one exit for text: each shape of secret iaclint has printed, and what must stay readable."""
from __future__ import annotations

from iaclint.graph.credentials import fingerprint
from iaclint.mask import mask, mask_tree

UUID = "3f1c2b9e-5d4a-4e7f-9a21-8c0d6b5e4f13"
GHP = "ghp_" + "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2"


def test_a_trailing_comment_saying_here_does_not_turn_masking_off():
    for line in (f"RAILWAY_API_TOKEN={UUID} # paste here", f"TOKEN={UUID}  # your token here"):
        out = mask(line, source=True)
        assert UUID[:8] not in out and out.endswith("here"), out


def test_railway_program_and_json_excerpts():
    ts = f'    env: {{RAILWAY_API_TOKEN: "{UUID}", NODE_ENV: "production"}},'
    assert mask(ts, source=True) == '    env: {RAILWAY_API_TOKEN: "****", NODE_ENV: "production"},'
    js = f'{{"services": {{"api": {{"variables": {{"RAILWAY_API_TOKEN": {{"value": "{UUID}"}}}}}}}}}}'
    assert UUID[:8] not in mask(js, source=True)
    # a name-only credential the scan found is masked by its fingerprint, in any text, as its finding shows it
    assert mask(f"copied from {UUID} earlier", {fingerprint(UUID): "…(36 chars)"}) == "copied from …(36 chars) earlier"


def test_parse_error_and_evaluation_messages():
    assert mask(f"invalid HCL syntax near '\"{GHP}\"'") == "invalid HCL syntax near '\"ghp_…(40 chars)\"'"
    assert mask(f"invalid HCL syntax near '\"{GHP[:30]}'") == "invalid HCL syntax near '\"ghp_…(30 chars)'"  # cut
    assert mask(f"invalid HCL syntax near '\"{UUID}\"'", source=True) == "invalid HCL syntax near '\"****\"'"
    assert mask(f'aws_db_instance.db has deletion_protection = "{GHP}": one API call') == \
        'aws_db_instance.db has deletion_protection = "ghp_…(40 chars)": one API call'
    assert GHP not in mask(f'tags has key "{GHP}"; file("keys/{GHP}.txt") cannot be read')


def test_urls_pem_and_secret_named_assignments():
    assert mask(f"module 'm' comes from 'git::https://oauth2:{GHP}@github.com/a/b.git'") == \
        "module 'm' comes from 'git::https://oauth2:ghp_…(40 chars)@github.com/a/b.git'"
    assert mask("postgres://app:s3cr3t-pw@db:5432/x") == "postgres://app:****@db:5432/x"
    assert mask("-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg\\n-----END PRIVATE KEY-----") == \
        "-----BEGIN PRIVATE KEY-----****-----END PRIVATE KEY-----"
    assert mask('password = "hunter2hunter2"; "api_key": "q7Rw2zLk9vXp"; DB_PASSWORD=letmein99') == \
        'password = "****"; "api_key": "****"; DB_PASSWORD=****'


def test_what_stays_readable():
    for text in ("DATABASE_URL in staging points at db-prod.example.com:5432/app",
                 "RAILWAY_TOKEN=${{ shared.RAILWAY_TOKEN }}", 'token = var.railway_token', "password: <your password here>",
                 "account-scoped token RAILWAY_API_TOKEN (…(36 chars)) in .env:1", "scope: project token"):
        assert mask(text) == text
    assert mask(mask(f"x {GHP}")) == mask(f"x {GHP}")  # idempotent


def test_mask_tree_keeps_listed_keys():
    doc = {"fingerprint": GHP, "file": f"a/{GHP}.tf", "rows": [{"m": GHP}]}
    out = mask_tree(doc, keep=frozenset({"fingerprint"}))
    assert out["fingerprint"] == GHP and GHP not in out["file"] and out["rows"][0]["m"] == "ghp_…(40 chars)"


def test_a_json_key_is_a_name_in_source_excerpts():
    """A Railway export keys volumeMounts by volume id: the excerpt must show which volume the finding means. The
    same UUID as a value, and a token of a known shape even as a key, stay masked."""
    vol = "0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b"
    assert mask(f'        "{vol}": {{', source=True) == f'        "{vol}": {{'
    assert vol not in mask(f'  "RAILWAY_TOKEN": "{vol}",', source=True)
    assert vol not in mask(f'  "id": "{vol}"', source=True)
    token = "ghp_" + "Zq8" * 12
    assert token not in mask(f'  "{token}": "owner",', source=True)


def test_a_text_meets_only_the_token_shapes_whose_literal_it_holds():
    """mask runs the alternation of the shapes whose literal a text holds: the same masking as all of them, for
    every shape (a Stripe restricted key ``rk_test_`` has its kind's prefix ``sk_test_`` only as a shape)."""
    import re

    from iaclint import mask as m

    table, prefixes = m._token_table()
    full = re.compile("|".join(f"(?P<k{i}>{rx})" for i, (rx, _, _) in enumerate(table)))
    tail = "Ab1" * 30
    for p in sorted({p for p in prefixes if p} | {"rk_test_", "dor_v1_", "fm1r_"}):
        text = f"x {p}{tail} and postgres://u:pw@h/db eyJhbGciOiJIUzI1NiJ9x.y"
        expected = full.sub(lambda mt: m.redact(mt.group(0), prefixes[int(mt.lastgroup[1:])]), text)
        assert m._tokens(text) == m._JWT.sub("eyJ" + m.MASK, expected), p


def test_a_masker_masks_as_mask_does_once_per_text():
    from iaclint.mask import Masker

    secrets = {fingerprint(UUID): "…(36 chars)"}
    texts = [f"copied from {UUID} earlier", f"TOKEN={UUID}", "plain text", "", GHP, f"x {GHP} {UUID}"] * 2
    one = Masker(secrets)
    for t in texts:
        assert one(t) == mask(t, secrets) and one(t, source=True) == mask(t, secrets, source=True)
    doc = {"a": [f"k {UUID}", {UUID: GHP}], "n": 3}
    assert one.tree(doc) == mask_tree(doc, secrets)


def test_pieces_are_every_split_s_pieces():
    """_pieces cuts only the coarse pieces holding a finer separator: the same pieces as each of _PIECE_SPLITS
    cutting the whole text (a found credential's value between any of them is still replaced)."""
    import random

    from iaclint import mask as m

    rng = random.Random(7)
    alphabet = "abcXYZ0189_-.+" + " \t\n\"'`=:,;{}()[]<>@/\\"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 60)))
        want = {p for split in m._PIECE_SPLITS for p in split.split(text) if len(p) >= m._MIN_SECRET}
        assert set(m._pieces(text)) == want, text
