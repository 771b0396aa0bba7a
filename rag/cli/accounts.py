"""The command line's account commands: users, API keys, shared workspaces and the audit log. They act as the
operator at the server (whoever can run them can read the database), so they need no key."""

from __future__ import annotations

import argparse
import getpass
import sys

from rag.cli.printing import print_json
from rag.config import Settings
from rag.errors import InvalidInputError
from rag.usecases import accounts, review
from rag.usecases.accounts import OPERATOR
from rag.usecases.startup import Services


def _password(args: argparse.Namespace, settings: Settings) -> str | None:
    if args.password_stdin:
        # One line: `printf '%s\n' "$PASSWORD" | python -m rag users add alice --password-stdin`.
        return sys.stdin.readline().rstrip("\r\n")
    if sys.stdin.isatty():
        first = getpass.getpass(f"Password for {args.name}: ")
        if first != getpass.getpass("Again: "):
            raise InvalidInputError("The two passwords differ; nothing was changed.")
        return first
    if settings.auth_mode == "oidc":
        return None  # signs in with single sign-on only
    raise InvalidInputError("Give the password on standard input with --password-stdin, or run this in a terminal.")


def cmd_users(services: Services, args: argparse.Namespace) -> int:
    if args.action == "add":
        user = accounts.add_user(services, args.name, _password(args, services.settings), args.admin, caller=OPERATOR)
        print_json(user.model_dump(mode="json")) if args.json else print(f"added {user.username}")
    elif args.action == "list":
        users = accounts.list_users(services, caller=OPERATOR)
        if args.json:
            print_json([u.model_dump(mode="json") for u in users])
        for user in [] if args.json else users:
            flags = ", ".join(f for f, on in (("admin", user.is_admin), ("disabled", user.disabled)) if on)
            print(f"{user.username}{f'  ({flags})' if flags else ''}")
    elif args.action == "reset":
        accounts.reset_password(services, args.name, _password(args, services.settings) or "", caller=OPERATOR)
        print(f"new password set for {args.name}")
    else:
        disabled = args.action == "disable"
        user = accounts.set_disabled(services, args.name, disabled, caller=OPERATOR)
        print(f"{'disabled' if disabled else 'enabled'} {user.username}")
    return 0


def cmd_keys(services: Services, args: argparse.Namespace) -> int:
    if args.action == "create":
        created = accounts.create_key(services, args.name, args.label, caller=OPERATOR)
        if args.json:
            print_json(created.model_dump(mode="json"))
        else:
            print(f"API key {created.prefix} for {created.username}; it is shown this once:")
            print(created.key)  # alone on the last line, for scripts
    elif args.action == "revoke":
        revoked = accounts.revoke_key(services, args.name, caller=OPERATOR)
        print(f"revoked key {revoked.prefix} of {revoked.username}")
    else:
        keys = accounts.list_keys(services, caller=OPERATOR, everyone=True)
        if args.json:
            print_json([k.model_dump(mode="json") for k in keys])
        for key in [] if args.json else keys:
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            print(f"{key.prefix}  {key.username}  {key.name or '-'}  {state}")
    return 0


def cmd_workspaces(services: Services, args: argparse.Namespace) -> int:
    if args.action == "create":
        workspace = accounts.create_workspace(services, args.name, caller=OPERATOR)
        print(f"created {workspace.name} ({workspace.id})")
    elif args.action in ("add", "remove"):
        role = args.role if args.action == "add" else None
        accounts.set_member(services, args.name, args.user, role, caller=OPERATOR)
        print(f"{args.user} is now {role or 'not a member'} in {args.name}")
    else:
        found = accounts.list_workspaces(services, caller=OPERATOR)
        if args.json:
            print_json([w.model_dump(mode="json") for w in found])
        for w in [] if args.json else found:
            members = ", ".join(f"{name} ({role})" for name, role in w.members.items()) or "no members"
            print(f"{w.name}  {w.id}  {members}")
    return 0


def cmd_audit(services: Services, args: argparse.Namespace) -> int:
    if args.csv:
        sys.stdout.write(review.audit_csv(services, caller=OPERATOR, action=args.action, username=args.user))
        return 0
    events = review.audit_log(services, caller=OPERATOR, action=args.action, username=args.user, limit=args.limit)
    if args.json:
        print_json([e.model_dump(mode="json") for e in events])
    for e in [] if args.json else events:
        print(f"{e.at:%Y-%m-%d %H:%M:%S}  {e.username or '-'}  {e.action}  {e.target}  {e.detail}  {e.address}")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("users", help="add, list, disable, enable or reset users (AUTH_MODE=local or oidc)")
    p.add_argument("action", choices=["add", "list", "disable", "enable", "reset"])
    p.add_argument("name", nargs="?", default="", metavar="NAME")
    p.add_argument("--admin", action="store_true", help="with add: the user manages users and workspaces")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.set_defaults(func=cmd_users, accounts=True)

    p = sub.add_parser("keys", help="create, list or revoke API keys")
    p.add_argument("action", choices=["create", "revoke", "list"])
    p.add_argument("name", nargs="?", default="", metavar="NAME", help="create: the user; revoke: the key's prefix")
    p.add_argument("--label", default="", help="with create: what the key is for")
    p.set_defaults(func=cmd_keys, accounts=True)

    p = sub.add_parser("workspaces", help="create shared workspaces and choose their members")
    p.add_argument("action", choices=["create", "add", "remove", "list"])
    p.add_argument("name", nargs="?", default="", metavar="WORKSPACE")
    p.add_argument("user", nargs="?", default="", metavar="USER", help="with add or remove")
    p.add_argument("--role", choices=["viewer", "editor"], default="viewer", help="with add (default: viewer)")
    p.set_defaults(func=cmd_workspaces, accounts=True)

    p = sub.add_parser("audit", help="the audit log, newest first")
    p.add_argument("--action", default="", help="only these actions (a prefix: signin, document, key…)")
    p.add_argument("--user", default="", help="only this user's")
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--csv", action="store_true", help="every matching event, as CSV")
    p.set_defaults(func=cmd_audit, accounts=True)

    for name in ("users", "keys", "workspaces", "audit"):
        sub.choices[name].add_argument("--json", action="store_true", help="machine-readable output")
