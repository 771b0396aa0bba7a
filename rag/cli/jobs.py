"""`python -m rag jobs`: the indexing jobs of a workspace (queued, running, failed), retried or cancelled."""

from __future__ import annotations

import argparse

from rag.cli.printing import print_json
from rag.schemas import JobsPublic
from rag.usecases import jobs
from rag.usecases.startup import Services


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("jobs", help="list the queued, running and failed indexing jobs; retry or cancel one")
    p.add_argument("action", nargs="?", choices=("list", "retry", "cancel"), default="list")
    p.add_argument("doc_id", nargs="?", metavar="DOC_ID", help="the document id, or its first characters")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--workspace", metavar="NAME", help="this workspace (its name or id); default: your personal one")
    p.set_defaults(func=cmd_jobs)


def cmd_jobs(services: Services, args: argparse.Namespace) -> int:
    if args.action == "list":
        print_jobs(jobs.jobs_status(services, caller=args.caller), args.json)
        return 0
    if not args.doc_id:
        print(f"error: give the id of the document to {args.action}: python -m rag jobs {args.action} DOC_ID")
        return 2
    act = jobs.retry_job if args.action == "retry" else jobs.cancel_job
    document = act(services, args.doc_id, caller=args.caller)
    if args.json:
        print_json(document.model_dump(mode="json"))
    else:
        done = "queued again" if args.action == "retry" else "cancelled"
        print(f"{done:<10} {document.id[:12]}  {document.filename}")
    return 0


def print_jobs(status: JobsPublic, as_json: bool) -> None:
    if as_json:
        print_json(status.model_dump(mode="json"))
        return
    if status.paused:
        print("Indexing is paused: the job queue cannot be reached. The jobs below wait for it, none is lost.")
    if not status.jobs:
        print("No jobs: every document is indexed.")
    for job in status.jobs:
        if job.status == "failed":
            what = job.error or "failed"
        elif job.status == "indexing":
            what = f"{round(100 * (job.progress or 0)):>3}%  {job.progress_message or ''}"
        else:
            what = job.progress_message or "waiting"
        print(f"{job.id[:12]}  {job.status:<8}  {job.filename}  {what}")
