"""Accounts: users, passwords, sign-in limits, API keys, single sign-on's account mapping, workspaces and roles,
and the audit log, through the doorway (rag.usecases) against real services."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from rag.accounts.access import ADDRESS_NAMES
from rag.config import Settings
from rag.database.tables import User
from rag.errors import InvalidInputError, PermissionDeniedError, SignInError, UnknownWorkspaceError
from rag.usecases import accounts, review
from rag.usecases.accounts import OPERATOR
from rag.usecases.startup import open_services

PASSWORD = "correct horse battery"


@pytest.fixture
def team(tmp_path, embedding):
    """Services with local accounts: an admin (who claimed the owner), and two users."""
    settings = Settings(_env_file=None, storage_dir=tmp_path / "storage", auth_mode="local", signin_attempts=3)
    svc = open_services(settings, embedding, store=False)
    for name, admin in (("alice", True), ("bob", False), ("carol", False)):
        accounts.add_user(svc, name, PASSWORD, admin, caller=OPERATOR)
    yield svc
    svc.close()


def test_the_first_admin_claims_the_owner_of_a_library_without_accounts(team):
    users = {u.username: u for u in accounts.list_users(team, caller=OPERATOR)}
    assert set(users) == {"alice", "bob", "carol"}  # no "owner" left over
    assert users["alice"].is_admin and not users["bob"].is_admin
    with team.sessions() as session:
        assert session.get(User, users["alice"].id).implicit is False


def test_passwords_are_stored_as_argon2id_and_checked(team):
    with team.sessions() as session:
        stored = session.query(User).filter_by(username="bob").one().password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert accounts.sign_in(team, "bob", PASSWORD).username == "bob"
    with pytest.raises(SignInError, match="Wrong username or password"):
        accounts.sign_in(team, "bob", "wrong password")
    with pytest.raises(SignInError, match="Wrong username or password"):  # the same words for a name that is not
        accounts.sign_in(team, "nobody", PASSWORD)
    with pytest.raises(InvalidInputError, match="at least 8"):
        accounts.add_user(team, "dave", "short", False, caller=OPERATOR)


def test_sign_in_is_limited_per_user_and_per_address(team):
    for _ in range(3):
        with pytest.raises(SignInError, match="Wrong"):
            accounts.sign_in(team, "bob", "guess", address="10.0.0.9")
    with pytest.raises(SignInError, match="Too many failed sign-ins"):
        accounts.sign_in(team, "bob", PASSWORD, address="10.0.0.1")  # the right password, too late for bob
    # Bob's failures lock out bob alone: carol, behind the same address, signs in (she was locked out with him).
    assert accounts.sign_in(team, "carol", PASSWORD, address="10.0.0.9").username == "carol"
    failed = review.audit_log(team, caller=OPERATOR, action="signin.failed")
    assert len(failed) == 3 and {e.target for e in failed} == {"bob"}
    assert all(PASSWORD not in e.detail and "guess" not in e.detail for e in failed)


def test_a_sign_in_starts_the_count_again(team):
    for _ in range(2):
        with pytest.raises(SignInError, match="Wrong"):
            accounts.sign_in(team, "carol", "typo")
    accounts.sign_in(team, "carol", PASSWORD)
    for _ in range(2):
        with pytest.raises(SignInError, match="Wrong"):
            accounts.sign_in(team, "carol", "typo")
    assert accounts.sign_in(team, "carol", PASSWORD).username == "carol"


def test_an_address_that_tries_many_names_is_refused(team):
    # A password spray: one guess for each of many names, each under its own limit.
    for n in range(ADDRESS_NAMES):
        with pytest.raises(SignInError, match="Wrong"):
            accounts.sign_in(team, f"user{n}", "Winter2026!", address="203.0.113.66")
    with pytest.raises(SignInError, match="Too many"):
        accounts.sign_in(team, "alice", PASSWORD, address="203.0.113.66")
    assert accounts.sign_in(team, "alice", PASSWORD, address="198.51.100.4").username == "alice"


def test_wrong_passwords_at_the_same_moment_are_checked_no_more_than_the_limit(team):
    # Counted before each was written down, 20 at once against a limit of 5 were all checked.
    start = threading.Barrier(20)

    def attempt(_: int) -> str:
        start.wait()
        try:
            accounts.sign_in(team, "bob", "guess", address="10.0.0.7")
        except SignInError as exc:
            return str(exc)
        return "signed in"

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(attempt, range(20)))
    checked = [a for a in answers if a.startswith("Wrong")]
    assert 1 <= len(checked) <= team.settings.signin_attempts, answers
    assert all(a.startswith(("Wrong", "Too many")) for a in answers), answers


def test_a_disabled_user_and_a_revoked_key_are_refused_at_once(team):
    key = accounts.create_key(team, "bob", "script", caller=OPERATOR)
    signed_in = accounts.sign_in(team, "bob", PASSWORD)
    assert accounts.caller_for_key(team, key.key).username == "bob"
    accounts.set_disabled(team, "bob", True, caller=OPERATOR)
    with pytest.raises(SignInError):
        accounts.caller_for_key(team, key.key)
    with pytest.raises(SignInError):
        accounts.refreshed(team, signed_in)  # the browser session already signed in
    with pytest.raises(SignInError):
        accounts.sign_in(team, "bob", PASSWORD)
    accounts.set_disabled(team, "bob", False, caller=OPERATOR)
    assert accounts.caller_for_key(team, key.key).username == "bob"
    accounts.revoke_key(team, key.prefix, caller=OPERATOR)
    with pytest.raises(SignInError):
        accounts.caller_for_key(team, key.key)


def test_keys_are_stored_hashed_and_never_logged(team):
    key = accounts.create_key(team, "carol", caller=OPERATOR)
    assert key.key.startswith(f"dc_{key.prefix}_") and len(key.key) > 40
    with team.engine.connect() as connection:
        dump = "\n".join(
            str(row)
            for table in ("api_keys", "audit_events")
            for row in connection.exec_driver_sql(f"SELECT * FROM {table}")
        )
    assert key.key not in dump and key.key.split("_")[-1] not in dump
    with pytest.raises(SignInError):
        accounts.caller_for_key(team, key.key[:-1] + ("A" if key.key[-1] != "A" else "B"))
    bob = accounts.sign_in(team, "bob", PASSWORD)
    with pytest.raises(PermissionDeniedError):
        accounts.create_key(team, "carol", caller=bob)  # only for oneself
    assert accounts.list_keys(team, caller=bob) == []


def test_only_admins_manage_users_and_workspaces(team):
    bob = accounts.sign_in(team, "bob", PASSWORD)
    for action, args in (
        (accounts.add_user, ("eve", PASSWORD, True)),
        (accounts.set_disabled, ("carol", True)),
        (accounts.create_workspace, ("Sales",)),
        (accounts.list_users, ()),
        (review.audit_log, ()),
        (review.review_queue, ()),
    ):
        with pytest.raises(PermissionDeniedError):
            action(team, *args, caller=bob)
    with pytest.raises(InvalidInputError, match="last admin"):
        accounts.set_disabled(team, "alice", True, caller=OPERATOR)


def test_single_sign_on_makes_an_account_once_and_binds_a_waiting_one(team):
    first = accounts.sign_in_oidc(team, "sub-123", "dana@example.com", "Dana")
    again = accounts.sign_in_oidc(team, "sub-123", "dana.new@example.com", "Dana")
    assert first.user_id == again.user_id and first.username == "dana@example.com"
    # An account an admin made for an e-mail, without a password, is taken by the first sign-on with it.
    accounts.add_user(team, "erin@example.com", None, False, caller=OPERATOR)
    erin = accounts.sign_in_oidc(team, "sub-erin", "erin@example.com", None)
    assert erin.username == "erin@example.com"
    # One with a password is not: a provider's e-mail never takes over a local account.
    intruder = accounts.sign_in_oidc(team, "sub-x", "bob", None)
    assert intruder.username != "bob" and intruder.user_id != accounts.sign_in(team, "bob", PASSWORD).user_id
    accounts.set_disabled(team, "dana@example.com", True, caller=OPERATOR)
    with pytest.raises(SignInError, match="disabled"):
        accounts.sign_in_oidc(team, "sub-123", "dana@example.com", "Dana")


def test_workspaces_roles_and_switching(team):
    accounts.create_workspace(team, "Research", caller=OPERATOR)
    accounts.set_member(team, "Research", "bob", "viewer", caller=OPERATOR)
    bob = accounts.sign_in(team, "bob", PASSWORD)
    assert bob.personal and bob.role == "owner"
    names = [w.name for w in accounts.my_workspaces(team, bob)]
    assert names == ["Personal", "Research"]
    research = accounts.refreshed(team, bob, "Research")
    assert research.role == "viewer" and not research.can_edit
    carol = accounts.sign_in(team, "carol", PASSWORD)
    with pytest.raises(UnknownWorkspaceError):
        accounts.refreshed(team, carol, research.workspace_id)  # not a member: as if it did not exist
    accounts.set_member(team, "Research", "bob", None, caller=OPERATOR)
    with pytest.raises(UnknownWorkspaceError):
        accounts.refreshed(team, research)  # removed: refused at the next request
    actions = [e.action for e in review.audit_log(team, caller=OPERATOR, action="workspace")]
    assert actions == ["workspace.member.remove", "workspace.member", "workspace.create"]


def test_without_accounts_everything_is_the_owners_and_no_sign_in_is_needed(services):
    owner = accounts.local_caller(services)
    assert owner.is_admin and owner.role == "owner" and owner.personal
    with pytest.raises(SignInError):
        accounts.sign_in(services, "owner", "")  # the implicit owner has no password: nobody signs in as it


def test_a_browser_session_code_works_once_and_its_token_until_signed_out(team):
    bob = accounts.sign_in(team, "bob", PASSWORD)
    code = accounts.begin_browser_session(team, bob)
    token, lasts = accounts.open_browser_session(team, code)
    assert 13 * 86400 < lasts <= 14 * 86400
    with pytest.raises(SignInError, match="used already"):
        accounts.open_browser_session(team, code)
    assert accounts.caller_for_session(team, token).username == "bob"
    with team.engine.connect() as connection:
        stored = "\n".join(str(r) for r in connection.exec_driver_sql("SELECT * FROM browser_sessions"))
    assert token not in stored and code not in stored
    accounts.set_disabled(team, "bob", True, caller=OPERATOR)
    with pytest.raises(SignInError):
        accounts.caller_for_session(team, token)
    accounts.set_disabled(team, "bob", False, caller=OPERATOR)
    accounts.end_browser_session(team, token)
    with pytest.raises(SignInError, match="session has ended"):
        accounts.caller_for_session(team, token)
