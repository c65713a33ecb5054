"""``hotline hotspots cluster``: group a CSV of demands into hot matters with the platform's code path."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import typer

from hotline.errors import AppError
from hotline.hotspots import grouping
from hotline.imports.reader import read_table

hotspots_app = typer.Typer(help="热点 · hot matters: group demands about the same matter", no_args_is_help=True)
_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")


def parse_time(value: str, tz: ZoneInfo) -> datetime | None:
    """ISO 8601 or the usual 2019/2/28 11:25:05 forms; a time without a zone is the city's local time."""
    v = (value or "").strip()
    if not v:
        return None
    try:
        t = datetime.fromisoformat(v)
    except ValueError:
        for fmt in _FORMATS:
            try:
                t = datetime.strptime(v, fmt)  # noqa: DTZ007 — the zone is added just below
                break
            except ValueError:
                continue
        else:
            raise ValueError(v) from None
    return t if t.tzinfo else t.replace(tzinfo=tz)


def _int(value: str | None) -> int:
    try:
        return max(0, int(float(value or 0)))
    except ValueError:
        return 0


YEARS = (1900, 2200)  # a time outside is a typing or export error, not a demand


def read_items(path: Path, *, id_column: str, text_columns: list[str], time_column: str | None,
               likes_column: str | None, dislikes_column: str | None, caller_column: str | None,
               tz: ZoneInfo) -> list[grouping.Item]:
    """The demands of a .csv (UTF-8 or GBK) or .xlsx file, read as the console's import reads it."""
    try:
        header, rows = read_table(path.read_bytes(), path.name, max_rows=None)
    except AppError as exc:
        raise typer.BadParameter(f"{exc.zh} / {exc.en}", param_hint="--input") from None
    return _items(header, rows, id_column=id_column, text_columns=text_columns, time_column=time_column,
                  likes_column=likes_column, dislikes_column=dislikes_column, caller_column=caller_column, tz=tz)


def _items(header: list[str], rows: list[dict[str, str]], *, id_column: str, text_columns: list[str],
           time_column: str | None, likes_column: str | None, dislikes_column: str | None,
           caller_column: str | None, tz: ZoneInfo) -> list[grouping.Item]:
    wanted = [id_column, *text_columns] + [c for c in (time_column, likes_column, dislikes_column, caller_column) if c]
    missing = [c for c in wanted if c not in header]
    if missing:
        raise typer.BadParameter(f"文件缺少列 / the file has no column: {', '.join(missing)} "
                                 f"(有 / it has: {', '.join(header)})", param_hint="--input")
    items: list[grouping.Item] = []
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):  # blank rows are skipped by the reader
        ident = (row[id_column] or "").strip()
        if not ident:
            raise typer.BadParameter(f"第 {line} 行没有编号 / line {line} has no id", param_hint="--id-column")
        if ident in seen:
            raise typer.BadParameter(f"编号重复 / duplicate id: {ident} (第 {line} 行 / line {line})",
                                     param_hint="--id-column")
        seen.add(ident)
        try:
            when = parse_time(row[time_column], tz) if time_column else None
            if when is not None and not YEARS[0] <= when.year <= YEARS[1]:
                raise ValueError(row[time_column])
        except ValueError:
            raise typer.BadParameter(f"第 {line} 行时间无法识别 / line {line}: unreadable time "
                                     f"{row[time_column]!r}", param_hint="--time-column") from None
        parts = [(row[c] or "").strip() for c in text_columns]
        items.append(grouping.Item(
            id=ident, text="\n".join(p for p in parts if p), time=when,
            likes=_int(row.get(likes_column)) if likes_column else 0,
            dislikes=_int(row.get(dislikes_column)) if dislikes_column else 0,
            caller=(row.get(caller_column) or "").strip() or None if caller_column else None,
            title=parts[0] if len(parts) > 1 else ""))
    return items


@hotspots_app.command("cluster")
def cluster(
    input: Path = typer.Option(..., "--input", exists=True, dir_okay=False, help="demands: .csv (UTF-8, or GBK/GB18030 as Excel writes it) or .xlsx"),
    id_column: str = typer.Option(..., "--id-column", help="column with each demand's id"),
    text_columns: str = typer.Option(..., "--text-columns", help="column(s) with the text, comma-separated "
                                     "(title first)"),
    time_column: str | None = typer.Option(None, "--time-column", help="column with the time of the demand"),
    likes_column: str | None = typer.Option(None, "--likes-column", help="column with likes (点赞数)"),
    dislikes_column: str | None = typer.Option(None, "--dislikes-column", help="column with dislikes (反对数)"),
    caller_column: str | None = typer.Option(None, "--caller-column", help="column with the caller (repeat calls)"),
    window_days: int = typer.Option(grouping.WINDOW_DAYS, "--window-days", min=1,
                                    help="never link demands further apart than this"),
    timezone: str = typer.Option("Asia/Shanghai", "--timezone", help="zone of times written without one"),
    as_json: bool = typer.Option(False, "--json", help='print {"clusters": [{"ids", "name", "heat", …}]}'),
    top: int = typer.Option(20, "--top", min=1, help="groups shown without --json"),
) -> None:
    """Group demands about the same matter; every id appears in exactly one cluster (singletons too)."""
    cols = [c.strip() for c in text_columns.split(",") if c.strip()]
    if not cols:
        raise typer.BadParameter("至少一个文本列 / at least one text column", param_hint="--text-columns")
    items = read_items(input, id_column=id_column, text_columns=cols, time_column=time_column,
                       likes_column=likes_column, dislikes_column=dislikes_column, caller_column=caller_column,
                       tz=ZoneInfo(timezone))
    groups = grouping.group(items, window_days=window_days)
    if as_json:
        typer.echo(json.dumps({"clusters": [g.as_dict() for g in groups]}, ensure_ascii=False))
        return
    typer.echo(f"{len(items)} 条诉求 → {len(groups)} 个热点 / demands → groups "
               f"({sum(1 for g in groups if len(g.ids) == 1)} 单条 / singletons)")
    for g in groups[:top]:
        span = f"{g.first:%Y-%m-%d}–{g.last:%Y-%m-%d}" if g.first and g.last else ""
        typer.echo(f"{g.heat:6.1f}  {len(g.ids):4d}  {span:21s}  {g.name}")


@hotspots_app.command("refresh")
def refresh_cmd(
    city: str | None = typer.Option(None, "--city", help="the city's code (default: every city)"),
    window_days: int = typer.Option(30, "--window-days", min=1, max=3660, help="the sliding window re-grouped"),
) -> None:
    """Re-group each city's recent orders into its stored hot matters and systemic problems (the worker
    does this hourly); identities, states and the leaders' corrections are kept."""
    from hotline.city.service import cities
    from hotline.city.tenancy import acting_as
    from hotline.db import session_factory, utcnow
    from hotline.hotspots.refresh import refresh

    with session_factory()() as db:
        every = [c for c in cities(db) if city is None or c.code == city]
        if not every:
            raise typer.BadParameter(f"没有该城市 / no such city: {city}", param_hint="--city")
        ids = [(c.id, c.code, c.name) for c in every]
    for _cid, code, name in ids:
        with session_factory()() as db:
            from hotline.city.tenancy import scope_by_code

            with acting_as(scope_by_code(db, code)):
                out = refresh(db, now=utcnow(), window_days=window_days)
                db.commit()
        typer.echo(f"{name}: {json.dumps(out, ensure_ascii=False)}")
