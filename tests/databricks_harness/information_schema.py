"""Rows of Unity Catalog `information_schema` views, generated from the fake catalog."""

from __future__ import annotations

from datetime import datetime

from .catalog import Catalog

FIXED_TIME = datetime(2025, 1, 1, 0, 0, 0)

# view name -> ordered (column, duckdb type); a practical subset of the real views' columns.
VIEWS: dict[str, list[tuple[str, str]]] = {
    "catalogs": [("catalog_name", "VARCHAR"), ("catalog_owner", "VARCHAR"), ("comment", "VARCHAR")],
    "schemata": [
        ("catalog_name", "VARCHAR"),
        ("schema_name", "VARCHAR"),
        ("schema_owner", "VARCHAR"),
        ("comment", "VARCHAR"),
        ("created", "TIMESTAMP"),
        ("last_altered", "TIMESTAMP"),
    ],
    "tables": [
        ("table_catalog", "VARCHAR"),
        ("table_schema", "VARCHAR"),
        ("table_name", "VARCHAR"),
        ("table_type", "VARCHAR"),
        ("is_insertable_into", "VARCHAR"),
        ("table_owner", "VARCHAR"),
        ("comment", "VARCHAR"),
        ("created", "TIMESTAMP"),
        ("created_by", "VARCHAR"),
        ("last_altered", "TIMESTAMP"),
        ("last_altered_by", "VARCHAR"),
        ("data_source_format", "VARCHAR"),
        ("storage_path", "VARCHAR"),
    ],
    "views": [
        ("table_catalog", "VARCHAR"),
        ("table_schema", "VARCHAR"),
        ("table_name", "VARCHAR"),
        ("view_definition", "VARCHAR"),
        ("is_materialized", "VARCHAR"),
    ],
    "columns": [
        ("table_catalog", "VARCHAR"),
        ("table_schema", "VARCHAR"),
        ("table_name", "VARCHAR"),
        ("column_name", "VARCHAR"),
        ("ordinal_position", "INTEGER"),
        ("column_default", "VARCHAR"),
        ("is_nullable", "VARCHAR"),
        ("full_data_type", "VARCHAR"),
        ("data_type", "VARCHAR"),
        ("partition_index", "INTEGER"),
        ("comment", "VARCHAR"),
    ],
    "table_tags": [
        ("catalog_name", "VARCHAR"),
        ("schema_name", "VARCHAR"),
        ("table_name", "VARCHAR"),
        ("tag_name", "VARCHAR"),
        ("tag_value", "VARCHAR"),
    ],
    "column_tags": [
        ("catalog_name", "VARCHAR"),
        ("schema_name", "VARCHAR"),
        ("table_name", "VARCHAR"),
        ("column_name", "VARCHAR"),
        ("tag_name", "VARCHAR"),
        ("tag_value", "VARCHAR"),
    ],
    "table_constraints": [
        ("constraint_catalog", "VARCHAR"),
        ("constraint_schema", "VARCHAR"),
        ("constraint_name", "VARCHAR"),
        ("table_catalog", "VARCHAR"),
        ("table_schema", "VARCHAR"),
        ("table_name", "VARCHAR"),
        ("constraint_type", "VARCHAR"),
    ],
    "key_column_usage": [
        ("constraint_catalog", "VARCHAR"),
        ("constraint_schema", "VARCHAR"),
        ("constraint_name", "VARCHAR"),
        ("table_catalog", "VARCHAR"),
        ("table_schema", "VARCHAR"),
        ("table_name", "VARCHAR"),
        ("column_name", "VARCHAR"),
        ("ordinal_position", "INTEGER"),
    ],
    "referential_constraints": [
        ("constraint_catalog", "VARCHAR"),
        ("constraint_schema", "VARCHAR"),
        ("constraint_name", "VARCHAR"),
        ("unique_constraint_catalog", "VARCHAR"),
        ("unique_constraint_schema", "VARCHAR"),
        ("unique_constraint_name", "VARCHAR"),
    ],
    "row_filters": [
        ("table_catalog", "VARCHAR"),
        ("table_schema", "VARCHAR"),
        ("table_name", "VARCHAR"),
        ("filter_name", "VARCHAR"),
        ("target_columns", "VARCHAR"),
    ],
    "column_masks": [
        ("table_catalog", "VARCHAR"),
        ("table_schema", "VARCHAR"),
        ("table_name", "VARCHAR"),
        ("column_name", "VARCHAR"),
        ("mask_name", "VARCHAR"),
        ("using_columns", "VARCHAR"),
    ],
}


def view_rows(catalog: Catalog, view: str, only_catalog: str | None) -> list[tuple]:
    """Rows of `information_schema.<view>`; `only_catalog` scopes `<cat>.information_schema`
    (None for `system.information_schema`, which spans every catalog)."""
    rows: list[tuple] = []
    with catalog.lock:
        objects = [
            o for o in catalog.objects.values() if only_catalog is None or o.catalog == only_catalog
        ]
        schemas = sorted(s for s in catalog.schemas if only_catalog is None or s[0] == only_catalog)
        if view == "catalogs":
            rows = [(c, catalog.owner, None) for c in sorted({c for c, _ in schemas})]
        elif view == "schemata":
            rows = [(c, s, catalog.owner, None, FIXED_TIME, FIXED_TIME) for c, s in schemas]
        for o in objects:
            ids = (o.catalog, o.schema, o.name)
            if view == "tables":
                rows.append(
                    (
                        *ids,
                        o.table_type,
                        "NO" if o.is_view else "YES",
                        o.owner,
                        o.comment,
                        FIXED_TIME,
                        o.owner,
                        FIXED_TIME,
                        o.owner,
                        None if o.is_view else o.provider.upper(),
                        o.location,
                    )
                )
            elif view == "views" and o.kind in ("view", "metric_view", "materialized_view"):
                rows.append((*ids, o.view_text, "YES" if not o.is_view else "NO"))
            elif view == "columns":
                for pos, c in enumerate(o.columns):
                    part = o.partition_by.index(c.name) if c.name in o.partition_by else None
                    base_type = c.data_type.split("(")[0].split("<")[0].upper()
                    rows.append(
                        (
                            *ids,
                            c.name,
                            pos,
                            None,
                            "YES" if c.nullable else "NO",
                            c.data_type,
                            base_type,
                            part,
                            c.comment,
                        )
                    )
            elif view == "table_tags":
                rows.extend((*ids, k, v) for k, v in o.tags.items())
            elif view == "column_tags":
                rows.extend((*ids, c.name, k, v) for c in o.columns for k, v in c.tags.items())
            elif view == "row_filters" and o.row_filter:
                rows.append((*ids, o.row_filter[0], ",".join(o.row_filter[1])))
            elif view == "table_constraints":
                rows.extend(
                    (o.catalog, o.schema, name, *ids, kind)
                    for name, (kind, _) in o.constraints.items()
                )
            elif view == "key_column_usage":
                rows.extend(
                    (o.catalog, o.schema, name, *ids, column, position)
                    for name, (_, columns) in o.constraints.items()
                    for position, column in enumerate(columns, start=1)
                )
            elif view == "column_masks":
                rows.extend((*ids, c.name, c.mask, c.mask_using) for c in o.columns if c.mask)
    return rows
