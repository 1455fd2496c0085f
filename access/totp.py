"""The second factor of local accounts: time-based one-time codes (RFC 6238, with pyotp).

A seed is drawn when the account first logs in (or by `rrc users demo`), shown once as a QR code
and as text, and kept only once a code made from it has been typed back. A code is accepted in
its 30-second period and the one after (the time to type it), and serves once: the time step of
the last accepted code is stored, and a code of that step or an earlier one is refused.
"""

from __future__ import annotations

import hmac
import time
from datetime import UTC, datetime

import pyotp
import sqlalchemy as sa

from access.store import engine, users

ISSUER = "RRC tableaux de bord"
PERIOD = 30  # seconds: what every authenticator app uses


def new_seed() -> str:
    """160 random bits (the RFC's recommended length), base32 as authenticator apps expect."""
    return pyotp.random_base32(32)


def uri(username: str, seed: str) -> str:
    """The otpauth:// address a QR code carries to the authenticator app."""
    return pyotp.TOTP(seed, interval=PERIOD).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(text: str) -> str:
    """`text` as a QR code in SVG markup, drawn on the server (nothing loaded from elsewhere)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")  # type: ignore[no-any-return,union-attr]


def seed_to_enrol(username: str) -> str:
    """The unconfirmed seed of the account, drawn now if it has none (a reload shows the same)."""
    with engine().begin() as con:
        row = con.execute(
            sa.select(users.c.totp_secret, users.c.totp_enrolled_at).where(
                users.c.username == username
            )
        ).first()
        if row is None:
            raise KeyError(username)
        if row.totp_enrolled_at is not None:
            raise ValueError(f"{username} already has a second factor")
        if row.totp_secret:
            return str(row.totp_secret)
        seed = new_seed()
        con.execute(users.update().where(users.c.username == username).values(totp_secret=seed))
    return seed


def enrol(username: str, seed: str) -> None:
    """Give the account this seed, confirmed (`rrc users demo`, tests)."""
    with engine().begin() as con:
        con.execute(
            users.update()
            .where(users.c.username == username)
            .values(totp_secret=seed, totp_enrolled_at=_now(), totp_last_step=None)
        )


def reset(username: str) -> bool:
    """Forget the account's seed (a lost phone): a new one is enrolled at its next login, and
    its open sessions end."""
    with engine().begin() as con:
        return bool(
            con.execute(
                users.update()
                .where(users.c.username == username)
                .values(
                    totp_secret=None,
                    totp_enrolled_at=None,
                    totp_last_step=None,
                    session_version=users.c.session_version + 1,
                )
            ).rowcount
        )


def check(username: str, code: str, now: float | None = None) -> bool:
    """True once for a right code of the account's seed (enrolled or being enrolled, which it
    then confirms); False for a wrong, expired or already used code."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return False
    with engine().connect() as con:
        row = con.execute(sa.select(users).where(users.c.username == username)).first()
    if row is None or not row.totp_secret:
        return False
    totp = pyotp.TOTP(row.totp_secret, interval=PERIOD)
    step_now = int((time.time() if now is None else now) // PERIOD)
    matched = [
        step
        for step in (step_now - 1, step_now)
        if hmac.compare_digest(totp.at(step * PERIOD), code)
    ]
    if not matched:
        return False
    step = matched[-1]
    values: dict[str, object] = {"totp_last_step": step}
    if row.totp_enrolled_at is None:
        values["totp_enrolled_at"] = _now()
    with engine().begin() as con:  # the step moves forward once: a replayed code finds it taken
        done = con.execute(
            users.update()
            .where(
                users.c.username == username,
                users.c.totp_secret == row.totp_secret,
                sa.or_(users.c.totp_last_step.is_(None), users.c.totp_last_step < step),
            )
            .values(**values)
        ).rowcount
    return bool(done)


def code_now(username: str) -> str:
    """The account's current code (`rrc users demo-code`, demo accounts only)."""
    with engine().connect() as con:
        seed = con.execute(
            sa.select(users.c.totp_secret).where(users.c.username == username)
        ).scalar()
    if not seed:
        raise KeyError(username)
    return pyotp.TOTP(seed, interval=PERIOD).now()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
