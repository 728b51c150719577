"""`tutela hash`, `tutela match` and `tutela bank`: media hashes and hash banks.

Output is JSON Lines, one record per file; a file that cannot be hashed gets
an `{"path": ..., "error": ...}` record and the run goes on.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from tutela.cli.common import database, err_console, fail, finish, plural, settings

INDEX_SUBDIR = "hash_index"


def _files(paths: list[Path]) -> Iterator[Path]:
    for p in paths:
        if p.is_dir():
            yield from sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith("."))
        else:
            yield p


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=err_console, transient=True, disable=not err_console.is_terminal,
    )


def _open_out(out: Path | None) -> TextIO:
    return out.open("w", encoding="utf-8") if out else sys.stdout


def _write(fh: TextIO, record: dict[str, Any]) -> None:
    fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")


def register(app: typer.Typer) -> None:
    @app.command("hash")
    def hash_cmd(
        paths: list[Path] = typer.Argument(..., help="files or folders (folders are walked)"),
        out: Path = typer.Option(None, "--out", "-o", help="write JSONL here instead of stdout"),
        dihedral: bool = typer.Option(False, help="also output the 8 rotation/flip PDQ hashes"),
    ) -> None:
        """Hash files: MD5, SHA-256 and, for images, PDQ with its quality. JSONL out."""
        from tutela.hashing import MediaError, hash_file

        s = settings()
        files = list(_files(paths))
        if not files:
            fail("no files found")
        fh = _open_out(out)
        errors = 0
        try:
            with _progress() as bar:
                task = bar.add_task("hashing", total=len(files))
                for f in files:
                    try:
                        h = hash_file(f, max_bytes=s.max_upload_bytes, dihedral=dihedral)
                        _write(fh, {"path": str(f), **h.model_dump(mode="json", exclude={"filename"}, exclude_none=True)})
                    except MediaError as exc:
                        errors += 1
                        _write(fh, {"path": str(f), "error": str(exc)})
                    bar.advance(task)
        finally:
            if out:
                fh.close()
        err_console.print(
            f"hashed {len(files) - errors} of {plural(len(files), 'file')}"
            + (f", {plural(errors, 'error')}" if errors else "")
        )
        finish(errors)

    @app.command("match")
    def match_cmd(
        paths: list[Path] = typer.Argument(..., help="files or folders"),
        bank: list[str] = typer.Option(None, "--bank", "-b", help="only these banks (repeatable; default: all enabled)"),
        out: Path = typer.Option(None, "--out", "-o", help="write JSONL here instead of stdout"),
    ) -> None:
        """Match files against the hash banks. One JSONL record per file with its matches."""
        from tutela.hashing import MediaError, hash_file
        from tutela.hashing.matcher import get_matcher

        s = settings()
        db = database(s)
        matcher = get_matcher(db, index_dir=s.data_dir / INDEX_SUBDIR)
        files = list(_files(paths))
        if not files:
            fail("no files found")
        fh = _open_out(out)
        matched = errors = 0
        try:
            with _progress() as bar:
                task = bar.add_task("matching", total=len(files))
                for f in files:
                    try:
                        h = hash_file(f, max_bytes=s.max_upload_bytes, dihedral=True)
                        outcome = matcher.match(h, banks=list(bank) if bank else None)
                        matched += bool(outcome.matches)
                        _write(fh, {
                            "path": str(f), "md5": h.md5, "sha256": h.sha256, "pdq": h.pdq,
                            "pdq_quality": h.pdq_quality,
                            "matches": [m.model_dump(mode="json") for m in outcome.matches],
                            "suppressed": [m.model_dump(mode="json") for m in outcome.suppressed],
                        })
                    except MediaError as exc:
                        errors += 1
                        _write(fh, {"path": str(f), "error": str(exc)})
                    bar.advance(task)
        finally:
            if out:
                fh.close()
            matcher.save(only_if_changed=True)
        err_console.print(
            f"{matched} of {plural(len(files), 'file')} matched" + (f", {plural(errors, 'error')}" if errors else "")
        )
        finish(errors)

    bank_app = typer.Typer(help="Hash banks: lists of known (or known-benign) hashes.", no_args_is_help=True)
    app.add_typer(bank_app, name="bank")

    def _org_id(db: Any, org: str | None) -> int | None:
        if org is None:
            return None
        from tutela.access import get_org

        row = get_org(db, org)
        if row is None:
            fail(f"no organisation {org!r}; create it with `tutela admin create-org`")
        return int(row["id"])

    @bank_app.command("list")
    def bank_list(as_json: bool = typer.Option(False, "--json", help="JSON lines instead of a table")) -> None:
        """List banks with their provenance, settings and entry counts."""
        from rich.console import Console
        from rich.table import Table

        from tutela.hashing.banks import list_banks

        banks = list_banks(database())
        if as_json:
            for b in banks:
                typer.echo(b.model_dump_json())
            return
        table = Table("id", "name", "kind", "owner", "source", "category", "sev", "share", "on", "radius", "entries")
        for b in banks:
            table.add_row(str(b.id), b.name, b.kind.value, str(b.owner_org_id), b.source or "", b.category.value,
                          str(int(b.severity)), b.share_level.value, "yes" if b.enabled else "no",
                          str(b.pdq_radius), str(b.entries))
        Console().print(table)

    @bank_app.command("create")
    def bank_create(
        name: str,
        org: str = typer.Option(..., help="owning organisation"),
        source: str = typer.Option(None, help="organisation the list came from"),
        source_date: str = typer.Option(None, help="date of the list, YYYY-MM-DD"),
        category: str = typer.Option("sexual_exploitation", help="taxonomy category"),
        severity: str = typer.Option(None, help="low, medium, high, critical (default: the category's)"),
        share_level: str = typer.Option(
            "private", help="private, shared or public (seen by every organisation; it changes an "
                            "organisation's decisions only once that organisation subscribes)"),
        radius: int = typer.Option(31, help="PDQ match radius for this bank"),
        min_quality: int = typer.Option(50, help="ignore PDQ queries below this quality"),
        benign: bool = typer.Option(False, help="a known-benign (negative) bank that suppresses matches"),
    ) -> None:
        """Create an empty bank."""
        from tutela.hashing.banks import BankError, create_bank

        db = database()
        fields = dict(source=source, source_date=source_date, category=category, severity=severity,
                      share_level=share_level, pdq_radius=radius, min_quality=min_quality,
                      kind="benign" if benign else "known")
        try:
            b = create_bank(db, _org_id(db, org), name, **{k: v for k, v in fields.items() if v is not None})
        except (BankError, ValueError) as exc:
            fail(str(exc))
        typer.echo(f"created bank {b.name!r} (id {b.id})")

    @bank_app.command("import")
    def bank_import(
        name: str,
        file: Path,
        fmt: str = typer.Option(None, "--format", "-f", help="csv or te (default: from the file suffix)"),
        signal: str = typer.Option("pdq", help="signal type of rows that do not say"),
    ) -> None:
        """Import entries into a bank from CSV or a python-threatexchange hash file."""
        from tutela.hashing.bank_io import read_entries
        from tutela.hashing.banks import BankError, add_entries

        fmt = fmt or ("csv" if file.suffix.lower() == ".csv" else "te")
        if not file.is_file():
            fail(f"no file {file}")
        db = database()
        try:
            with file.open(encoding="utf-8", errors="replace", newline="") as fh:
                result = add_entries(db, name, read_entries(fh, fmt, signal=signal))
        except (BankError, ValueError) as exc:
            fail(str(exc))
        typer.echo(json.dumps(result.as_dict()))
        finish(len(result.errors))

    @bank_app.command("export")
    def bank_export(
        name: str,
        fmt: str = typer.Option("csv", "--format", "-f", help="csv or te"),
        out: Path = typer.Option(None, "--out", "-o", help="file to write (default stdout)"),
    ) -> None:
        """Export a bank's entries as CSV or a python-threatexchange hash file."""
        from tutela.hashing.bank_io import write_entries
        from tutela.hashing.banks import BankError, list_entries

        try:
            entries = list_entries(database(), name)
        except BankError as exc:
            fail(str(exc))
        fh = _open_out(out)
        try:
            n = write_entries(entries, fh, fmt)
        except ValueError as exc:
            fail(str(exc))
        finally:
            if out:
                fh.close()
        err_console.print(f"exported {n} entries")

    @bank_app.command("reindex")
    def bank_reindex(rebuild: bool = typer.Option(False, help="rebuild from the database instead of catching up")) -> None:
        """Bring the saved PDQ match index up to date (servers then load it memory-mapped at start-up)."""
        import time

        from tutela.hashing.matcher import get_matcher

        s = settings()
        matcher = get_matcher(database(s), index_dir=s.data_dir / INDEX_SUBDIR)
        t = time.perf_counter()
        if rebuild:
            matcher.rebuild()
        else:
            matcher.sync(force=True)
            matcher.save(only_if_changed=True)
        stats = matcher.index_stats()
        typer.echo(json.dumps({**stats, "seconds": round(time.perf_counter() - t, 2)}))

    def _set_enabled(name: str, enabled: bool) -> None:
        from tutela.hashing.banks import BankError, set_enabled

        try:
            set_enabled(database(), name, enabled)
        except BankError as exc:
            fail(str(exc))
        typer.echo(f"bank {name!r} {'enabled' if enabled else 'disabled'}")

    @bank_app.command("enable")
    def bank_enable(name: str) -> None:
        """Match against this bank again."""
        _set_enabled(name, True)

    @bank_app.command("disable")
    def bank_disable(name: str) -> None:
        """Stop matching against this bank (its entries are kept)."""
        _set_enabled(name, False)

    @bank_app.command("remove")
    def bank_remove(name: str, values: list[str] = typer.Argument(..., help="hash values to remove")) -> None:
        """Remove entries from a bank by hash value."""
        from tutela.hashing.banks import BankError, remove_entries

        try:
            n = remove_entries(database(), name, values)
        except BankError as exc:
            fail(str(exc))
        typer.echo(f"removed {n} entries")

    @bank_app.command("share")
    def bank_share(
        name: str,
        level: str = typer.Argument(..., help="private, shared or public (public: every organisation may see it)"),
        with_org: list[str] = typer.Option(None, "--with", help="organisation to share with (repeatable; 'shared')"),
    ) -> None:
        """Change who may see a bank. Seeing is not trusting: another organisation's
        decisions change only once it subscribes (`tutela bank subscribe`)."""
        from tutela.hashing.banks import BankError, update_bank

        db = database()
        changes: dict[str, Any] = {"share_level": level}
        if with_org:
            changes["shared_with"] = [_org_id(db, o) for o in with_org]
        try:
            b = update_bank(db, name, **changes)
        except (BankError, ValueError) as exc:
            fail(str(exc))
        typer.echo(f"bank {b.name!r} is {b.share_level.value}" +
                   (f" with {', '.join(map(str, b.shared_with))}" if b.shared_with else ""))

    @bank_app.command("subscribe")
    def bank_subscribe(
        bank: str = typer.Argument(..., help="the bank (id, or name of a bank visible to the organisation)"),
        org: str = typer.Option(..., help="the organisation that subscribes"),
        mode: str = typer.Option("review", help="review (matches go to review, never block by default) or enforce"),
    ) -> None:
        """Let another organisation's bank into an organisation's decisions (or change the mode)."""
        from tutela.hashing.banks import BankError
        from tutela.hashing.subscriptions import subscribe

        db = database()
        org_id = _org_id(db, org)
        assert org_id is not None
        try:
            sub = subscribe(db, org_id, bank, mode=mode, by_operator=True)
        except BankError as exc:
            fail(str(exc))
        typer.echo(f"{org} subscribed to bank {sub.bank!r} (id {sub.bank_id}) in {sub.mode.value} mode")

    @bank_app.command("unsubscribe")
    def bank_unsubscribe(
        bank: str = typer.Argument(..., help="the bank (id or name)"),
        org: str = typer.Option(..., help="the organisation that unsubscribes"),
    ) -> None:
        """Stop another organisation's bank from changing an organisation's decisions."""
        from tutela.hashing.subscriptions import unsubscribe

        db = database()
        org_id = _org_id(db, org)
        assert org_id is not None
        if not unsubscribe(db, org_id, bank, by_operator=True):
            fail(f"{org} has no subscription to bank {bank!r}")
        typer.echo(f"{org} unsubscribed from bank {bank!r}")

    @bank_app.command("subscriptions")
    def bank_subscriptions(
        org: str = typer.Option(None, help="only this organisation's subscriptions"),
        as_json: bool = typer.Option(False, "--json", help="JSON lines instead of a table"),
    ) -> None:
        """List subscriptions: which organisation lets which other organisation's bank into its decisions."""
        from rich.console import Console
        from rich.table import Table

        from tutela.hashing.subscriptions import list_subscriptions

        db = database()
        subs = list_subscriptions(db, _org_id(db, org))
        if as_json:
            for sub in subs:
                typer.echo(sub.model_dump_json())
            return
        table = Table("subscriber", "bank id", "bank", "owner", "mode", "active", "by")
        for sub in subs:
            table.add_row(str(sub.subscriber_org_id), str(sub.bank_id), sub.bank, str(sub.owner_org_id),
                          sub.mode.value, "yes" if sub.active else "no (not visible)", sub.created_by or "")
        Console().print(table)

    @bank_app.command("delete")
    def bank_delete(name: str, yes: bool = typer.Option(False, "--yes", help="confirm")) -> None:
        """Delete a bank and all its entries."""
        from tutela.hashing.banks import BankError, delete_bank

        if not yes:
            fail("deleting a bank removes all its entries; pass --yes to confirm")
        try:
            delete_bank(database(), name)
        except BankError as exc:
            fail(str(exc))
        typer.echo(f"bank {name!r} deleted")
