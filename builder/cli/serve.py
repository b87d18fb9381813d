"""`rutin serve`: a local preview that reloads on save and shows `rutin check`'s findings."""

from __future__ import annotations

from pathlib import Path

import click

from builder.authoring.preview import PAGE_PREFIX, start_preview
from builder.cli import cli, library_option
from builder.load.library import find_library_root


@cli.command()
@library_option(positional=True)
@click.option("--port", default=0, type=click.IntRange(0, 65535), show_default=True,
              help="Port på 127.0.0.1 (0: en ledig port väljs).")
def serve(root: Path, port: int) -> None:
    """Förhandsvisa rutinerna i biblioteket (eller en rutinfil, SÖKVÄG) i webbläsaren medan du
    redigerar dem."""
    path = root
    root = find_library_root(path) if path.is_file() else path
    server, watcher = start_preview(root, port)
    page = ""
    if path.is_file() and server.state.routine_file(server.state.relative(path)) is not None:
        page = PAGE_PREFIX.lstrip("/") + server.state.relative(path)
    try:
        click.echo(f"Förhandsvisning av {root}/ på {server.url}{page}")
        click.echo("Öppna adressen i webbläsaren; sidan laddas om när du sparar. "
                   "Avsluta med Ctrl-C.")
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        click.echo("\nAvslutar förhandsvisningen.")
    finally:
        server.state.stop.set()
        server.server_close()
        watcher.join(timeout=2)
