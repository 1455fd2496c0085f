"""Throttling and lock-out of logins, per account name and per client address.

After `free_attempts` failures in a row for an account name, its next attempt waits
`delay_seconds`, doubled at each further failure up to `max_delay_seconds`; an attempt made
before its time is refused without looking at the password. `lock_after` failures lock the
account name for `lock_minutes` (its sessions end); `address_lock_after` failures from one
address lock that address. Names that match no account are counted the same way, so the
answers never tell whether an account exists. Settings: `[login]` of config/access.toml.
`rrc users unlock` lifts a lock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa

from access.policy import Login, load_policy
from access.store import engine, throttle


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is refused before its password is looked at."""

    locked: bool  # a lock (else: a wait between attempts)
    seconds: int  # until the next attempt may be made

    def message(self) -> str:
        """In French, the same whether the account exists or not."""
        if self.locked:
            minutes = max(1, -(-self.seconds // 60))
            return (
                "Trop d'échecs de connexion : l'accès est verrouillé pour "
                f"{minutes} min. Réessayez plus tard ou demandez à l'administrateur du réseau "
                "de le déverrouiller."
            )
        return f"Trop de tentatives : patientez {self.seconds} s avant de réessayer."


@dataclass(frozen=True)
class Failure:
    """What a failure changed: the keys it has just locked ("account:…", "address:…")."""

    locked: tuple[str, ...]


def _keys(username: str, address: str) -> list[str]:
    return [f"account:{username.lower()}", f"address:{address or 'local'}"]


def _delay(limits: Login, failures: int) -> float:
    if failures < limits.free_attempts:
        return 0.0
    return min(
        limits.delay_seconds * 2 ** (failures - limits.free_attempts), limits.max_delay_seconds
    )


def refusal(username: str, address: str, now: float | None = None) -> Refusal | None:
    """The refusal an attempt gets now for this name from this address, if any."""
    now = time.time() if now is None else now
    limits = load_policy().login
    with engine().connect() as con:
        rows = con.execute(
            sa.select(throttle).where(throttle.c.key.in_(_keys(username, address)))
        ).all()
    worst: Refusal | None = None
    for row in rows:
        if now - row.last_failure_at > limits.forget_minutes * 60:
            continue
        if row.locked_until and row.locked_until > now:
            candidate = Refusal(True, int(row.locked_until - now) + 1)
        elif row.key.startswith("address:"):
            continue  # an address (a whole office behind one) is only ever locked, not slowed
        else:
            wait = row.last_failure_at + _delay(limits, row.failures) - now
            if wait <= 0:
                continue
            candidate = Refusal(False, int(wait) + 1)
        if worst is None or (candidate.locked, candidate.seconds) > (worst.locked, worst.seconds):
            worst = candidate
    return worst


def failed(username: str, address: str, now: float | None = None) -> Failure:
    """Count a failure (wrong password or code) against the name and the address."""
    now = time.time() if now is None else now
    limits = load_policy().login
    locked: list[str] = []
    with engine().begin() as con:
        for key in _keys(username, address):
            row = con.execute(sa.select(throttle).where(throttle.c.key == key)).first()
            fresh = row is None or now - row.last_failure_at > limits.forget_minutes * 60
            failures = 1 if fresh else row.failures + 1  # type: ignore[union-attr]
            still = None if fresh or row is None else row.locked_until
            limit = limits.lock_after if key.startswith("account:") else limits.address_lock_after
            locked_until = still if still and still > now else None
            if failures >= limit and locked_until is None:
                locked_until = now + limits.lock_minutes * 60
                locked.append(key)
            values = {"failures": failures, "last_failure_at": now, "locked_until": locked_until}
            if row is None:
                con.execute(throttle.insert().values(key=key, **values))
            else:
                con.execute(throttle.update().where(throttle.c.key == key).values(**values))
    return Failure(tuple(locked))


def succeeded(username: str) -> None:
    """A full login: the name's failures are forgotten (the address's decay with time)."""
    with engine().begin() as con:
        con.execute(throttle.delete().where(throttle.c.key == _keys(username, "")[0]))


def unlock(username: str | None = None, address: str | None = None) -> int:
    """Forget the failures of a name and/or an address; how many locks or counts were lifted."""
    keys = ([f"account:{username.lower()}"] if username else []) + (
        [f"address:{address}"] if address else []
    )
    with engine().begin() as con:
        return con.execute(throttle.delete().where(throttle.c.key.in_(keys))).rowcount
