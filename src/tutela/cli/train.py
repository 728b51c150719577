"""`tutela train <component>`: rebuild a component's artefacts (`text`, `semantic`; `conversations` is
registered by `cli/conversations.py`). Each calls the component's `train(data_dir, out_dir)`
(`tutela.detect.components`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from tutela.cli.common import err_console, fail

#: The `tutela train` group; other areas add their own `train <model>` command to it.
train_group = typer.Typer(help="Rebuild trained model artefacts.", no_args_is_help=True)


def _timed_fit(folder: Path, missing: str, fit: Callable[[Path], tuple[Path, dict[str, Any]]]
               ) -> tuple[Path, dict[str, Any], float]:
    """Run a fit on an input folder: a clear error where the folder is missing or the fit refuses its data (a
    `ValueError`), else what it wrote, its record and the seconds it took."""
    if not folder.is_dir():
        fail(missing)
    start = time.monotonic()
    try:
        path, meta = fit(folder)
    except ValueError as exc:
        fail(str(exc))
    return path, meta, time.monotonic() - start


def register(app: typer.Typer) -> None:
    train = train_group
    app.add_typer(train, name="train")

    @train.command("semantic")
    def train_semantic(
        examples: Path = typer.Option(None, "--examples", help="bank folder (default: the built-in example banks)"),
        out: Path = typer.Option(None, "--out", help="where to write semantic.npz (default: the package's models folder)"),
    ) -> None:
        """Fit the semantic stage on the example banks: calibration, heads, thresholds (cross-validated)."""
        from tutela.detect.components import component
        from tutela.detect.semantic.artefact import default_path
        from tutela.detect.semantic.bank import BankError

        start = time.monotonic()
        try:
            meta = component("semantic").train(examples, out or default_path().parent)
            path = meta.pop("artefact")
        except (BankError, ValueError) as exc:
            fail(str(exc))
        flagged = sum(1 for t in meta["targets"].values() if not t["fallback"])
        typer.echo(
            f"wrote {path} from {meta['examples']} examples in {time.monotonic() - start:.0f}s; "
            f"{flagged} of {len(meta['targets'])} targets met the precision and benign-FPR caps"
        )

    @train.command("verifier")
    def train_verifier(
        challenge: Path = typer.Option(None, "--challenge", help="folder of the written challenge lines "
                                       "(default: <repo>/bench/challenge; only their dev split is read)"),
        out: Path = typer.Option(None, "--out", help="where to write verifier.npz (default: the package's models folder)"),
    ) -> None:
        """Fit the harm verifier on the example banks and the dev challenge lines (needs the `train` extra)."""
        from tutela.detect.semantic.fit_verifier import default_challenge_dir, train
        from tutela.detect.semantic.verifier import default_path

        folder = challenge or default_challenge_dir()
        path, meta, took = _timed_fit(folder, f"challenge lines not found at {folder}; pass --challenge DIR",
                                      lambda f: train(f, out or default_path().parent))
        typer.echo(f"wrote {path} from {meta['bank_examples']} bank lines and {meta['challenge_lines']} dev lines "
                   f"({meta['harmful']} harmful, {meta['benign']} benign) in {took:.0f}s")

    @train.command("embedding-experts")
    def train_embedding_experts(
        data: Path = typer.Option(None, "--data", help="folder of the text CSVs (default: <repo>/../shared/data/text)"),
        out: Path = typer.Option(None, "--out", help="where to write embedding_experts.npz (default: the package's "
                                 "models folder)"),
    ) -> None:
        """Fit the embedding experts of the public sources listed in `training/embedding_experts.SOURCES` on their
        training rows (needs the `train` extra and the shared data)."""
        from tutela.detect.semantic.embedding_experts import default_path
        from tutela.detect.training.data import default_data_dir
        from tutela.detect.training.embedding_experts import train as fit

        folder = data or default_data_dir()
        path, meta, took = _timed_fit(folder, f"text data not found at {folder}; pass --data DIR",
                                      lambda f: fit(f, out or default_path().parent))
        for route, m in meta.items():
            typer.echo(f"{route}: {m['train_rows']} training rows, threshold {m['threshold']} "
                       f"(calibration macro-F1 {m['calib_macro_f1']})")
        typer.echo(f"wrote {path} in {took:.0f}s")

    @train.command("text")
    def train_text(
        data: Path = typer.Option(None, "--data", help="folder of the text CSVs (default: <repo>/../shared/data/text)"),
        out: Path = typer.Option(None, "--out", help="where to write the artefacts (default: the package's models folder)"),
        include_noncommercial: bool = typer.Option(
            False, "--include-noncommercial",
            help="also learn from data under a non-commercial licence (CC BY-NC-SA); needs --out, and the model "
            "may then only be used non-commercially (point the text_model setting at it)",
        ),
        experts_only: bool = typer.Option(
            False, "--experts-only",
            help="keep the general heads of the model now at --out (default: the package's) and refit only the "
            "router and the domain experts (minutes instead of half an hour)",
        ),
    ) -> None:
        """Train, calibrate and evaluate the first-stage text model (deterministic)."""
        from tutela.detect.components import component
        from tutela.detect.model import default_model_path
        from tutela.detect.training.data import default_data_dir

        if include_noncommercial and out is None:
            fail("--include-noncommercial needs --out: the package's default model stays licence-clean")
        data_dir = data or default_data_dir()
        if not data_dir.is_dir():
            fail(f"training data not found at {data_dir}; pass --data DIR (see docs/models.md)")
        out_dir = out or default_model_path().parent
        start = time.monotonic()
        try:
            report = component("text_model").train(
                data_dir, out_dir, log=lambda m: err_console.print(f"[dim]{time.monotonic() - start:6.0f}s[/] {m}"),
                include_noncommercial=include_noncommercial,
                **({"experts_only": out_dir / "text_linear.npz"} if experts_only else {}),
            )
        except FileNotFoundError as exc:
            fail(str(exc))
        cb = report["heads"]["cyberbullying"]["by_lang"]
        summary = ", ".join(f"{lang} {v['macro_f1']:.3f}" for lang, v in sorted(cb.items()))
        typer.echo(f"wrote {out_dir}; offensive macro-F1 on held-out data: {summary}")
