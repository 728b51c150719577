"""`tutela scan-conversations` and `tutela train conversations`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from tutela.cli.common import err_console, fail, finish, plural


def register(app: typer.Typer) -> None:
    @app.command("scan-conversations")
    def scan_conversations_cmd(
        input: str = typer.Argument(
            ...,
            help='JSONL, one conversation per line: {"id", "messages": [{"sender", "text", "ts"?, "sender_age"?, '
            '"sender_account_age_days"?, "relationship"?}], "participants"?}; or a `sender: text` chat log; - for stdin',
        ),
        out: Path = typer.Option(None, "--out", "-o", help="write JSONL results here (default: stdout)"),
        fmt: str = typer.Option("auto", "--format", help="auto, jsonl or chat"),
        max_messages: int = typer.Option(10_000, help="score at most this many messages per conversation"),
        progress: bool = typer.Option(True, help="show a progress bar on stderr"),
    ) -> None:
        """Score conversations for grooming; one JSONL result per conversation, then a summary.

        Example input line:
        {"id": "c1", "messages": [{"sender": "a", "text": "hi", "ts": 1700000000, "sender_age": 34},
        {"sender": "b", "text": "hey"}]}

        `ts` is seconds since the epoch (or ISO 8601); `sender_age` is an age the platform knows (ages
        people claim in the text are read from the text and never lower the risk). Output lines carry
        `risk` (0.5 = alert), `alert`, `first_alert_at` (message index), `stages`, `flags`, `evidence`.
        A conversation that cannot be scored gets `error` with `risk` and `alert` null, never a
        result that reads as safe. Exit 0 when all were scored, 3 when some failed, 2 when the input
        could not be read.
        """
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from tutela.conversations.batch import ConversationResult, score_record
        from tutela.conversations.io import read_conversations
        from tutela.conversations.tracker import ConversationTracker

        if input != "-" and not Path(input).is_file():
            fail(f"input file {input!r} does not exist")
        if fmt not in {"auto", "jsonl", "chat"}:
            fail(f"unknown format {fmt!r}; use auto, jsonl or chat")
        if max_messages < 1:
            fail("--max-messages must be at least 1")
        total = None
        if input != "-" and fmt != "chat":
            with open(input, "rb") as fh:
                total = sum(1 for line in fh if line.strip())
        sink = out.open("w", encoding="utf-8") if out else sys.stdout
        tracker = ConversationTracker(cache_size=1_000_000)
        counts = {"conversations": 0, "alerts": 0, "errors": 0, "message_errors": 0, "messages": 0}
        try:
            records = read_conversations(input if input != "-" else "stdin", sys.stdin if input == "-" else None, fmt)
            with Progress(
                TextColumn("scanning"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=err_console, disable=not progress, transient=True,
            ) as bar:
                task = bar.add_task("scan", total=total)
                for n, rec in enumerate(records):
                    if "_error" in rec:
                        result = ConversationResult(conversation_id=str(rec["id"]), risk=0.0, error=rec["_error"])
                    else:
                        result = score_record(rec, n, max_messages=max_messages, tracker=tracker)
                        tracker.forget(result.conversation_id)
                    counts["conversations"] += 1
                    counts["alerts"] += int(result.alert or result.first_alert_at is not None)
                    counts["errors"] += int(result.error is not None)
                    counts["message_errors"] += len(result.errors)
                    counts["messages"] += result.message_count
                    sink.write(json.dumps(result.to_record(), ensure_ascii=False) + "\n")
                    bar.advance(task)
        except (OSError, ValueError) as exc:
            fail(str(exc))
        finally:
            if out:
                sink.close()
        err_console.print(
            f"{plural(counts['conversations'], 'conversation')}, {plural(counts['messages'], 'message')} scored: "
            f"[bold]{counts['alerts']} alerted[/], {counts['errors']} unusable, "
            f"{plural(counts['message_errors'], 'message')} rejected"
        )
        finish(counts["errors"] + counts["message_errors"])

    from tutela.cli.train import train_group

    @train_group.command("conversations")
    def train_conversations_cmd(
        data: Path = typer.Option(None, "--data", "--shared",
                                  help="folder with the shared text data (default: ../shared/data/text)"),
        out: Path = typer.Option(None, "--out", help="where to write stages.npz, segments.npz and risk.json "
                                 "(default: <data_dir>/models/conversations; the package's own files are never "
                                 "overwritten unless --out names their folder)"),
    ) -> None:
        """Retrain the whole-conversation and stage models and the risk constants (~12 min); use them by
        setting `conversation_models` to the output folder."""
        from tutela.cli.common import settings as load_cli_settings
        from tutela.detect.components import component

        out_dir = out or load_cli_settings().data_dir / "models" / "conversations"
        result = component("conversation_stages").train(data, out_dir, log=lambda m: err_console.print(m))
        err_console.print(f"wrote {out_dir}; set conversation_models = \"{out_dir}\" to use these models")
        typer.echo(json.dumps(result))
