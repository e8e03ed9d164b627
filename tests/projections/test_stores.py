"""The side stores beside the events: secrets, subject keys and credentials."""

from __future__ import annotations

import threading
from uuid import uuid4

import pytest

from projections.config import ConfigError, Settings
from projections.stores import SecretStore, SQLCredentialStore, SQLKeyStore
from projections.system import System


def ask_at_once(system: System, name: str, processes: int = 8) -> list[bytes | BaseException]:
    """Each thread stands for a process starting up and asking for secret `name`."""
    stores = [SecretStore(system.db) for _ in range(processes)]
    barrier = threading.Barrier(processes)
    answers: list[bytes | BaseException] = []

    def ask(store: SecretStore) -> None:
        barrier.wait()
        try:
            answers.append(store.get(name))
        except BaseException as error:  # the failure being tested for
            answers.append(error)

    threads = [threading.Thread(target=ask, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_processes_asking_for_a_new_secret_at_once_all_get_the_same_one(system: System) -> None:
    for attempt in range(5):
        answers = ask_at_once(system, f"race-{attempt}")
        assert all(isinstance(a, bytes) for a in answers), answers
        assert len(set(answers)) == 1
        assert SecretStore(system.db).get(f"race-{attempt}") == answers[0]


def test_a_subject_key_is_made_once_kept_and_destroyed(system: System) -> None:
    keys = SQLKeyStore(system.db, system.secrets)
    subject = uuid4()
    assert keys.get_key(subject) is None
    key = keys.get_or_create_key(subject)
    assert len(key) == 32
    assert SQLKeyStore(system.db, system.secrets).get_or_create_key(subject) == key
    keys.destroy_key(subject)
    assert keys.get_key(subject) is None
    assert SQLKeyStore(system.db, system.secrets).get_key(subject) is None
    assert keys.pepper() == SQLKeyStore(system.db, system.secrets).pepper()


def test_passwords_are_stored_as_argon2_hashes_and_failures_counted(system: System) -> None:
    store = SQLCredentialStore(system.db, window_seconds=900)
    store.set_password("wang.li", "first-pass")
    assert store.verify_password("wang.li", "first-pass")
    store.set_password("wang.li", "second-pass")
    assert not store.verify_password("wang.li", "first-pass")
    assert store.verify_password("wang.li", "second-pass")
    assert not store.verify_password("nobody", "second-pass")
    assert store.failures("wang.li") == (0, 0.0)
    store.record_failure("wang.li")
    store.record_failure("wang.li")
    count, remaining = store.failures("wang.li")
    assert count == 2 and 0 < remaining <= 900
    store.clear_failures("wang.li")
    assert store.failures("wang.li") == (0, 0.0)


def test_failures_outside_the_window_are_forgotten(system: System) -> None:
    store = SQLCredentialStore(system.db, window_seconds=0)
    store.record_failure("wang.li")
    assert store.failures("wang.li") == (0, 0.0)


def test_the_password_cost_is_a_setting_and_old_hashes_still_verify(system: System) -> None:
    """A hash keeps the cost it was made with: lowering or raising the setting never
    locks anyone out."""
    strong = SQLCredentialStore(system.db)
    strong.set_password("alice", "correct horse")
    cheap = SQLCredentialStore(system.db, time_cost=1, memory_kib=64)
    assert cheap.verify_password("alice", "correct horse")
    assert not cheap.verify_password("alice", "wrong horse")
    cheap.set_password("bob", "battery staple")
    assert strong.verify_password("bob", "battery staple")
    settings = Settings.from_env(
        {"YIMAI_PASSWORD_TIME_COST": "2", "YIMAI_PASSWORD_MEMORY_KIB": "1024"}
    )
    assert (settings.password_time_cost, settings.password_memory_kib) == (2, 1024)
    assert (Settings().password_time_cost, Settings().password_memory_kib) == (3, 65536)
    for bad in ({"password_time_cost": 0}, {"password_memory_kib": 8}):
        with pytest.raises(ConfigError, match="YIMAI_PASSWORD"):
            Settings(**bad)  # type: ignore[arg-type]
